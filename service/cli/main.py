"""`recoupe` command line. Each command parses, calls the same functions as
the HTTP API, and prints; errors are printed as one line, exit status 2."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys

from service.config import load_config
from service.errors import RecoupeError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        config = load_config(args.config).with_overrides(data_dir=args.data_dir, index_type=args.index_type,
                                                         embedder_runtime=args.runtime)
        return args.func(args, config) or 0
    except RecoupeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # damage past what the check at open can see (a large store)
        from service.index.schema import damaged

        print(f"error: {damaged('the data store', str(exc)).message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: what was committed before stays in the index", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`recoupe stats | head`): stop quietly, as Unix tools do. Python would
        # flush stdout again at exit and print a traceback; point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, the status a shell reports for a killed pipe writer


def _parser() -> argparse.ArgumentParser:
    from service.cli import bench, check_cmd, corpus_cmds, eval_cmd, models_cmds, reviews_cmd, serve_cmd, verify_cmd

    p = argparse.ArgumentParser(prog="recoupe", description="Verify claims against a trusted article corpus.")
    p.add_argument("--config", help="TOML configuration file (default: recoupe.toml if present)")
    p.add_argument("--data-dir", help="where the index lives (default: ./data or RECOUPE_DATA_DIR)")
    p.add_argument("--index-type", choices=["flat", "hnsw", "ivf", "ivfpq"], help="exact (flat) or approximate search")
    p.add_argument("--runtime", choices=["onnx-int8", "torch-fp32"], help="embedder runtime")
    from service.cli import claims_cmd, factchecks_cmd, shards_cmd

    sub = p.add_subparsers(title="commands", metavar="COMMAND")
    corpus_cmds.register(sub)
    verify_cmd.register(sub)
    check_cmd.register(sub)
    eval_cmd.register(sub)
    serve_cmd.register(sub)
    shards_cmd.register(sub)
    models_cmds.register(sub)
    reviews_cmd.register(sub)
    factchecks_cmd.register(sub)
    claims_cmd.register(sub)
    bench.register(sub)
    return p


if __name__ == "__main__":
    sys.exit(main())
