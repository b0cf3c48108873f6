"""`recoupe reviews export`: the reviews people made on the page or through the API, as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("reviews", help="reviews of saved checks")
    rsub = p.add_subparsers(title="reviews commands", metavar="COMMAND")
    e = rsub.add_parser("export", help="write every current review as JSON Lines (claim, passage, source, "
                                       "model stance, reviewed stance, note, reviewer, time), for retraining")
    e.add_argument("-o", "--output", help="file to write (default: standard output)")
    e.set_defaults(func=_export)


def _export(args, config) -> int:
    from service.history.export import jsonl_lines
    from service.history.store import HistoryStore

    store = HistoryStore.in_dir(config.data_dir)
    try:
        if args.output:
            out = Path(args.output)
            tmp = out.with_name(out.name + ".tmp")
            n = 0
            with open(tmp, "w", encoding="utf-8") as f:
                for line in jsonl_lines(store):
                    f.write(line)
                    n += 1
            tmp.replace(out)  # a reader never sees half a file
            print(f"{n} review(s) written to {out}", file=sys.stderr)
        else:
            for line in jsonl_lines(store):
                sys.stdout.write(line)
    finally:
        store.close()
    return 0
