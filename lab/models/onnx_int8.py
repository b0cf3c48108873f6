"""Export a BERT-style torch module to a fused, dynamically quantised int8
ONNX graph: the fast CPU runtime of both the embedder and the stance model.

- the legacy exporter (`dynamo=False`): ONNX Runtime's BERT fuser does not
  recognise the dynamo graph;
- `optimize_model(model_type="bert")` fuses attention, GELU and layer norms;
- per-channel int8 weights with `reduce_range` (7-bit), which avoids the
  u8 x s8 overflow of AVX2 kernels without VNNI (min cosine to fp32 0.991 ->
  0.994 on SciFact sentences for the embedder, same speed).
"""

from __future__ import annotations

import os
from pathlib import Path


def export_int8(module, example: tuple, output_name: str, target: Path, *, num_heads: int, hidden_size: int) -> Path:
    """module(input_ids, attention_mask) -> output_name; writes `target` atomically."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fp32, fused, tmp = (target.with_name(target.stem + suffix) for suffix in (".fp32.onnx", ".fused.onnx", ".tmp"))
    try:
        with torch.no_grad():
            torch.onnx.export(
                module, example, str(fp32), dynamo=False, opset_version=17,
                input_names=["input_ids", "attention_mask"], output_names=[output_name],
                dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                              output_name: {0: "batch"}},
            )
        optimize_model(str(fp32), model_type="bert", num_heads=num_heads,
                       hidden_size=hidden_size).save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(tmp), per_channel=True, reduce_range=True, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(tmp, target)
    finally:
        for leftover in (fp32, fused, tmp):
            leftover.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------- static activation ranges
#
# The dynamic graph above quantises each call's activations with a scale taken from that call's
# own largest value (DynamicQuantizeLinear before every int8 MatMul and QAttention), so in a batch
# a row's result moves with the rows around it. `freeze_activation_ranges` turns that graph into a
# static one: every DynamicQuantizeLinear becomes a QuantizeLinear whose scale and zero point are
# constants, calibrated once by running the dynamic graph one example per call. The int8 kernels,
# the fused attention (QAttention) and the weights stay as they are, so the speed does too, and a
# row's result no longer depends on its batch-mates or its padding.

def _dynamic_quantize_nodes(model) -> list:
    return [n for n in model.graph.node if n.op_type == "DynamicQuantizeLinear"]


def activation_ranges(dynamic_path: Path, feeds, *, percentile: float = 100.0,
                      threads: int = 0) -> dict[str, tuple[float, float]]:
    """{tensor: (min, max)} over the calibration examples of every tensor the dynamic graph
    quantises at run time. `feeds` yields {input name: array} dicts, one example per call
    (no padding, so each range is that of real tokens). With `percentile` p below 100, the range
    holds the whole of p% of the examples (their extremes' percentiles) rather than all of them."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(dynamic_path))
    names = [n.input[0] for n in _dynamic_quantize_nodes(model)]
    known = {o.name for o in model.graph.output}
    for name in names:
        if name not in known:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    opts = ort.SessionOptions()
    # The extra outputs must be the tensors the graph computes, not ones fused away.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if threads:
        opts.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    lows, highs = [], []
    for feed in feeds:
        values = session.run(names, feed)
        lows.append([float(v.min()) for v in values])
        highs.append([float(v.max()) for v in values])
    if not lows:
        raise ValueError("no calibration examples")
    lo = np.percentile(np.array(lows), 100.0 - percentile, axis=0)
    hi = np.percentile(np.array(highs), percentile, axis=0)
    return {name: (float(a), float(b)) for name, a, b in zip(names, lo, hi)}


def uint8_scale_zero_point(lo: float, hi: float) -> tuple[float, int]:
    """DynamicQuantizeLinear's own rule, applied to a fixed range: the range is widened to hold 0,
    scale = (max - min) / 255, zero point = round(-min / scale)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255.0 or 1.0
    return scale, int(min(255, max(0, round(-lo / scale))))


def freeze_activation_ranges(dynamic_path: Path, ranges: dict[str, tuple[float, float]], target: Path,
                             metadata: dict[str, str] | None = None) -> Path:
    """The dynamic graph with each DynamicQuantizeLinear replaced by a QuantizeLinear of fixed
    scale and zero point (from `ranges`); written to `target` atomically. The scale and zero-point
    outputs keep their names, as constants, so the nodes that read them are unchanged."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(dynamic_path))
    nodes = []
    for node in model.graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        x, (y, y_scale, y_zero) = node.input[0], node.output
        if x not in ranges:
            raise ValueError(f"no calibrated range for {x}")
        scale, zero = uint8_scale_zero_point(*ranges[x])
        model.graph.initializer.append(numpy_helper.from_array(np.array(scale, dtype=np.float32), y_scale))
        model.graph.initializer.append(numpy_helper.from_array(np.array(zero, dtype=np.uint8), y_zero))
        nodes.append(helper.make_node("QuantizeLinear", [x, y_scale, y_zero], [y], name=node.name + "_static"))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    for key, value in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=str(value)))
    onnx.checker.check_model(model)
    target = Path(target)
    tmp = target.with_name(target.name + ".tmp")
    try:
        onnx.save(model, str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def ranges_fingerprint(ranges: dict[str, tuple[float, float]]) -> str:
    import hashlib
    import json

    return hashlib.sha1(json.dumps(sorted(ranges.items())).encode()).hexdigest()[:12]
