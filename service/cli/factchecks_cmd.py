"""`recoupe factchecks import|list|delete|match`: a newsroom's published fact-checks, through the same
functions as /v1/factchecks."""

from __future__ import annotations

import sys

from service.cli.output import print_json


def register(sub) -> None:
    p = sub.add_parser("factchecks", help="published fact-checks: import, list, delete, match a claim")
    fsub = p.add_subparsers(title="factchecks commands", metavar="COMMAND")
    i = fsub.add_parser("import", help="import ClaimReview JSON-LD (.json, .jsonl, .html) or CSV "
                                       "(claim, rating, date, url, author) files")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.set_defaults(func=_import)
    ls = fsub.add_parser("list", help="list the imported fact-checks, newest first")
    ls.add_argument("-q", "--query", default="", help="words of the claim, rating or author")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    d = fsub.add_parser("delete", help="delete one fact-check by id")
    d.add_argument("id")
    d.set_defaults(func=_delete)
    m = fsub.add_parser("match", help="already checked? earlier checks and fact-checks of one claim")
    m.add_argument("claim")
    m.set_defaults(func=_match)


def _library(config):
    from service.factchecks.library import open_library

    return open_library(config)


def _import(args, config) -> int:
    lib = _library(config)
    try:
        report = lib.import_files(args.files)
    finally:
        lib.store.close()
    for name, bad in report.bad:
        print(f"skipped {name} {bad}", file=sys.stderr)
    print(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
          f"{len(report.bad)} skipped", file=sys.stderr)
    return 0 if report.ids_count() or not report.bad else 2


def _list(args, config) -> int:
    from service.errors import InvalidInput

    if not 1 <= args.limit <= 10_000:
        raise InvalidInput("--limit must be between 1 and 10000")
    lib = _library(config)
    try:
        items, total = lib.list(args.query, args.limit, 0)
    finally:
        lib.store.close()
    if args.json:
        print_json({"fact_checks": [i.to_dict() for i in items], "total": total})
        return 0
    for item in items:
        f = item.fact_check
        print(f"{f.id}  {f.date or '----------'}  {f.rating[:20]:20s}  {f.claim}  {f.url}")
    print(f"{len(items)} of {total}", file=sys.stderr)
    return 0


def _delete(args, config) -> int:
    lib = _library(config)
    try:
        gone = lib.delete(args.id)
    finally:
        lib.store.close()
    print(f"deleted {gone.fact_check.id}: {gone.fact_check.claim}", file=sys.stderr)
    return 0


def _match(args, config) -> int:
    from service.claims import claim_problem, normalise_claim
    from service.errors import InvalidInput

    claim = normalise_claim(args.claim)
    if problem := claim_problem(claim):
        raise InvalidInput(problem)
    lib = _library(config)
    try:
        print_json(lib.matcher.match(claim).to_dict())
    finally:
        lib.store.close()
    return 0
