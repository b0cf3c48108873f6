"""recoupe shards build|status: the per-shard index files a cluster serves (service/retrieve/shards.py)."""

from __future__ import annotations

import sys

from service.cli.output import print_json


def register(sub) -> None:
    p = sub.add_parser("shards", help="build or inspect the per-shard index files served by `recoupe serve --ray`")
    ssub = p.add_subparsers(title="shard commands", metavar="SHARDS")
    b = ssub.add_parser("build", help="split the store by passage id mod S into shard folders (after every "
                                      "ingest or deletion the cluster should see)")
    b.add_argument("--shards", type=int, required=True, help="number of shards S")
    b.set_defaults(func=build)
    s = ssub.add_parser("status", help="the current shard version and whether the store has moved on since")
    s.add_argument("--shards", type=int, required=True)
    s.set_defaults(func=status)


def build(args, config) -> int:
    print_json(build_shards(config, args.shards))
    return 0


def build_shards(config, count: int, *, quiet: bool = False) -> dict:
    """Shard files of the store's current generation, with the configured index settings."""
    from service.retrieve import shards
    from service.index.ann import AnnParams

    params = AnnParams(index_type=config.index_type, hnsw_m=config.hnsw_m, ivf_nlist=config.ivf_nlist,
                       ivf_nprobe=config.ivf_nprobe, pq_m=config.pq_m, pq_nprobe=config.pq_nprobe,
                       pq_rerank=config.pq_rerank)
    say = None if quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    return shards.build(config.data_dir, count, params, log_line=say)


def status(args, config) -> int:
    from service.retrieve import shards

    current = shards.read_current(config.data_dir, args.shards)
    print_json({**current, "stale": shards.is_stale(config.data_dir, current)})
    return 0
