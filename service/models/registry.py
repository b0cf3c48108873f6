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

    @property
    def embedder(self):
        with _lock:
            if "embedder" not in self._loaded:
                from service.models.embedder import Embedder

                c = self.config
                self._loaded["embedder"] = Embedder(
                    c.embedder_dir, runtime=c.embedder_runtime, threads=c.threads, batch_size=c.embed_batch_size,
                    spinning=c.ort_spinning)
            return self._loaded["embedder"]

    @property
    def stance(self):
        with _lock:
            if "stance" not in self._loaded:
                from service.stance.model import StanceModel

                c = self.config
                self._loaded["stance"] = StanceModel.load(c.stance_models_dir or c.models_dir,
                                                          runtime=c.stance_runtime, threads=c.threads,
                                                          spinning=c.ort_spinning)
            return self._loaded["stance"]

    @property
    def shared_stance(self):
        """The stance model as concurrent requests share it: one batching queue and a pair cache
        (stance/batcher.py). What the verifier uses; `stance` is the bare model."""
        model = self.stance
        with _lock:
            if "shared_stance" not in self._loaded:
                from service.stance.batcher import BatchedStance

                self._loaded["shared_stance"] = BatchedStance(model, max_wait_s=self.config.batch_wait_ms / 1000,
                                                               cache_pairs=self.config.stance_cache_pairs)
            return self._loaded["shared_stance"]

    @property
    def shared_embedder(self):
        """The embedder with the queries of concurrent requests embedded in one call (models/batched_embedder.py)."""
        model = self.embedder
        with _lock:
            if "shared_embedder" not in self._loaded:
                from service.models.batched_embedder import BatchedEmbedder

                self._loaded["shared_embedder"] = BatchedEmbedder(model, max_wait_s=self.config.batch_wait_ms / 1000)
            return self._loaded["shared_embedder"]

    @property
    def verdict(self):
        """The verdict model (models/verdict/model.json): evidence selection and claim aggregation."""
        with _lock:
            if "verdict" not in self._loaded:
                from service.verdict.model import VerdictModel

                self._loaded["verdict"] = VerdictModel.load(self.config.models_dir)
            return self._loaded["verdict"]

    @property
    def matching(self):
        """The "same claim" model (models/matching/model.json): earlier checks and fact-checks."""
        with _lock:
            if "matching" not in self._loaded:
                from service.factchecks.model import MatchModel

                self._loaded["matching"] = MatchModel.load(self.config.models_dir)
            return self._loaded["matching"]


    @property
    def checkworthy(self):
        """The check-worthiness model (models/checkworthy/model.json): what to check in a text."""
        with _lock:
            if "checkworthy" not in self._loaded:
                from service.checkworthy.model import CheckWorthyModel

                self._loaded["checkworthy"] = CheckWorthyModel.load(self.config.models_dir)
            return self._loaded["checkworthy"]


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
