"""recoupe verify: one claim, the same function as POST /v1/verify."""

from __future__ import annotations

from service.cli.output import print_json

_MARK = {"supports": "+", "refutes": "-", "neutral": " "}


def register(sub) -> None:
    p = sub.add_parser("verify", help="verify one claim against the corpus")
    p.add_argument("claim")
    p.add_argument("-k", "--top-k", type=int, default=10, help="evidence passages to weigh (1-50, default 10)")
    p.add_argument("--language", action="append", help="only evidence in this language (repeatable)")
    p.add_argument("--source", action="append", help="only evidence from this source (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=verify)


def verify(args, config) -> int:
    from service.claims import claim_problem, normalise_claim
    from service.errors import InvalidInput
    from service.verify import load_verifier

    claim = normalise_claim(args.claim)  # as the API reads it
    if problem := claim_problem(claim):
        raise InvalidInput(problem)
    verifier = load_verifier(config)
    try:
        result = verifier.verify(claim, args.top_k, languages=args.language, sources=args.source)
    finally:
        verifier.corpus.close()
    out = result.to_dict()  # the words are rendered here, at the edge, in the claim's language
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
