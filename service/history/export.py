"""The reviews as JSON Lines for retraining: one line per reviewed evidence item, with the claim, the
passage and its context, its sources, the models' stance and probabilities, the reviewed stance, the
note, who reviewed it and when, and the model versions of the check. `GET /v1/reviews/export` and
`recoupe reviews export` write these same lines."""

from __future__ import annotations

import json

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
