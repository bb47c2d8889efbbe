#!/usr/bin/env python3
"""Writes broken .keras archives from a good one, for the importer's error tests (standard library only).

   python3 tools/make_bad_keras.py GOOD.keras OUT_DIR

OUT_DIR gets: no-weights.keras (model.weights.h5 left out), corrupt-weights.keras (its bytes garbled after the HDF5
signature), truncated-weights.keras (its first 600 bytes only), traversal.keras (an extra entry ../../evil.txt),
bomb.keras (model.weights.h5 deflated from 8 MiB of zeros, declaring 1,000 bytes: it inflates past its declared
size), huge.keras (config.json declaring 4 GiB; only its headers say so), not-zip.keras (text).
"""
import os, struct, sys, zipfile


def copy(good, out, skip=(), replace=None, extra=()):
    replace = replace or {}
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if info.filename in skip:
                continue
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, data in extra:
            dst.writestr(name, data)


def patch_sizes(path, name, declared):
    """Rewrites the uncompressed size of entry `name` in its local header and central directory record."""
    data = bytearray(open(path, "rb").read())
    key = name.encode()
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        n = struct.unpack_from("<H", data, i + 26)[0]
        if data[i + 30:i + 30 + n] == key:
            struct.pack_into("<I", data, i + 22, declared)
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        n = struct.unpack_from("<H", data, i + 28)[0]
        if data[i + 46:i + 46 + n] == key:
            struct.pack_into("<I", data, i + 24, declared)
        i += 4
    open(path, "wb").write(bytes(data))


def main(good, out):
    os.makedirs(out, exist_ok=True)
    weights = zipfile.ZipFile(good).read("model.weights.h5")
    copy(good, f"{out}/no-weights.keras", skip={"model.weights.h5"})
    garbled = weights[:8] + bytes((b ^ 0x5A) for b in weights[8:])
    copy(good, f"{out}/corrupt-weights.keras", replace={"model.weights.h5": garbled})
    copy(good, f"{out}/truncated-weights.keras", replace={"model.weights.h5": weights[:600]})
    copy(good, f"{out}/traversal.keras", extra=[("../../evil.txt", b"outside")])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(f"{out}/bomb.keras", "w") as dst:
        for info in src.infolist():
            if info.filename != "model.weights.h5":
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(zipfile.ZipInfo("model.weights.h5"), b"\0" * (8 << 20), compress_type=zipfile.ZIP_DEFLATED)
    patch_sizes(f"{out}/bomb.keras", "model.weights.h5", 1000)
    copy(good, f"{out}/huge.keras")
    patch_sizes(f"{out}/huge.keras", "config.json", 0xFFFFFFFE)
    open(f"{out}/not-zip.keras", "w").write("this is not a model\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
