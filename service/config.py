"""The one configuration object.

Values come, later ones winning, from: the defaults below; a TOML file of
top-level `field = value` lines (the path given to `recoupe --config`, else
the one in RECOUPE_CONFIG, else `recoupe.toml` in the working directory when
there is one); environment variables named RECOUPE_<FIELD> (e.g.
RECOUPE_DATA_DIR); and last, the few command-line flags that set a field
(`recoupe --data-dir`, `recoupe serve --port`...).

Each field carries its one-line description in its metadata (`doc`):
docs/configuration.md is generated from them by `python -m service.config_docs`,
and a test fails when a field has none or the page is out of date. Comments
beside a field say why its default is what it is.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from service.errors import InvalidInput

REPO_ROOT = Path(__file__).resolve().parent.parent
# Environment variables that set a field: this prefix, then the field's name in capitals.
ENV_PREFIX = "RECOUPE_"
# The TOML file read when `recoupe --config` names none: the one in this variable, else this file in
# the working directory when it exists.
CONFIG_ENV = "RECOUPE_CONFIG"
CONFIG_FILE = "recoupe.toml"


def setting(default, doc: str):
    """A Config field with its one-line description (what docs/configuration.md shows)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Config:
    data_dir: Path = field(default_factory=lambda: Path("data"), metadata={
        "doc": "Where the index (SQLite store and FAISS file) and the desk's checks and reviews live; created "
               "on first ingest."})
    models_dir: Path = setting(REPO_ROOT / "models", "Built and trained model artefacts (the embedder in "
                               "e5-small/, the stance, verdict, matching and check-worthiness models).")
    embedder_runtime: str = setting("onnx-int8", 'Embedder runtime: "onnx-int8" (fast) or "torch-fp32" (the '
                                    "sentence-transformers reference; needs the lab extra).")
    # 16 measured fastest side by side (260 sentences/s vs 216 at 32 and 195 at 64; one call's
    # activations stay in the 1 MB L2 of each core).
    embed_batch_size: int = setting(16, "Sentences per embedder call when ingesting.")
    stance_runtime: str = setting("onnx-int8", 'Stance model runtime: "onnx-int8" (fast; one pair per call), '
                                  '"onnx-int8-static" (fixed activation ranges, batched; see models/README.md) '
                                  'or "torch-fp32" (the reference; needs the lab extra).')
    threads: int = setting(0, "Threads for torch and ONNX Runtime; 0 lets the runtime decide (one per core).")
    # Off: under concurrent requests the spinning takes the cores from retrieval and tokenisation
    # (16 clients: 67.4 vs 57.8 requests/s); on a machine that serves one request at a time, on is
    # faster (one client's p50 105 vs 126 ms). Both measured on an idle 2-core Intel Xeon
    # (docs/performance-and-results.md).
    ort_spinning: bool = setting(False, "Let ONNX Runtime's worker threads spin between parallel sections: "
                                 "faster for one request at a time, slower under concurrent requests.")
    batch_wait_ms: float = setting(4.0, "How long the model queues wait for other requests in flight to join "
                                   "a batch (service/models/batching.py); 0 batches only what is already waiting.")
    stance_cache_pairs: int = setting(50_000, "(passage, claim) stance results kept per process for repeated "
                                      "claims (service/stance/batcher.py); 0: none.")
    stance_models_dir: str = setting("", "Another models folder to take the stance model from (its stance/ and "
                                     'e5-small/ tokenizer), e.g. a distilled student; "" serves models_dir\'s.')
    index_type: str = setting("flat", 'Vector search: "flat" (exact), or "hnsw", "ivf", "ivfpq" (approximate, '
                              "for large corpora).")
    hnsw_m: int = setting(32, 'With index_type "hnsw": neighbours per node of the graph.')
    ivf_nlist: int = setting(0, 'With "ivf" and "ivfpq": the number of lists; 0 chooses it from the corpus size '
                             "(about 4 x sqrt(n) for ivf, sqrt(n) for ivfpq).")
    ivf_nprobe: int = setting(16, 'With "ivf": lists searched per query.')
    pq_m: int = setting(48, 'With "ivfpq": bytes per vector code (sub-quantizers; must divide the dimension, 384).')
    pq_nprobe: int = setting(0, 'With "ivfpq": lists searched per query; 0: a 16th of the lists, at least 32.')
    pq_rerank: int = setting(200, 'With "ivfpq": candidates re-ranked with the exact vectors from the store.')
    # Ray cluster mode (`recoupe serve --ray`, docs/cluster.md). Ray sets OMP_NUM_THREADS=1 in its
    # workers, so the model replicas' threads are set explicitly.
    ray_model_cpus: float = setting(1.0, "Cluster mode: CPUs each embedder or stance replica reserves.")
    ray_model_threads: int = setting(1, "Cluster mode: ONNX Runtime threads of each model replica (match "
                                     "ray_model_cpus).")
    ray_shard_cpus: float = setting(0.25, "Cluster mode: CPUs each shard replica reserves.")
    ray_min_replicas: int = setting(1, "Cluster mode: fewest replicas of the embedder, stance and each shard "
                                    "deployment.")
    ray_max_replicas: int = setting(2, "Cluster mode: most replicas of the embedder, stance and each shard "
                                    "deployment.")
    ray_target_ongoing_requests: int = setting(2, "Cluster mode: requests in flight per replica that "
                                               "autoscaling aims at.")
    host: str = setting("127.0.0.1", "Address `recoupe serve` listens on; beyond loopback it needs an api_key "
                        "(or --api-key-file, or --allow-open-writes).")
    port: int = setting(8000, "Port `recoupe serve` listens on.")
    workers: int = setting(1, "Worker processes of `recoupe serve`, each loading the models once.")
    api_key: str = setting("", "Key that writes must send in the X-API-Key header; \"\": writes are open "
                           "(only allowed on loopback).")
    # Limits in Flask-Limiter notation, "N per second|minute|hour"; a key holder counts as one client.
    rate_limit_verify: str = setting("60 per minute", "Verifications per client (a batch call counts as "
                                     "several: service/api/protection.py); \"\" turns the limit off.")
    rate_limit_writes: str = setting("30 per minute", "Writes per client (wrong-key attempts included); \"\" "
                                     "turns the limit off.")
    rate_limit_reads: str = setting("600 per minute", "Reads per client; \"\" turns the limit off.")
    rate_limit_storage: str = setting("memory://", "Where the rate-limit counts live: per worker process by "
                                      'default; a shared store such as "redis://host:6379" counts across workers.')
    proxy_hops: int = setting(0, "Reverse proxies in front of the server whose X-Forwarded-For / -Proto to "
                              "trust; 0: none.")
    audit_log: str = setting("", "File for the audit log of writes (JSON lines); \"\" logs them to stderr with "
                             "the rest.")

    @property
    def embedder_dir(self) -> Path:
        return self.models_dir / "e5-small"

    def with_overrides(self, **values) -> "Config":
        return replace(self, **{k: _coerce(k, v) for k, v in values.items() if v is not None})


def env_name(name: str) -> str:
    """The environment variable that sets field `name`."""
    return ENV_PREFIX + name.upper()


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


TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS + FALSE_WORDS:
        return text in TRUE_WORDS
    raise ValueError(value)


def load_config(path: str | os.PathLike | None = None, env: dict | None = None) -> Config:
    env = os.environ if env is None else env
    cfg = Config()
    path = path or env.get(CONFIG_ENV)
    if path is None and Path(CONFIG_FILE).is_file():
        path = CONFIG_FILE
    if path:
        try:
            with open(path, "rb") as fh:
                cfg = cfg.with_overrides(**tomllib.load(fh))
        except FileNotFoundError:
            raise InvalidInput(f"configuration file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"configuration file {path} is not valid TOML: {exc}") from None
    from_env = {name: env[env_name(name)] for name in _TYPES if env_name(name) in env}
    return cfg.with_overrides(**from_env)
