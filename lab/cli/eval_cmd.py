"""recoupe eval DATASET: retrieval, stance and verdict figures on public benchmark data."""

from __future__ import annotations

from lab.evaluate import DATASETS, RETRIEVERS  # names only: lab/evaluate/__init__.py imports nothing


def register(sub) -> None:
    p = sub.add_parser("eval", help="measure retrieval, stance and verdicts on a benchmark; JSON, Markdown and plots")
    p.add_argument("dataset", choices=DATASETS, metavar="DATASET",
                   help="one of: %(choices)s")
    p.add_argument("--data", help="benchmark data folder (default: ../shared/data beside the repository)")
    p.add_argument("--out", help="output folder (default: reports/eval/DATASET)")
    p.add_argument("--limit", type=int, help="development subset: at most N corpus items (xnli-fr: pairs per "
                                             "direction; seeds: claims); figures are then not comparable")
    p.add_argument("--claims", type=int, help="development subset: at most N claims")
    p.add_argument("--retrievers", nargs="+", choices=RETRIEVERS, metavar="RETRIEVER",
                   help="retrievers to evaluate, of: %(choices)s (default: all)")
    p.add_argument("--no-stance", action="store_true", help="skip everything that needs the stance model")
    p.add_argument("--rescore-top", type=int, default=20, help="documents re-scored by the stance model (SciFact)")
    p.add_argument("--cache", help="embedding cache folder (default: DATA_DIR/cache/embeddings)")
    p.set_defaults(func=evaluate)


def evaluate(args, config) -> int:
    from lab.evaluate.runner import run

    run(args.dataset, config, data=args.data, out=args.out, limit=args.limit, claims=args.claims,
        retrievers=tuple(args.retrievers or RETRIEVERS), stance=not args.no_stance, rescore_top=args.rescore_top,
        cache_dir=args.cache)
    return 0
