"""`recoupe check`: a file of claims in, a reviewable report out.

The data flow, one module per step:

    inputs.py       read .csv / .jsonl / .txt into rows (or bad rows, with their line numbers)
    run.py          send the rows through a backend in batches (this process's verifier, or a
                    running server's POST /v1/verify/batch), journal each batch, resume, summarise
    journal.py      the append-only, fsync'd record of finished batches that makes a run resumable
    writers.py      one row per claim (.csv, .jsonl) or a report a person reads (.md, .html)
    claimreview.py  schema.org ClaimReview drafts (.jsonld)

Both backends return Verification-shaped dicts (`verdict.records.verification_record`, the
API's `VerifyResponse`), so one writer writes the same file either way.
"""
