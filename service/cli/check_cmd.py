"""recoupe check: a file of claims in, a reviewable report out (see service/check/)."""

from __future__ import annotations

import sys

from service.errors import InvalidInput
from service.limits import DEFAULT_TOP_K, MAX_TOP_K
from service.translations import LANGUAGES


def register(sub) -> None:
    p = sub.add_parser(
        "check", help="verify a file of claims (.csv, .jsonl, .txt) and write a report",
        description="Verify every claim of INPUT and write OUTPUT: .csv or .jsonl (one row per claim), .md or "
                    ".html (a report to review), .jsonld (schema.org ClaimReview drafts). INPUT is a .csv with a "
                    "'claim' column (optional 'id'), a .jsonl of objects with 'claim', or a .txt with one claim per "
                    "line. Interrupted runs resume: run the same command again.")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT")
    p.add_argument("--format", choices=["csv", "jsonl", "md", "html", "claimreview"],
                   help="output format (default: from OUTPUT's extension)")
    p.add_argument("--server", metavar="URL",
                   help="verify through a running service (e.g. http://127.0.0.1:8000) instead of this process")
    p.add_argument("-k", "--top-k", type=int, default=DEFAULT_TOP_K,
                   help=f"evidence passages to weigh per claim (1-{MAX_TOP_K}, default {DEFAULT_TOP_K})")
    p.add_argument("--batch-size", type=int, default=16,
                   help="claims sent through the models at once (default 16; at most 64 with --server)")
    p.add_argument("--organization", default="Recoupe", help="author of the ClaimReview drafts (default Recoupe)")
    p.add_argument("--language", choices=LANGUAGES,
                   help="language of the report and the ClaimReview drafts (default: the language most claims are "
                        "in for a report, each claim's own for its draft)")
    p.set_defaults(func=check)


def check(args, config) -> int:
    from service.check.run import MAX_SERVER_BATCH, HttpBackend, LocalBackend, run_check

    if args.server:
        if args.batch_size > MAX_SERVER_BATCH:
            raise InvalidInput(f"--batch-size must be at most {MAX_SERVER_BATCH} with --server (the API's batch limit)")
        server = HttpBackend(args.server)

        def backend():
            return server
    else:
        def backend():
            return LocalBackend.load(config)

    try:
        summary = run_check(args.input, args.output, backend=backend, fmt=args.format, top_k=args.top_k,
                            batch_size=args.batch_size, organization=args.organization,
                            language=args.language)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(summary.table(), file=sys.stderr)
    return 0
