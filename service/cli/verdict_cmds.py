"""recoupe models train-verdict: learn the verdict model (lab/verdict/train.py)."""

from __future__ import annotations


def register_verdict(msub) -> None:
    t = msub.add_parser("train-verdict",
                        help="learn evidence selection and claim aggregation from labelled claims (minutes)")
    t.add_argument("--data", help="benchmark data folder (default: ../shared/data beside the repository)")
    t.add_argument("--out", help="output folder (default: MODELS_DIR/verdict)")
    t.add_argument("--sources", nargs="+", help="training sources (default: all; see verdict/train_data.py)")
    t.set_defaults(func=train_verdict)


def train_verdict(args, config) -> int:
    from lab.bench.data import bench_data_dir
    from lab.verdict.train import train

    train(config, bench_data_dir(args.data), args.out, tuple(args.sources) if args.sources else None)
    return 0
