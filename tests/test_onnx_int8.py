"""Fixed activation ranges (models/onnx_int8.py) on a small hand-made int8 graph: a
DynamicQuantizeLinear feeding a MatMulInteger, as ONNX Runtime's dynamic quantisation writes
before every MatMul of the stance model."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from lab.models.onnx_int8 import (activation_ranges, freeze_activation_ranges, ranges_fingerprint,
                                      uint8_scale_zero_point)

W = np.array([[3, -2], [1, 5], [-4, 2], [2, 2]], dtype=np.int8)
W_SCALE = 0.05


def _dynamic_graph(path) -> None:
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "x_scale", "x_zero"], name="quant"),
        helper.make_node("MatMulInteger", ["xq", "w", "x_zero", "w_zero"], ["acc"]),
        helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["x_scale", "w_scale"], ["scale"]),
        helper.make_node("Mul", ["accf", "scale"], ["y"]),
    ]
    inits = [numpy_helper.from_array(W, "w"), numpy_helper.from_array(np.array(0, np.int8), "w_zero"),
             numpy_helper.from_array(np.array(W_SCALE, np.float32), "w_scale")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def _run(path, x) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def test_fixed_ranges_make_a_row_independent_of_the_rows_beside_it(tmp_path):
    dynamic, static = tmp_path / "dynamic.onnx", tmp_path / "static.onnx"
    _dynamic_graph(dynamic)
    row = np.array([[0.3, -0.2, 0.1, 0.25]], np.float32)
    big = np.array([[6.0, -5.0, 4.0, 3.0]], np.float32)
    # Per call: the big row widens the call's range, and the small row's result moves.
    assert not np.allclose(_run(dynamic, row), _run(dynamic, np.vstack([row, big]))[:1], atol=1e-3)

    ranges = activation_ranges(dynamic, [{"x": row}, {"x": big}])
    assert ranges == {"x": (-5.0, 6.0)}
    freeze_activation_ranges(dynamic, ranges, static, metadata={"recoupe_activation_ranges": ranges_fingerprint(ranges)})
    alone, beside = _run(static, row), _run(static, np.vstack([row, big, -big]))[:1]
    np.testing.assert_array_equal(alone, beside)
    # ... and it is still the int8 product at the calibrated scale, close to the float one.
    np.testing.assert_allclose(alone, row @ (W.astype(np.float32) * W_SCALE), atol=0.05)
    model = onnx.load(str(static))
    assert not any(n.op_type == "DynamicQuantizeLinear" for n in model.graph.node)
    assert {p.key for p in model.metadata_props} == {"recoupe_activation_ranges"}


def test_a_fixed_range_quantises_as_dynamic_quantisation_does_on_that_range():
    scale, zero = uint8_scale_zero_point(-5.0, 6.0)
    assert abs(scale - 11 / 255) < 1e-9 and zero == round(5 / scale)
    # Ranges that do not hold 0 are widened to it, as DynamicQuantizeLinear does.
    assert uint8_scale_zero_point(0.5, 2.0) == (2.0 / 255, 0)
    assert uint8_scale_zero_point(-3.0, -1.0)[1] == 255
