"""The one way this project opens an ONNX Runtime session (embedder and stance model).

- Graph optimisation at ORT_ENABLE_ALL (ONNX Runtime's default, written down):
  the graphs are already fused at export (models/onnx_int8.py); EXTENDED and
  BASIC measured 18% and 23% slower on the embedder.
- No spinning: by default ONNX Runtime's worker threads spin after each
  parallel section, waiting for the next one. On two cores shared by request
  threads, tokenisation, retrieval and a second session, the spinning threads
  take the CPU from exactly that work: measured side by side (busy machine)
  the embedder went from 125 to 168 sentences/s and one verification's 10
  stance pairs from 242 to 157 ms without it (best of six, both in one process).
  On an idle machine serving one request at a time spinning is faster (an idle
  Intel Xeon: one client's p50 105 vs 126 ms), so it is a setting,
  `Config.ort_spinning`, off by default.
- intra-op threads: the configured `threads`, else one per core (ONNX
  Runtime's choice).
"""

from __future__ import annotations

from pathlib import Path


def inference_session(path: Path, threads: int = 0, spinning: bool = False):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
