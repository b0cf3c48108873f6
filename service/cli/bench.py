"""recoupe bench ...: figures printed, not asserted."""

from __future__ import annotations

from pathlib import Path

from service.cli.main import print_json


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


def embed(args, config) -> int:
    from service.bench.embed_speed import run

    run(config, count=args.count, data=args.data)
    return 0


def ingest_scifact(args, config) -> int:
    import json

    from service.bench.ingest_scifact import run
    from service.models.registry import get_models

    bench_config = config.with_overrides(data_dir=Path(config.data_dir).parent / "bench-scifact"
                                         if args.data is None else None)
    result = run(bench_config, get_models(config).embedder, limit=args.limit, data=args.data)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    else:
        print_json({k: v for k, v in result.items() if k != "recall"})
    return 0
