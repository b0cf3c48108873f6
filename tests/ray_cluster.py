"""A real multi-node Ray cluster on this machine, for the cluster tests: a head and two
worker nodes (ray.cluster_utils.Cluster), each its own raylet with its own CPUs and
object store, all on 127.0.0.1. Skipped, saying how to install Ray, when it is not."""

from __future__ import annotations

import os
import socket

import pytest

HEAD_CPUS, WORKER_CPUS, WORKERS = 1, 1, 2
OBJECT_STORE = 100 * 2**20  # small: the tests move vectors and hit lists, not data sets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_started: dict = {}  # one cluster per test session, whichever module asks first


@pytest.fixture(scope="session")
def ray_cluster():
    # Each test module imports this fixture, which makes one fixture per module: they share the
    # cluster, and the last to finish stops it.
    if not _started:
        _started["cluster"] = _start()
        _started["users"] = 0
    _started["users"] += 1
    yield _started["cluster"]
    _started["users"] -= 1
    if not _started["users"]:
        _stop(_started.pop("cluster")[0])
        _started.clear()


def _start():
    # Before the first import of ray: bind and advertise 127.0.0.1, not the machine's interface.
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install '.[ray]' to run the cluster tests")
    from ray.cluster_utils import Cluster

    from service.cluster import NAMESPACE

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": HEAD_CPUS, "object_store_memory": OBJECT_STORE, "node_ip_address": "127.0.0.1",
        "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=WORKER_CPUS, object_store_memory=OBJECT_STORE,
                                node_ip_address="127.0.0.1") for _ in range(WORKERS)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=False)
    assert len([n for n in ray.nodes() if n["Alive"]]) == 1 + WORKERS
    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    return cluster, workers


def _stop(cluster):
    import ray

    try:
        from ray import serve

        serve.shutdown()
    finally:
        ray.shutdown()
        cluster.shutdown()
