#!/usr/bin/env python3
"""Trains a Keras MLP (torch backend) on Fashion-MNIST, saves it as .keras and legacy .h5, prints its test accuracy.

   KERAS_BACKEND=torch python tools/keras_fashion.py OUT_PREFIX [--epochs 3] [--hidden 256,128] [--activation relu]
   KERAS_BACKEND=torch python tools/keras_fashion.py --eval MODEL.keras      # Keras's own test accuracy of any model

The data is read as Condense reads it (x/255, train = first 55,000 training images, val = last 5,000, test = 10,000),
and the model starts with Flatten on 28x28 inputs so that the importer's Flatten mapping is exercised.
Prints one JSON line: {"test_accuracy": ..., "test_correct": ..., "test_count": ...}.
"""
import argparse, gzip, json, os, sys
os.environ.setdefault("KERAS_BACKEND", "torch")
import numpy as np

FASHION = os.environ.get("CONDENSE_FASHION_DIR", "/usr/share/datasets/fashion-mnist")


def idx(name):
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    if data[2] == 8 and data[3] == 3:
        n, r, c = np.frombuffer(data, ">i4", 3, 4)
        return np.frombuffer(data, np.uint8, n * r * c, 16).reshape(n, r, c).astype(np.float32) / 255
    n = np.frombuffer(data, ">i4", 1, 4)[0]
    return np.frombuffer(data, np.uint8, n, 8).astype(np.int64)


def test_accuracy(model):
    x, y = idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")
    x = x.reshape((len(x),) + tuple(model.input_shape[1:]))   # (28, 28) for ours, (784,) for a Condense export
    pred = np.argmax(model.predict(x, batch_size=1000, verbose=0), axis=1)
    correct = int((pred == y).sum())
    return {"test_accuracy": correct / len(y), "test_correct": correct, "test_count": int(len(y))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--eval")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--hidden", default="256,128")
    ap.add_argument("--activation", default="relu")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    import keras
    if a.eval:
        print(json.dumps(test_accuracy(keras.saving.load_model(a.eval))))
        return
    if not a.out:
        sys.exit("keras_fashion.py: error: give OUT_PREFIX (writes OUT_PREFIX.keras and OUT_PREFIX.h5) or --eval MODEL")
    keras.utils.set_random_seed(a.seed)
    x, y = idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz")
    xt, yt, xv, yv = x[:55000], y[:55000], x[55000:], y[55000:]
    layers = [keras.Input((28, 28)), keras.layers.Flatten()]
    for h in [int(v) for v in a.hidden.split(",") if v]:
        layers += [keras.layers.Dense(h, activation=a.activation), keras.layers.Dropout(0.1)]
    layers.append(keras.layers.Dense(10))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(xt, yt, batch_size=128, epochs=a.epochs, validation_data=(xv, yv), verbose=2)
    model.save(a.out + ".keras")
    model.save(a.out + ".h5")
    print(json.dumps(test_accuracy(model)))


if __name__ == "__main__":
    main()
