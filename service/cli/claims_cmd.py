"""`recoupe claims extract FILE [--top N]`: what to check in a text, the same function as
POST /v1/claims/extract and the page's What to check screen."""

from __future__ import annotations

from service.cli.output import print_json


def register(sub) -> None:
    p = sub.add_parser("claims", help="what to check in a text")
    csub = p.add_subparsers(title="claims commands", metavar="COMMAND")
    e = csub.add_parser("extract", help="rank a text's sentences (.txt or .html) by check-worthiness")
    e.add_argument("file", metavar="FILE")
    e.add_argument("--top", type=int, help="only the best N sentences")
    e.add_argument("--language", help="the text's language (default: detected)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=_extract)


def _extract(args, config) -> int:
    from service.checkworthy.extract import load_finder, read_text_file
    from service.errors import InvalidInput

    if args.top is not None and args.top < 1:
        raise InvalidInput("--top must be at least 1")
    text = read_text_file(args.file)
    result = load_finder(config).extract(text, args.top, args.language)
    if args.json:
        print_json(result.to_dict())
        return 0
    for s in result.sentences:
        mark = "*" if s.check_worthy else " "
        print(f"{s.rank:4d} {mark} {s.score:.3f}  {s.text}" + (f"  [{', '.join(s.reasons)}]" if s.reasons else ""))
    print(f"\n{result.total} sentences ranked in {result.timings_ms['total']:.0f} ms (* = check-worthy, "
          f"score >= {result.threshold})")
    return 0
