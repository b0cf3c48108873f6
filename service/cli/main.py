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
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(argv)
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


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """Every command; the lab's (lab/cli: models, eval, bench) only when `argv` does not name one of the
    service's, so that serving, ingesting and checking never import the lab. No `argv`: all of them."""
    from service.cli import (check_cmd, claims_cmd, corpus_cmds, factchecks_cmd, reviews_cmd, serve_cmd, shards_cmd,
                             verify_cmd)

    p = argparse.ArgumentParser(prog="recoupe", description="Verify claims against a trusted article corpus.")
    p.add_argument("--config", help="TOML configuration file (default: recoupe.toml if present)")
    p.add_argument("--data-dir", help="where the index lives (default: ./data or RECOUPE_DATA_DIR)")
    p.add_argument("--index-type", choices=["flat", "hnsw", "ivf", "ivfpq"], help="exact (flat) or approximate search")
    p.add_argument("--runtime", choices=["onnx-int8", "torch-fp32"], help="embedder runtime")

    sub = p.add_subparsers(title="commands", metavar="COMMAND")
    corpus_cmds.register(sub)
    verify_cmd.register(sub)
    check_cmd.register(sub)
    serve_cmd.register(sub)
    shards_cmd.register(sub)
    reviews_cmd.register(sub)
    factchecks_cmd.register(sub)
    claims_cmd.register(sub)
    if argv is None or _command_word(p, argv) not in sub.choices:
        from lab.cli import register as register_lab  # argument definitions only: no training library

        register_lab(sub)
    return p


def _command_word(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """The command `argv` names: its first word that is neither an option nor the value of one of the
    parser's options (`recoupe --config serve.toml serve` names serve)."""
    takes_value = {s for a in parser._actions if a.nargs != 0 for s in a.option_strings}
    value_next = False
    for word in argv:
        if value_next:
            value_next = False
        elif word.startswith("-"):
            value_next = word in takes_value
        else:
            return word
    return None


if __name__ == "__main__":
    sys.exit(main())
