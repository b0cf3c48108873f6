"""Recoupe on a Ray cluster: `recoupe serve --ray ADDRESS --shards S` and
`recoupe ingest --ray ADDRESS PATH...` (docs/cluster.md).

Nothing here is imported unless a Ray mode is asked for: the single-machine
server never loads Ray. Ray is an optional extra: `pip install '.[ray]'`.

- deployments.py: the Serve application: an ingress serving the same /v1 Flask
  app, an embedder, S shard deployments and a batching stance deployment;
- remote.py: what the ingress calls them through (with retries across a lost replica);
- store_view.py, services.py: the ingress's view of the store (read-only);
- ingest.py: reading, cleaning and embedding on a Ray Data actor pool, the store
  written in order by this one process.
"""

from __future__ import annotations

import os

from service.errors import RecoupeError

NAMESPACE = "recoupe"


def import_ray():
    """Ray, or a RecoupeError saying how to install it."""
    # Ray otherwise advertises the machine's interface address even for a local cluster;
    # with this set to 0 everything binds and talks on the address given (127.0.0.1 here).
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise RecoupeError("the Ray cluster mode needs Ray: pip install '.[ray]' (from the repository)") from None
    return ray


def connect(address: str):
    """Join the cluster at `address` ("127.0.0.1:6379", "ray://...", or "auto")."""
    ray = import_ray()
    if not ray.is_initialized():
        _check_reachable(address)
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RecoupeError(f"cannot join the Ray cluster at {address}: {exc}. Start it first with "
                               "`ray start --head` (see docs/cluster.md)") from None
    return ray


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Ray retries an unreachable head for minutes before it gives up: say so in seconds."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", "ray://...": let Ray resolve it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise RecoupeError(f"no Ray head answers at {address} ({exc.strerror or exc}): start one with "
                           "`ray start --head` (see docs/cluster.md), or check the address") from None
