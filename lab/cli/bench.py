"""recoupe bench ...: figures printed, not asserted."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.cli.output import print_json
from service.limits import DEFAULT_TOP_K


def register(sub) -> None:
    p = sub.add_parser("bench", help="benchmarks that print figures")
    bsub = p.add_subparsers(title="benchmarks", metavar="BENCH")
    e = bsub.add_parser("embed", help="embedder sentences/s (int8 and fp32) on ~30-token sentences")
    e.add_argument("--count", type=int, default=1000)
    e.add_argument("--data", help="benchmark data folder")
    e.set_defaults(func=embed)
    s = bsub.add_parser("ingest-scifact", help="embed and index the SciFact corpus; throughput, memory, size, recall")
    s.add_argument("--limit", type=int, help="only the first N abstracts")
    s.add_argument("--data", help="benchmark data folder")
    s.add_argument("--out", help="write the figures as JSON here")
    s.set_defaults(func=ingest_scifact)
    ss = bsub.add_parser("scifact-subset", help="write a small SciFact corpus (articles.jsonl) and its claims "
                                                "(claims.csv) for side-by-side `recoupe check` benchmarks")
    ss.add_argument("out", help="folder to write articles.jsonl and claims.csv into")
    ss.add_argument("--abstracts", type=int, default=1200, help="abstracts in the corpus (default 1200)")
    ss.add_argument("--claims", type=int, default=200, help="development claims (default 200)")
    ss.add_argument("--data", help="benchmark data folder")
    ss.set_defaults(func=scifact_subset)
    c = bsub.add_parser("scale", help="vector search latency, recall@10 and memory per passage vs corpus size "
                                      "(synthetic, every index type), with a 10M-passage projection")
    c.add_argument("--sizes", default="10000,100000,1000000",
                   help="corpus sizes, comma-separated (default 10000,100000,1000000)")
    c.add_argument("--queries", type=int, default=500, help="queries, searched one at a time (default 500)")
    c.add_argument("--seed", type=int, default=0, help="seed of the synthetic vectors")
    c.add_argument("--force-ivf", action="store_true",
                   help="train IVF and IVF-PQ at every size (the service searches exactly below ~39 vectors per list)")
    c.add_argument("--types", default="flat,hnsw,ivf,ivfpq",
                   help="index types to measure, comma-separated (default all: flat,hnsw,ivf,ivfpq; "
                        "flat is always measured, it gives the truth)")
    c.add_argument("--ingest-report", help="ingest-scifact JSON giving the store's bytes per passage "
                                           "(default: reports/ingest-scifact.json of the repository)")
    c.add_argument("--out", default="reports/scale", help="folder for scale.json and scale.png (default reports/scale)")
    c.set_defaults(func=scale)
    cl = bsub.add_parser("cluster", help="ingest --ray and serve --ray on local multi-node Ray clusters of 1, 2, 3 "
                                         "nodes against the single process (needs pip install '.[ray]')")
    cl.add_argument("--nodes", default="1,2,3", help="node counts, comma-separated (default 1,2,3)")
    cl.add_argument("--abstracts", type=int, default=300, help="SciFact abstracts to ingest (default 300)")
    cl.add_argument("--requests", type=int, default=40, help="claims verified per setup (default 40)")
    cl.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    cl.add_argument("--data", help="SciFact folder (corpus.jsonl, claims_dev.jsonl)")
    cl.add_argument("--out", default="reports/cluster/scaling.json", help="JSON report (default reports/cluster/scaling.json)")
    cl.set_defaults(func=cluster)
    lat = bsub.add_parser("latency", help="POST /v1/verify latency over HTTP at several numbers of concurrent clients")
    lat.add_argument("--url", help="measure this running server (default: start `recoupe serve` on a free port)")
    # Same destination as the global --data-dir, so either place works.
    lat.add_argument("--data-dir", default=argparse.SUPPRESS,
                     help="index the started server serves (default: the configured data directory)")
    lat.add_argument("--threads", type=int, help="request threads of the started server (default: serve's default, 4)")
    lat.add_argument("--claims", help="a .jsonl (\"claim\" field) or .txt (one per line) file of claims "
                                      "(default: tests/data/seed_claims.jsonl)")
    lat.add_argument("--clients", default="1,4,16",
                     help="numbers of concurrent clients, one level each (default 1,4,16)")
    lat.add_argument("--requests", type=int, default=60, help="requests per level (default 60)")
    lat.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"top_k of each request (default {DEFAULT_TOP_K})")
    lat.add_argument("--warmup", type=int, default=5, help="untimed requests first (default 5)")
    lat.add_argument("--out", help="write the figures as JSON here")
    lat.set_defaults(func=latency)
    sp = bsub.add_parser("speed", help="this checkout against a baseline checkout in one run: latency at 1/4/16 "
                                       "clients, `recoupe check` claims/s, embedder sentences/s and its int8 "
                                       "bound, cold start")
    sp.add_argument("--baseline", required=True, help="a checkout of the commit to compare with "
                                                      "(git worktree add --detach DIR COMMIT), its models built")
    sp.add_argument("--check-claims", help="claims file for the `recoupe check` part (.csv/.jsonl/.txt)")
    sp.add_argument("--claims", help="claims sent in the latency part (default: the seed claims)")
    sp.add_argument("--clients", default="1,4,16", help="latency levels (default 1,4,16)")
    sp.add_argument("--requests", type=int, default=60, help="requests per latency level (default 60)")
    sp.add_argument("--threads", type=int, help="server threads in both trees (default: each tree's own default)")
    sp.add_argument("--parts", default="cold,embed,check,latency", help="which parts, comma-separated")
    sp.add_argument("--embed-count", type=int, default=1000, help="sentences in the embedder part")
    sp.add_argument("--data", help="benchmark data folder (SciFact sentences for the embedder part)")
    sp.add_argument("--out", help="write the figures as JSON here")
    sp.set_defaults(func=speed)
    seg = bsub.add_parser("segment", help="sentence splitting time per MB (25 kB to 1 MB, one paragraph) and a "
                                          "1 MB single-paragraph article ingested end to end")
    seg.add_argument("--sizes", default="25000,100000,250000,1000000", help="paragraph sizes in characters")
    seg.add_argument("--out", help="write the figures as JSON here")
    seg.set_defaults(func=segment)
    ab = bsub.add_parser("abuse", help="slow clients, oversized and chunked bodies, rate limits, a 1 MB ingest: "
                                       "does /v1/health keep answering")
    ab.add_argument("--slow-clients", type=int, default=32)
    ab.add_argument("--seconds", type=float, default=60, help="how long the slow clients trickle (default 60)")
    ab.add_argument("--out", help="write the summary as JSON here")
    ab.set_defaults(func=abuse)
    cr = bsub.add_parser("crash", help="kill -9 `recoupe ingest` at random moments; integrity, counts and content "
                                       "against a clean ingest")
    cr.add_argument("--kills", type=int, default=50)
    cr.add_argument("--articles", type=int, default=120, help="articles in the generated corpus (default 120)")
    cr.add_argument("--seed", type=int, default=0)
    cr.add_argument("--out", help="write the summary as JSON here")
    cr.set_defaults(func=crash)
    fz = bsub.add_parser("fuzz", help="schemathesis over the OpenAPI document against a server with the verifier "
                                      "loaded: requests, 5xx, schema violations")
    fz.add_argument("--max-examples", type=int, default=100, help="examples per operation and phase (default 100)")
    fz.add_argument("--seed", type=int)
    fz.add_argument("--out", help="write the summary as JSON here")
    fz.set_defaults(func=fuzz)
    sk = bsub.add_parser("soak", help="verify / add / delete mixed from many clients: errors, p50/p99, final "
                                      "counts, memory growth")
    sk.add_argument("--clients", type=int, default=16)
    sk.add_argument("--minutes", type=float, default=10)
    sk.add_argument("--out", help="write the summary as JSON here")
    sk.set_defaults(func=soak)


def embed(args, config) -> int:
    from lab.bench.embed_speed import run

    run(config, count=args.count, data=args.data)
    return 0


def ingest_scifact(args, config) -> int:
    from lab.bench.ingest_scifact import run
    from service.models.registry import get_models

    bench_config = config.with_overrides(data_dir=Path(config.data_dir).parent / "bench-scifact"
                                         if args.data is None else None)
    result = run(bench_config, get_models(config).embedder, limit=args.limit, data=args.data)
    if args.out:
        _write(result, args.out)
    else:
        print_json({k: v for k, v in result.items() if k != "recall"})
    return 0


def scifact_subset(args, config) -> int:
    from lab.bench.data import bench_data_dir
    from lab.bench.scifact_subset import write_subset

    print_json(write_subset(Path(args.out), bench_data_dir(args.data), args.abstracts, args.claims))
    return 0


def scale(args, config) -> int:
    from lab.bench.scale import INGEST_REPORT, parse_sizes, run

    # The index settings PassageIndex.from_config uses: the figures are the configured service's.
    settings = {"hnsw_m": config.hnsw_m, "ivf_nlist": config.ivf_nlist, "ivf_nprobe": config.ivf_nprobe,
                "pq_m": config.pq_m, "pq_nprobe": config.pq_nprobe, "pq_rerank": config.pq_rerank}
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    run(parse_sizes(args.sizes), args.queries, seed=args.seed, out_dir=Path(args.out), ann_settings=settings,
        force_ivf=args.force_ivf, ingest_report=Path(args.ingest_report or INGEST_REPORT), index_types=types)
    return 0


def cluster(args, config) -> int:
    from lab.bench.cluster import run
    from service.errors import InvalidInput

    try:
        nodes = [int(n) for n in args.nodes.split(",") if n.strip()]
    except ValueError:
        raise InvalidInput(f"--nodes: {args.nodes!r} is not a list of whole numbers") from None
    run(config, nodes, args.abstracts, args.requests, args.clients, data=args.data, out=Path(args.out))
    return 0


def latency(args, config) -> int:
    from lab.bench.latency import parse_clients, run, table
    from service.errors import InvalidInput

    if args.url and getattr(args, "data_dir", None):
        raise InvalidInput("--data-dir chooses the index of the server the benchmark starts; not with --url")
    result = run(config, url=args.url, threads=args.threads, claims_path=args.claims,
                 clients=parse_clients(args.clients), requests=args.requests, top_k=args.top_k, warmup=args.warmup)
    print(table(result))
    _write(result, args.out)
    return 0


def speed(args, config) -> int:
    from lab.bench.latency import parse_clients
    from lab.bench.speed import run

    result = run(config, baseline=args.baseline, check_claims=args.check_claims, latency_claims=args.claims,
                 clients=parse_clients(args.clients), requests=args.requests, threads=args.threads,
                 parts=tuple(p.strip() for p in args.parts.split(",") if p.strip()), embed_count=args.embed_count,
                 data=args.data)
    print_json(result["ratios"])
    _write(result, args.out)
    return 0


def segment(args, config) -> int:
    from lab.bench.segment import run
    from service.models.registry import get_models

    result = run(config, get_models(config).embedder, sizes=[int(x) for x in args.sizes.split(",")])
    _summary(result, args.out)
    return 0


def _write(result: dict, out: str | None) -> None:
    """The whole result as JSON into `out`, when given (--out)."""
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))


def _summary(result: dict, out: str | None, drop: tuple = ()) -> None:
    print_json({k: v for k, v in result.items() if k not in drop})
    _write(result, out)


def abuse(args, config) -> int:
    from lab.bench.abuse import run

    result = run(config, slow_clients=args.slow_clients, seconds=args.seconds,
                 log=lambda m: print(m, file=sys.stderr))
    _summary(result, args.out)
    return 0 if all(result["targets"].values()) else 1


def crash(args, config) -> int:
    from lab.bench.crash import run

    result = run(config, kills=args.kills, articles=args.articles, seed=args.seed,
                 log=lambda m: print(m, file=sys.stderr))
    _summary(result, args.out, drop=("per_kill",))
    return 0 if all(result["targets"].values()) else 1


def fuzz(args, config) -> int:
    from lab.bench.fuzz import run

    result = run(config, max_examples=args.max_examples, seed=args.seed, log=lambda m: print(m, file=sys.stderr))
    _summary(result, args.out)
    return 0 if result["targets"]["no_server_error"] and result["targets"]["no_schema_violation"] else 1


def soak(args, config) -> int:
    from lab.bench.soak import run

    result = run(config, clients=args.clients, minutes=args.minutes, log=lambda m: print(m, file=sys.stderr))
    _summary(result, args.out, drop=("error_examples",) if not result["errors"] else ())
    return 0 if all(result["targets"].values()) else 1
