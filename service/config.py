"""The one configuration object.

Values come, later ones winning, from: the defaults below, a TOML file
(`recoupe.toml` in the working directory, or the path in RECOUPE_CONFIG), and
environment variables named RECOUPE_<FIELD> (e.g. RECOUPE_DATA_DIR).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from service.errors import InvalidInput

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    # Where the index and its metadata live (created on first ingest).
    data_dir: Path = field(default_factory=lambda: Path("data"))
    # Built and trained model artefacts.
    models_dir: Path = REPO_ROOT / "models"
    # "onnx-int8" (fast, default) or "torch-fp32" (reference sentence-transformers path).
    embedder_runtime: str = "onnx-int8"
    # Sentences per embedder call at ingest: 16 measured fastest side by side (260 sentences/s vs 216
    # at 32 and 195 at 64; one call's activations stay in the 1 MB L2 of each core).
    embed_batch_size: int = 16
    # Stance model runtime: "onnx-int8" (fast, default; one pair per call), "onnx-int8-static" (fixed
    # activation ranges, batched: an option, see models/README.md) or "torch-fp32" (fp16 weights in fp32).
    stance_runtime: str = "onnx-int8"
    # Threads for torch / ONNX Runtime; 0 lets the runtime decide.
    threads: int = 0
    # Let ONNX Runtime's worker threads spin between parallel sections (its own default). Off: under
    # concurrent requests the spinning takes the cores from retrieval and tokenisation (16 clients:
    # 67.4 vs 57.8 requests/s); on a machine that serves one request at a time, on is faster (one
    # client's p50 105 vs 126 ms). Both measured on an idle 2-core Intel Xeon (README, speed).
    ort_spinning: bool = False
    # How long the model queues wait for the other requests in flight to join a batch
    # (models/batching.py); 0 batches only what is already waiting.
    batch_wait_ms: float = 4.0
    # (claim, passage) stance results kept per process for repeated claims (stance/batcher.py); 0: none.
    stance_cache_pairs: int = 50_000
    # Another models folder to take the stance model from (its stance/ and e5-small/), e.g. the
    # distilled 6-layer student (stance/distill.py); "" serves models_dir's.
    stance_models_dir: str = ""
    # "flat" (exact, default), "hnsw", "ivf" or "ivfpq" (approximate, for large corpora).
    index_type: str = "flat"
    hnsw_m: int = 32
    ivf_nlist: int = 0  # 0: chosen from the corpus size
    ivf_nprobe: int = 16
    # IVF-PQ: bytes per code, lists probed, candidates re-ranked with the stored vectors.
    pq_m: int = 48
    pq_nprobe: int = 0  # 0: a 16th of the lists, at least 32
    pq_rerank: int = 200
    # Ray cluster mode (`recoupe serve --ray`, docs/cluster.md): CPUs each model replica (embedder,
    # stance) and each shard replica reserves, ONNX Runtime threads per model replica (Ray sets
    # OMP_NUM_THREADS=1 in its workers), and the autoscaling bounds of those deployments.
    ray_model_cpus: float = 1.0
    ray_model_threads: int = 1
    ray_shard_cpus: float = 0.25
    ray_min_replicas: int = 1
    ray_max_replicas: int = 2
    ray_target_ongoing_requests: int = 2
    # HTTP service.
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    api_key: str = ""
    # Requests per client (per API key for key holders), "N per second|minute|hour" (Flask-Limiter
    # notation; "" turns a limit off). Counted per worker process unless rate_limit_storage is shared
    # (e.g. "redis://host:6379").
    rate_limit_verify: str = "60 per minute"
    rate_limit_writes: str = "30 per minute"
    rate_limit_reads: str = "600 per minute"
    rate_limit_storage: str = "memory://"
    # Reverse proxies in front of the server whose X-Forwarded-For / -Proto to trust (0: none).
    proxy_hops: int = 0
    # Where the audit log of writes goes (JSON lines); "" logs them to stderr with the rest.
    audit_log: str = ""

    @property
    def embedder_dir(self) -> Path:
        return self.models_dir / "e5-small"

    def with_overrides(self, **values) -> "Config":
        return replace(self, **{k: _coerce(k, v) for k, v in values.items() if v is not None})


_TYPES = {f.name: f.type for f in fields(Config)}


def _coerce(name: str, value):
    if name not in _TYPES:
        raise InvalidInput(f"unknown configuration key {name!r}; known keys: {', '.join(sorted(_TYPES))}")
    kind = _TYPES[name]
    try:
        if kind == "Path":
            return Path(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return _boolean(value)
        return str(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"configuration key {name!r} expects {kind}, got {value!r}") from None


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE + _FALSE:
        return text in _TRUE
    raise ValueError(value)


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> Config:
    env = os.environ if env is None else env
    cfg = Config()
    path = path or env.get("RECOUPE_CONFIG")
    if path is None and Path("recoupe.toml").is_file():
        path = "recoupe.toml"
    if path:
        try:
            with open(path, "rb") as fh:
                cfg = cfg.with_overrides(**tomllib.load(fh))
        except FileNotFoundError:
            raise InvalidInput(f"configuration file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"configuration file {path} is not valid TOML: {exc}") from None
    from_env = {
        name: env[f"RECOUPE_{name.upper()}"] for name in _TYPES if f"RECOUPE_{name.upper()}" in env
    }
    return cfg.with_overrides(**from_env)
