"""The Ray Serve application of `recoupe serve --ray ADDRESS --shards S`.

  HTTP -> Ingress (the /v1 Flask app, unchanged, behind an ASGI adapter; one replica,
          beside the store it reads articles from)
            -> Embedder      the query embedder (ONNX), autoscaled
            -> Shard0..S-1   FAISS + BM25 of one shard each, loaded from the shard files of
                             the version deployed (service/retrieve/shards.py), autoscaled
            -> Stance        the stance model; @serve.batch merges the pairs of
                             concurrent requests into one model call, autoscaled
Fusion and the verdict run in the ingress, with the same code as `recoupe serve`.

Ray sets OMP_NUM_THREADS=1 in its workers; ONNX Runtime is given its threads
explicitly (`ray_model_threads`), matching the CPUs each replica reserves.
"""

from __future__ import annotations

import logging

import numpy as np

from service.cluster import import_ray
from service.config import Config

import_ray()  # sets the loopback setting before Ray's first import; a clear error without Ray
from ray import serve  # noqa: E402

log = logging.getLogger(__name__)

APP_NAME = "recoupe"
DEFAULT_PORT = 8080  # `recoupe serve --ray` without --port (or a configured port other than 8000)
INGRESS_THREADS = 16  # WSGI threads of the ingress: requests wait on remote calls, not on its CPU
STANCE_BATCH, STANCE_WAIT_S = 8, 0.01  # requests merged per stance call, and how long to wait for them


def autoscaling(config: Config) -> dict:
    return {"min_replicas": config.ray_min_replicas, "max_replicas": config.ray_max_replicas,
            "target_ongoing_requests": config.ray_target_ongoing_requests}


@serve.deployment(name="Embedder")
class EmbedderDeployment:
    def __init__(self, config: Config):
        from service.models.embedder import Embedder
        from service.models.registry import get_models

        get_models(config)  # the same library settings as every other process (offline, quiet)
        self.model = Embedder(config.embedder_dir, runtime=config.embedder_runtime,
                              threads=config.ray_model_threads, batch_size=config.embed_batch_size,
                              spinning=config.ort_spinning)

    def dim(self) -> int:
        return self.model.dim

    def name(self) -> str:
        return self.model.name

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # each claim alone, as the single-process service embeds it: the same vector, whatever the batch
        return self.model.encode_each_query(texts)


@serve.deployment(name="Stance")
class StanceDeployment:
    def __init__(self, config: Config):
        from service.models.registry import get_models
        from service.stance.model import StanceModel

        get_models(config)
        self.model = StanceModel.load(config.models_dir, runtime=config.stance_runtime,
                                      threads=config.ray_model_threads, spinning=config.ort_spinning)

    def name(self) -> str:
        return self.model.name

    def stances(self) -> list[str]:
        return [s.value for s in self.model.stances]

    @serve.batch(max_batch_size=STANCE_BATCH, batch_wait_timeout_s=STANCE_WAIT_S)
    async def predict(self, requests: list[list[tuple[str, str]]]) -> list[np.ndarray]:
        pairs = [pair for request in requests for pair in request]
        probs = self.model.predict(pairs) if pairs else np.zeros((0, len(self.model.labels)), dtype=np.float32)
        out, at = [], 0
        for request in requests:
            out.append(probs[at:at + len(request)])
            at += len(request)
        return out


@serve.deployment(name="Shard")
class ShardDeployment:
    def __init__(self, data_dir: str, shards: int, shard: int, current: dict):
        from service.retrieve.shards import Shard

        # The version deployed, also when this replica is a restart after a newer build: every
        # shard answers from the same store generation. Redeploying switches versions.
        self.shard = Shard(data_dir, shards, shard, current)
        log.info("shard %d/%d loaded: %s", shard, shards, self.shard.describe())

    def search(self, vectors, claims, claim_languages, k, **filters):
        return self.shard.search(vectors, claims, claim_languages, k, **filters)

    def describe(self) -> dict:
        return self.shard.describe()


# On the head node, where the store lives (docs/cluster.md) and where Serve's controller and proxy
# run anyway: losing a worker node must not take the one ingress replica with it.
HEAD_NODE = {"node:__internal_head__": 0.001}


@serve.deployment(name="Ingress", num_replicas=1, ray_actor_options={"num_cpus": 0, "resources": HEAD_NODE})
@serve.ingress()
class Ingress:
    def __init__(self, config: Config, current: dict, embedder, stance, *shard_handles):
        from service.api import create_app
        from service.cluster.remote import RemoteEmbedder, RemoteShard, RemoteStance
        from service.cluster.services import ClusterServices
        from service.cluster.store_view import StoreView
        from service.verdict.model import VerdictModel

        self.services = ClusterServices(StoreView(config.data_dir), current, RemoteEmbedder(embedder),
                                        RemoteStance(stance), VerdictModel.load(config.models_dir),
                                        [RemoteShard(h, i) for i, h in enumerate(shard_handles)], config.models_dir)
        self.flask_app = create_app(config, services=self.services)

    def __serve_build_asgi_app__(self):
        from a2wsgi import WSGIMiddleware

        return WSGIMiddleware(self.flask_app, workers=INGRESS_THREADS)


def build_app(config: Config, shards: int):
    """The bound application: deployments with their resources and autoscaling bounds."""
    from service.retrieve.shards import read_current

    # The version to serve, fixed now: replicas started later (a restart, autoscaling) load the same
    # one; running `recoupe serve --ray` again after `recoupe shards build` rolls them to the new one.
    current = read_current(config.data_dir, shards)
    model = {"ray_actor_options": {"num_cpus": config.ray_model_cpus}, "autoscaling_config": autoscaling(config)}
    embedder = EmbedderDeployment.options(**model).bind(config)
    stance = StanceDeployment.options(**model).bind(config)
    shard_apps = [
        ShardDeployment.options(name=f"Shard{i}", ray_actor_options={"num_cpus": config.ray_shard_cpus},
                                autoscaling_config=autoscaling(config))
        .bind(str(config.data_dir), shards, i, current)
        for i in range(shards)
    ]
    return Ingress.bind(config, current, embedder, stance, *shard_apps)


def run(config: Config, address: str, shards: int, *, blocking: bool = True) -> str:
    """Deploy on the cluster at `address`, HTTP on config.host:config.port; returns the URL."""
    from service.cluster import connect

    connect(address)
    serve.start(proxy_location="HeadOnly", http_options={"host": config.host, "port": config.port})
    serve.run(build_app(config, shards), name=APP_NAME, route_prefix="/", blocking=False)
    url = f"http://{config.host}:{config.port}"
    if blocking:
        import sys
        import time

        print(f"Recoupe on the Ray cluster at {address}: {url}/v1 ({shards} shards); Ctrl-C stops it",
              file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            serve.delete(APP_NAME)
    return url
