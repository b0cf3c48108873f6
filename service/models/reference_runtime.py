"""The torch-fp32 runtimes (the reference the int8 graphs are measured against) need torch and
transformers, which are installed with the training extra, not with the service: serving uses the
ONNX graphs. This says so in one place when a configuration asks for torch-fp32 without them."""

from __future__ import annotations

from service.errors import ModelMissing

LAB_EXTRA_HINT = "install the training extra (pip install -e '.[lab]'; the README's set-up does it)"


def missing_reference_library(what: str, exc: ImportError) -> ModelMissing:
    return ModelMissing(f"the torch-fp32 {what} runtime needs {exc.name}, which is not installed: {LAB_EXTRA_HINT}")
