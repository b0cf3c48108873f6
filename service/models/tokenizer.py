"""The e5-small tokenizer, parsed once per process for the embedder and the stance model.

Parsing its tokenizer.json (a 250k-piece unigram vocabulary) is the largest
single cost of starting `recoupe verify` (~1 s idle, more on a busy machine),
and both models read the same file. The two differ only in truncation and
padding, which a `tokenizers.Tokenizer` holds as mutable state; each user
gets a view that sets its own settings and encodes under one lock, so the two
never see each other's (setting them costs microseconds).
"""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_parsed: dict[str, object] = {}
_encode_lock = threading.Lock()


class TokenizerView:
    """encode_batch with this view's truncation and padding."""

    def __init__(self, tok, truncation: dict, padding: dict | None):
        self._tok, self._truncation, self._padding = tok, truncation, padding

    def encode_batch(self, inputs: list):
        with _encode_lock:
            self._tok.enable_truncation(**self._truncation)
            if self._padding is None:
                self._tok.no_padding()
            else:
                self._tok.enable_padding(**self._padding)
            return self._tok.encode_batch(inputs)

    def to_str(self) -> str:
        return self._tok.to_str()

    def encode(self, text):
        return self.encode_batch([text])[0]


def tokenizer(path: Path, *, truncation: dict, padding: dict | None = None) -> TokenizerView:
    """A view of the tokenizer at `path` (parsed on first use) with these settings."""
    from tokenizers import Tokenizer

    key = str(Path(path).resolve())
    with _lock:
        if key not in _parsed:
            _parsed[key] = Tokenizer.from_file(key)
        return TokenizerView(_parsed[key], truncation, padding)
