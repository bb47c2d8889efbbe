#!/usr/bin/env python3
"""Writes the tiny Keras fixtures of Tests/InteropTests/Fixtures (developer-only; the outputs are committed).

   KERAS_BACKEND=torch python tools/make_keras_fixtures.py Tests/InteropTests/Fixtures

tiny.keras / tiny-legacy.h5: Sequential Flatten(2x3) → Dense 5 relu → Dropout → Dense 4 gelu → Dense 3 (no bias);
tiny-functional.keras: the same stack built with the functional API; conv2d.keras and lstm.h5: unsupported layers.
expected.json holds an input batch and Keras's own outputs for it, so the tests need no Python.
"""
import json, os, sys
os.environ.setdefault("KERAS_BACKEND", "torch")
import keras, numpy as np


def stack(x):
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(5, activation="gelu", name="d0")(x)
    x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.Dense(4, activation="gelu", name="d1")(x)
    return keras.layers.Dense(3, use_bias=False, name="out")(x)


def main(out):
    keras.utils.set_random_seed(7)
    inp = keras.Input((2, 3))
    seq = keras.Sequential([keras.Input((2, 3)), keras.layers.Flatten(), keras.layers.Dense(5, activation="gelu", name="d0"),
                            keras.layers.Dropout(0.25), keras.layers.Dense(4, activation="gelu", name="d1"),
                            keras.layers.Dense(3, use_bias=False, name="out")])
    fun = keras.Model(inp, stack(inp))
    # Nonzero biases, so that a dropped or misplaced bias shows.
    for m in (seq, fun):
        for layer in m.layers:
            if getattr(layer, "bias", None) is not None:
                layer.bias.assign(np.linspace(-0.5, 0.5, layer.bias.shape[0]).astype(np.float32))
    fun.set_weights(seq.get_weights())
    seq.save(os.path.join(out, "tiny.keras"))
    seq.save(os.path.join(out, "tiny-legacy.h5"))
    fun.save(os.path.join(out, "tiny-functional.keras"))
    x = np.random.default_rng(3).normal(size=(4, 2, 3)).astype(np.float32)
    y = seq.predict(x, verbose=0)
    json.dump({"input": x.reshape(4, 6).tolist(), "logits": y.tolist()}, open(os.path.join(out, "expected.json"), "w"))
    conv = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3, name="conv"), keras.layers.Flatten(),
                             keras.layers.Dense(3)])
    conv.save(os.path.join(out, "conv2d.keras"))
    lstm = keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(2, name="lstm"), keras.layers.Dense(3)])
    lstm.save(os.path.join(out, "lstm.h5"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/InteropTests/Fixtures")
