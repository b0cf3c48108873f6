"""recoupe serve: the HTTP API under gunicorn, with threaded workers.

Each worker process loads the models and opens the index once, as it boots,
and its `--threads` threads share them; a worker that cannot load them stops
the server. The server process itself imports the app (`preload_app`) but
loads no model and opens no index, because neither survives a fork:
- an ONNX Runtime session made before a fork runs single-threaded in the
  child and hangs it at exit (its thread pool's threads are not copied);
- torch hangs a child's first parallel operation once the parent ran one;
- the index's SQLite connection and lock file must not be shared by processes.
So one worker (the default) holds one copy of the models; more workers use
more memory. `--ingest-if-empty` ingests in a child process for the same reason.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import secrets
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from service.errors import InvalidInput, RecoupeError

DEFAULT_THREADS = 4
# gunicorn kills a worker silent for this long, and a booting worker is silent
# while it loads the models and the index: on a busy small CPU that can take
# minutes. Once booted, a gthread worker reports every second, even while its
# threads are busy, so a long batch never trips this.
WORKER_TIMEOUT_S = 300
# How long a graceful stop waits for requests in flight (a batch of 64 claims).
GRACEFUL_TIMEOUT_S = 120


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (browsable docs at /v1/docs)")
    p.add_argument("--host", help="address to listen on (default: the configured host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: the configured port, 8000)")
    p.add_argument("--workers", type=int, help="worker processes, each with its own index connection (default: 1)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help=f"request threads per worker (default {DEFAULT_THREADS})")
    p.add_argument("--ingest-if-empty", metavar="PATH", action="append",
                   help="first ingest these files or folders if the index holds no article (repeatable)")
    p.add_argument("--api-key-file", metavar="PATH",
                   help="when no api_key is configured, read the key from this file, or generate one there "
                        "(mode 0600) if it does not exist")
    p.add_argument("--allow-open-writes", action="store_true",
                   help="serve a non-loopback address without an API key: anyone who reaches the port "
                        "may add and delete articles (refused without this flag)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="serve on the Ray cluster at ADDRESS (started with `ray start`; needs pip install '.[ray]'): "
                        "the same /v1 API, searches spread over --shards shard deployments (docs/cluster.md)")
    p.add_argument("--shards", type=int, default=2,
                   help="with --ray: how many shards to serve, as built by `recoupe shards build` (default 2)")
    p.set_defaults(func=serve)


def serve(args, config) -> int:
    config = config.with_overrides(host=args.host, port=args.port, workers=args.workers)
    if config.workers < 1 or args.threads < 1:
        raise InvalidInput("--workers and --threads must be 1 or more")
    if not 0 < config.port < 65536:
        raise InvalidInput(f"--port must be between 1 and 65535, got {config.port}")
    if not config.api_key and args.api_key_file:
        config = config.with_overrides(api_key=api_key_from_file(Path(args.api_key_file)))
    check_exposure(config, allow_open_writes=args.allow_open_writes)
    if args.ray:
        # The cluster mode: Ray is imported here only, never by the single-machine server.
        from service.cluster.deployments import DEFAULT_PORT, run

        if args.port is None and config.port == 8000:
            # Not 8000, Ray Serve's own default and `recoupe serve`'s: the two may run side by side.
            config = config.with_overrides(port=DEFAULT_PORT)
        run(config, args.ray, args.shards)
        return 0
    if args.ingest_if_empty:
        ingest_if_empty(config, args.ingest_if_empty)
    check_store(config)
    RecoupeServer(config, threads=args.threads).run()
    return 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(config, *, allow_open_writes: bool = False) -> None:
    """Refuse to serve writes without a key beyond this machine, unless told to, loudly."""
    if config.api_key or is_loopback(config.host):
        return
    if not allow_open_writes:
        raise InvalidInput(
            f"refusing to serve {config.host} without an API key: anyone who can reach it could add and delete "
            "articles. Set RECOUPE_API_KEY (or api_key in recoupe.toml), pass --api-key-file PATH to generate "
            "one, serve 127.0.0.1 behind a proxy, or pass --allow-open-writes if this is really what you want.")
    banner = "!" * 78
    print(f"{banner}\nWARNING: serving {config.host}:{config.port} WITHOUT AN API KEY (--allow-open-writes): anyone "
          f"who can reach this port may add and delete articles.\n{banner}", file=sys.stderr, flush=True)


def api_key_from_file(path: Path) -> str:
    """The key stored in `path`, or a new random one written there (readable by this user only)."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key + "\n")
        print(f"generated an API key for writes in {path} (send it in the X-API-Key header)", file=sys.stderr)
        return key
    except OSError as exc:
        raise InvalidInput(f"cannot read the API key file {path}: {exc.strerror or exc}") from None
    if not key:
        raise InvalidInput(f"the API key file {path} is empty; delete it to have a key generated")
    return key


