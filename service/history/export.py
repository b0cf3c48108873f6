"""What leaves the desk as a file.

- The reviews as JSON Lines for retraining: one line per reviewed evidence item, with the claim, the
  passage and its context, its sources, the models' stance and probabilities, the reviewed stance, the
  note, who reviewed it and when, and the model versions of the check. `GET /v1/reviews/export` and
  `recoupe reviews export` write these same lines.
- One saved check as a Markdown report (the writers of `recoupe check`, so a check reads the same alone
  as in a batch's report) or as JSON (what GET /v1/checks/<id> answers): `GET /v1/checks/<id>/export/<fmt>`
  and the check page's download links.
"""

from __future__ import annotations

import json

from service.errors import InvalidInput
from service.translations import N_  # messages said in the reader's language (errors.py)

CHECK_EXPORTS = {"md": ("text/markdown", "md"), "json": ("application/json", "json")}  # format -> media, extension

_SOURCE_FIELDS = ("article_id", "title", "source", "url", "published_at", "language", "start", "end")


def review_rows(store):
    for saved, reviews in store.all_current_reviews():
        record = saved.model_record  # the passages and stances as the models gave them
        for item in sorted(reviews):
            r, e = reviews[item], record["evidence"][item]
            yield {
                "check_id": saved.id, "item": item, "claim": record["claim"], "claim_language": record["language"],
                "passage": e["text"], "passage_language": e["language"], "context": e.get("context", {}),
                "sources": [{k: s.get(k) for k in _SOURCE_FIELDS} for s in e["sources"]],
                "model_stance": e["stance"], "model_probabilities": e["probabilities"],
                "reviewed_stance": r.stance.value, "action": r.action.value, "note": r.note,
                "reviewer": r.reviewer, "reviewed_at": r.created_at, "models": saved.models,
            }


def jsonl_lines(store):
    for row in review_rows(store):
        yield json.dumps(row, ensure_ascii=False) + "\n"


def review_of(check) -> dict | None:
    """What the writers say beside a reviewed check's verdict of record (None when nobody reviewed it)."""
    if not check.reviewed:
        return None
    return {"model_verdict": check.model_verdict.value, "model_confidence": check.model_confidence,
            "reviewer": check.reviewer, "reviewed_at": check.reviewed_at}


def export_check(view, fmt: str, language: str | None = None) -> tuple[bytes, str, str]:
    """(bytes, media type, file name) of one check (a `CheckView`) in one of CHECK_EXPORTS; the report written in
    `language` (None: the claim's, service/check/language.py)."""
    from service.check.writers import Checked, ReportInfo, render_output
    from service.check.inputs import Row

    if fmt not in CHECK_EXPORTS:
        raise InvalidInput(N_("unknown format %(fmt)s: use one of %(formats)s"),
                           values={"fmt": repr(fmt), "formats": ", ".join(CHECK_EXPORTS)})
    c = view.check
    media, ext = CHECK_EXPORTS[fmt]
    if fmt == "json":
        data = (json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        item = Checked(Row(1, c.id, c.claim, c.id), c.record, review_of(c))
        data = render_output("md", [item], ReportInfo(f"check {c.id}", c.created_at[:10], c.settings.get("top_k", 0),
                                                      language=language))
    return data, media, f"check-{c.id}.{ext}"
