"""The stance model as concurrent requests share it: one batching queue in
front of it (models/batching.py), an LRU cache of the pairs already read, and
each distinct pair run once. The pairs of every request waiting go to one
`StanceModel.predict`: with a runtime whose answers do not depend on the pairs
sharing a call ("onnx-int8-static", torch) it runs them in length-bucketed
batches, so concurrent requests share the model's batches, not only its
thread; the served "onnx-int8" runs them one pair per call.

    stance = BatchedStance(StanceModel.load(models_dir))   # once per process (models/registry.py)
    with stance.request():                                 # a verification in flight
        probs = stance.predict(pairs)                      # exactly StanceModel.predict(pairs)

The cache is keyed by the model's versioned name with the pair, so a new or
recalibrated model never answers from an older one's entries. A repeated
claim (a batch check that lists it twice, a journalist trying it again, the
same claim from several clients) costs no model call for the passages it
already read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from service.models.batching import DEFAULT_MAX_WAIT_S, BatchQueue

DEFAULT_CACHE_PAIRS = 50_000  # ~50k x (3 floats + two strings): tens of MB at most


class PairCache:
    """A thread-safe LRU of pair -> probabilities.

    Hand-written rather than cachetools/functools: lookups and inserts come a
    batch at a time under one lock, and functools' lru_cache caches calls,
    not the items of a call.
    """

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: list) -> list:
        with self._lock:
            out = []
            for k in keys:
                v = self._data.get(k)
                if v is not None:
                    self._data.move_to_end(k)
                    self.hits += 1
                else:
                    self.misses += 1
                out.append(v)
            return out

    def put_many(self, keys: list, values) -> None:
        if self.size <= 0:
            return
        with self._lock:
            for k, v in zip(keys, values):
                self._data[k] = v
                self._data.move_to_end(k)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class BatchedStance:
    """A StanceModel's `predict`, batched across threads and cached; everything else is the model's."""

    def __init__(self, model, *, max_wait_s: float = DEFAULT_MAX_WAIT_S, cache_pairs: int = DEFAULT_CACHE_PAIRS):
        self.model = model
        self.cache = PairCache(cache_pairs)
        self.queue = BatchQueue(self._run, max_wait_s=max_wait_s, name="stance")

    def __getattr__(self, attr):
        # name, version, labels, stances, logits, max_length ...: the model's own
        return getattr(self.model, attr)

    @contextmanager
    def request(self):
        with self.queue.request():
            yield self

    def predict(self, pairs: list[tuple[str, str]], batch_size: int | None = None) -> np.ndarray:
        """(premise, hypothesis) pairs -> (n, 3) calibrated probabilities, as StanceModel.predict."""
        out = np.zeros((len(pairs), len(self.model.labels)), dtype=np.float32)
        if not pairs:
            return out
        name = self.model.name
        keys = [(name, p[0], p[1]) if isinstance(p, (tuple, list)) and len(p) == 2 else (name, p) for p in pairs]
        known = self.cache.get_many(keys)
        todo: dict = {}  # each distinct pair not in the cache, once, in order of first appearance
        for k, p, v in zip(keys, pairs, known):
            if v is None and k not in todo:
                todo[k] = p
        if todo:
            probs = self.queue.submit(list(todo.values()))
            self.cache.put_many(list(todo), probs)
            fresh = dict(zip(todo, probs))
        else:
            self.queue.arrived()  # nothing to submit: do not keep the queue waiting for this request
            fresh = {}
        for i, (k, v) in enumerate(zip(keys, known)):
            out[i] = v if v is not None else fresh[k]
        return out

    def _run(self, pairs: list) -> np.ndarray:
        return self.model.predict(pairs)

    def close(self) -> None:
        self.queue.close()
