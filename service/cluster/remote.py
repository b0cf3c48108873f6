"""What the ingress calls the other deployments through.

Every call here is a read (embed, search a shard, run the stance model), so a
call that lost its replica (killed, or its node gone) is simply made again:
Serve routes it to another replica, or to the one it starts in place of the
lost one, which reloads its model or its versioned shard files. Application
errors (bad input) are not retried: they reach the HTTP layer as they are.
"""

from __future__ import annotations

import functools
import logging
import time

from service.api.errors import Unavailable

log = logging.getLogger(__name__)

# How long a call keeps trying while a replica is replaced: a fresh replica loads
# a model or a shard first, which on a busy 2-core machine takes up to a minute.
RETRY_S = 180
CALL_TIMEOUT_S = 120  # one attempt; a verification's calls take well under a second each


def _retryable():
    from ray import exceptions as rex
    from ray.serve import exceptions as sex

    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "ActorUnschedulableError",
             "NodeDiedError", "ObjectLostError", "OwnerDiedError", "WorkerCrashedError", "GetTimeoutError")
    found = tuple(getattr(rex, n) for n in names if hasattr(rex, n))
    found += tuple(getattr(sex, n) for n in ("BackPressureError", "DeploymentUnavailableError") if hasattr(sex, n))
    return found


def call(method, *args, what: str = "a deployment", **kwargs):
    retryable = _retryable()
    deadline = time.monotonic() + RETRY_S
    delay, attempt = 0.2, 1
    while True:
        try:
            return method.remote(*args, **kwargs).result(timeout_s=CALL_TIMEOUT_S)
        except retryable as exc:
            if time.monotonic() > deadline:
                raise Unavailable(f"{what} of the cluster did not answer within {RETRY_S} s ({type(exc).__name__})")
            log.warning("%s failed (%s: %s); attempt %d again in %.1f s", what, type(exc).__name__, exc, attempt + 1,
                        delay)
            time.sleep(delay)
            delay, attempt = min(delay * 2, 5.0), attempt + 1


class RemoteEmbedder:
    """The embedder deployment, with the Embedder methods the retriever calls. Its size and
    name are asked on first use, from a request thread: a replica's constructor runs in its
    event loop, where a blocking call to another deployment is refused."""

    def __init__(self, handle):
        self._handle = handle

    @functools.cached_property
    def dim(self) -> int:
        return call(self._handle.dim, what="the embedder")

    @functools.cached_property
    def name(self) -> str:
        return call(self._handle.name, what="the embedder")

    def encode_queries(self, texts):
        return call(self._handle.encode_queries, list(texts), what="the embedder")


class RemoteStance:
    """The stance deployment; it batches the pairs of concurrent requests (@serve.batch)."""

    def __init__(self, handle):
        self._handle = handle

    @functools.cached_property
    def name(self) -> str:
        return call(self._handle.name, what="the stance model")

    @functools.cached_property
    def stances(self) -> tuple:
        """Which Stance each column of `predict` is, as the deployed model's own label order says."""
        from service.stance import Stance

        return tuple(Stance(s) for s in call(self._handle.stances, what="the stance model"))

    def predict(self, pairs):
        return call(self._handle.predict, [tuple(p) for p in pairs], what="the stance model")


class RemoteShard:
    """One shard deployment as a ShardedRetriever shard: search(vectors, claims, languages, k, **filters)."""

    def __init__(self, handle, shard: int):
        self._handle, self.shard = handle, shard

    def __call__(self, vectors, claims, claim_languages, k, **filters):
        return call(self._handle.search, vectors, claims, claim_languages, k, what=f"shard {self.shard}", **filters)

    def describe(self) -> dict:
        return call(self._handle.describe, what=f"shard {self.shard}")
