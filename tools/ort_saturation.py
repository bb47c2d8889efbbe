#!/usr/bin/env python3
"""Whether ONNX Runtime sums uint8 x int8 MatMulInteger products exactly on this CPU (it saturates without VNNI),
and that the uint8 x uint8 form with zero point 128 (what `--onnx-int8 ort` writes) is exact.

   .venv-torch/bin/python tools/ort_saturation.py
"""
import numpy as np, onnx, onnxruntime as ort
from onnx import helper, TensorProto, numpy_helper
def run(wdtype, w, wzp, a, azp):
    K, N = w.shape
    A = helper.make_tensor_value_info("a", TensorProto.UINT8, list(a.shape))
    Y = helper.make_tensor_value_info("y", TensorProto.INT32, None)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(azp, np.uint8), "azp"),
             numpy_helper.from_array(np.array(wzp, w.dtype), "wzp")]
    n = helper.make_node("MatMulInteger", ["a", "w", "azp", "wzp"], ["y"])
    g = helper.make_graph([n], "g", [A], [Y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]); m.ir_version = 8
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"a": a})[0]
rng = np.random.default_rng(0)
M, K, N = 64, 256, 64
a = rng.integers(0, 256, (M, K)).astype(np.uint8); a[:, :] = np.where(rng.random((M,K))<0.5, 255, a)
w = rng.integers(-127, 128, (K, N)).astype(np.int8); w[:, :] = np.where(rng.random((K,N))<0.5, 127, w)
exact = (a.astype(np.int64) - 0) @ w.astype(np.int64)
y = run(np.int8, w, 0, a, 0)
print("u8s8 max |err|", np.abs(y - exact).max(), "of", np.abs(exact).max())
wu = (w.astype(np.int16) + 128).astype(np.uint8)
y2 = run(np.uint8, wu, 128, a, 0)
print("u8u8 zp128 max |err|", np.abs(y2 - exact).max())
