"""recoupe verify: one claim, the same function as POST /v1/verify."""

from __future__ import annotations

from service.cli.output import print_json
from service.limits import DEFAULT_TOP_K, MAX_TOP_K

_MARK = {"supports": "+", "refutes": "-", "neutral": " "}


def register(sub) -> None:
    p = sub.add_parser("verify", help="verify one claim against the corpus")
    p.add_argument("claim")
    p.add_argument("-k", "--top-k", type=int, default=DEFAULT_TOP_K,
                   help=f"evidence passages to weigh (1-{MAX_TOP_K}, default {DEFAULT_TOP_K})")
    p.add_argument("--language", action="append", help="only evidence in this language (repeatable)")
    p.add_argument("--source", action="append", help="only evidence from this source (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=verify)


def verify(args, config) -> int:
    from service.claims import read_claim
    from service.verdict.records import verification_record
    from service.verify import load_verifier
    from service.verify_options import VerifyOptions

    claim = read_claim(args.claim)  # as the API reads it, refused with the same message
    options = VerifyOptions(top_k=args.top_k, languages=args.language, sources=args.source)
    verifier = load_verifier(config)
    try:
        result = verifier.verify(claim, options)
    finally:
        verifier.corpus.close()
    out = verification_record(result)  # the words are rendered here, at the edge, in the claim's language
    if args.json:
        print_json(out)
        return 0
    print(f"{result.verdict.upper()}  (confidence {result.confidence:.2f}, claim language {result.language})")
    for line in out["explanation"]:
        print(f"  {line}")
    print()
    for e in out["evidence"]:
        p = e["probabilities"]
        print(f"[{_MARK[e['stance']]}] {e['stance']:8s} evidence {e['evidence_score']:.2f} strength "
              f"{e['strength']:.2f} (sup {p['supports']:.2f} ref {p['refutes']:.2f})  {e['text']}")
        for s in e["sources"]:
            print(f"      {s['title']} | {s['source']} | {s['article_id']} chars {s['start']}-{s['end']}")
        for c in e["checks"]:
            print(f"      check: {c}")
    print(f"\ntimings (ms): {result.timings_ms}")
    return 0
