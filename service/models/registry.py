"""The one place where models are loaded, once per process, then passed in.

The CLI, the HTTP app and the benchmarks all call `get_models(config)`; a
second call with the same configuration returns the same objects, so threads
of one server share one copy of each model.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field

from service.config import Config

_lock = threading.Lock()
_cache: dict[tuple, "Models"] = {}


@dataclass
class Models:
    config: Config
    _loaded: dict = field(default_factory=dict)

    def _once(self, name: str, load):
        """The model called `name`, loaded by `load()` the first time it is asked for (under the lock: one
        copy per process even when threads ask together; `load` must not ask for another model)."""
        with _lock:
            if name not in self._loaded:
                self._loaded[name] = load()
            return self._loaded[name]

    @property
    def embedder(self):
        from service.models.embedder import Embedder

        c = self.config
        return self._once("embedder", lambda: Embedder(c.embedder_dir, runtime=c.embedder_runtime, threads=c.threads,
                                                       batch_size=c.embed_batch_size, spinning=c.ort_spinning))

    @property
    def stance(self):
        from service.stance.model import StanceModel

        c = self.config
        return self._once("stance", lambda: StanceModel.load(c.stance_models_dir or c.models_dir,
                                                             runtime=c.stance_runtime, threads=c.threads,
                                                             spinning=c.ort_spinning))

    @property
    def shared_stance(self):
        """The stance model as concurrent requests share it: one batching queue and a pair cache
        (stance/batcher.py). What the verifier uses; `stance` is the bare model."""
        from service.stance.batcher import BatchedStance

        model = self.stance  # before taking the lock, which is not re-entrant
        return self._once("shared_stance", lambda: BatchedStance(model, max_wait_s=self.config.batch_wait_ms / 1000,
                                                                 cache_pairs=self.config.stance_cache_pairs))

    @property
    def shared_embedder(self):
        """The embedder with the queries of concurrent requests embedded in one call (models/batched_embedder.py)."""
        from service.models.batched_embedder import BatchedEmbedder

        model = self.embedder  # before taking the lock, which is not re-entrant
        return self._once("shared_embedder",
                          lambda: BatchedEmbedder(model, max_wait_s=self.config.batch_wait_ms / 1000))

    @property
    def verdict(self):
        """The verdict model (models/verdict/model.json): evidence selection and claim aggregation."""
        from service.verdict.model import VerdictModel

        return self._once("verdict", lambda: VerdictModel.load(self.config.models_dir))

    @property
    def matching(self):
        """The "same claim" model (models/matching/model.json): earlier checks and fact-checks."""
        from service.factchecks.model import MatchModel

        return self._once("matching", lambda: MatchModel.load(self.config.models_dir))

    @property
    def checkworthy(self):
        """The check-worthiness model (models/checkworthy/model.json): what to check in a text."""
        from service.checkworthy.model import CheckWorthyModel

        return self._once("checkworthy", lambda: CheckWorthyModel.load(self.config.models_dir))


def get_models(config: Config) -> Models:
    _quiet_libraries()
    key = (str(config.models_dir), config.embedder_runtime, config.stance_runtime, config.threads,
           config.stance_models_dir,
           config.embed_batch_size)
    with _lock:
        if key not in _cache:
            _cache[key] = Models(config)
        return _cache[key]


def close_shared() -> None:
    """Finish what the batching queues of this process hold, then stop them (a server worker's exit).
    Models asked for afterwards get new queues."""
    with _lock:
        queues = [m._loaded.pop(k) for m in _cache.values() for k in ("shared_stance", "shared_embedder")
                  if k in m._loaded]
    for queue in queues:
        queue.close()


def _quiet_libraries() -> None:
    # Everything is local: never let a library try the network, and keep
    # load reports (e.g. the unused BERT pooler) out of users' terminals.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Read by transformers when (if ever) it is imported: only the torch runtimes use it, and
    # importing it here just to quiet it cost ~0.4 s of every `recoupe verify` (python -X importtime).
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
