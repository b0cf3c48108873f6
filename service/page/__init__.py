"""The fact-checker's desk: the web page served by the API's own app at `/`.

Server-rendered Jinja templates and one small vanilla JavaScript file, served
by the app itself (no CDN, no web fonts, no build step, nothing vendored): the
page must work on an air-gapped newsroom server, a claim can be checked with
JavaScript off, and Flask already ships Jinja. A front-end framework would
add a build and a bundle to keep up to date for what is, here, forms, lists
and a few keyboard shortcuts. JavaScript only adds the review actions (which
call the same `/v1` endpoints as any client), the keyboard shortcuts and a
busy message while a claim is checked.

The page holds no logic beyond display: a check is `Desk.check` (the same
`Verifier.verify` as `POST /v1/verify`), a reviewed verdict is
`verdict.review.reverify`, history is `service/history/`. Page responses carry
a strict Content-Security-Policy (`views.PAGE_CSP`: scripts, styles and images
from the app only, nothing inline).
"""

from service.page.views import bp
from service.page import batch_views, claims_views, corpus_views, desk_views  # noqa: E402,F401  (they register their routes on bp)
from service.page import review_views, unlock_views  # noqa: E402,F401  (the review bar; unlock and lock)

__all__ = ["bp"]