class RecoupeServer(BaseApplication):
    """gunicorn run in-process: `RecoupeServer(config).run()` serves `create_app(config)`."""

    def __init__(self, config, threads: int = DEFAULT_THREADS):
        self.recoupe_config = config
        self.settings = {
            "bind": [_bind_address(config.host, config.port)],
            "workers": config.workers,
            # gthread, with each request read whole before a thread runs it (slow clients; see worker.py).
            "worker_class": "service.api.worker.RecoupeWorker",
            "threads": threads,
            "preload_app": True,
            "timeout": WORKER_TIMEOUT_S,
            "graceful_timeout": GRACEFUL_TIMEOUT_S,
            "post_worker_init": _open_worker_services,
            "worker_exit": _close_worker_services,
            "control_socket_disable": True,  # no socket in $HOME, no clash between two servers
            "proc_name": "recoupe",
        }
        if os.path.isdir("/dev/shm"):  # heartbeat files off disk (gunicorn's advice for containers)
            self.settings["worker_tmp_dir"] = "/dev/shm"
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        from service.api import create_app

        return create_app(self.recoupe_config)  # light: services are built in each worker


def _open_worker_services(worker) -> None:
    # Load the models and open the index now rather than on the first request.
    # An exception here stops the server: gunicorn treats it as a failed boot.
    worker.wsgi.extensions["recoupe"].get()


def _close_worker_services(server, worker) -> None:
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions"):
        app.extensions["recoupe"].close()  # writes any unsaved index state, releases the lock file
    from service.models.registry import close_shared

    close_shared()  # requests still in the model queues are answered first


def check_store(config) -> None:
    """Open the store once before the workers start, so that a damaged one is one clear message naming
    `recoupe restore` here, not a worker that fails to boot (`schema.connect` runs SQLite's quick check)."""
    from service.index import persist, schema

    path = config.data_dir / persist.DB_NAME
    if path.exists():
        schema.connect(path).close()


def ingest_if_empty(config, paths: list[str]) -> None:
    """Ingest `paths` when the index holds no article, in a child process (see the module notes)."""
    child = multiprocessing.get_context("fork").Process(target=_ingest_if_empty, args=(config, paths))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RecoupeError(f"could not ingest {', '.join(paths)} before serving (see the error above)")


def _ingest_if_empty(config, paths: list[str]) -> None:
    from service.corpus import open_corpus

    try:
        corpus = open_corpus(config)
        try:
            if corpus.stats()["articles"]:
                return
            summary = corpus.ingest_paths(paths)
        finally:
            corpus.close()
    except RecoupeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(2)
    print(f"ingested {', '.join(paths)}: {summary.articles_added} articles, {summary.passages_added} passages, "
          f"{len(summary.errors)} errors", file=sys.stderr)
    for err in summary.errors:
        print(f"  error in {err['file']}: {err['error']}", file=sys.stderr)
    if summary.errors and not summary.articles_added:
        sys.exit(1)


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
