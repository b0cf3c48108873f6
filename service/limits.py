"""The limits that bound the work one article, one claim or one request can cause.

Each is enforced where the work happens (the ingest rules for articles, the
API for bodies and batches, the verifier for claims) and documented in
docs/deployment-and-security.md, beside the few that belong to one feature
and live with it (claims per batch file in service/history/batch.py, a text
to rank in service/checkworthy/extract.py). Where a limit applies to both,
the CLI and the API refuse the same things with the same messages.
"""

from __future__ import annotations

# An article's text, after cleaning. ~1 MB: a book chapter, far above any
# news article (the seeds are 2-6 kB). Over it: a 413 problem / a file error.
MAX_ARTICLE_CHARS = 1_000_000
# Passages (distinct sentences) kept from one article. Each is embedded
# (~10 ms each on 2 cores), so this bounds one article's ingest at ~20-40 s.
MAX_PASSAGES_PER_ARTICLE = 2_000
# A passage (one sentence): a longer "sentence" (a run of characters without a sentence end) is cut
# at spaces into pieces of at most this many characters, so that the work done on one passage at
# query time (the rules' patterns, the stance model's input) stays bounded whatever the article holds.
MAX_PASSAGE_CHARS = 1000
# Request bodies over HTTP (chunked ones included). An article near
# MAX_ARTICLE_CHARS may not fit once JSON-encoded: ingest it with the CLI.
MAX_BODY_BYTES = 1024 * 1024
# POST /v1/verify/batch: the claims' total length. The stance model reads
# each claim with up to top_k passages, so the work grows with the
# characters sent, not only with the number of claims.
MAX_BATCH_CHARS = 16_000
# A claim: a statement, not an article (the verdict model was fit on
# sentences). Refused over it by the API, the CLI and the page alike.
MAX_CLAIM_CHARS = 1000
# ...counted as sent (spaces collapsed): NFKC, applied after, can make one character up to this many
# (U+FDFA becomes 18), so 115 of them are a short claim, not one over the limit.
NFKC_MAX_GROWTH = 18
# Passages weighed per claim: each costs one stance-model call (~10-20 ms).
MAX_TOP_K = 50
# ...and when the caller does not say: enough for a verdict on the seed claims at ~150 ms.
DEFAULT_TOP_K = 10
# Claims per POST /v1/verify/batch (MAX_BATCH_CHARS bounds their length too).
MAX_BATCH_CLAIMS = 64
# Articles per POST /v1/articles: each is cleaned and embedded inside the request.
MAX_ARTICLES_PER_REQUEST = 64
