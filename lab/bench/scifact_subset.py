"""A SciFact index small enough to build in minutes, for side-by-side benchmarks of `recoupe check`:

    recoupe bench scifact-subset OUT --abstracts 1200 --claims 200
    recoupe --data-dir DIR ingest OUT/articles.jsonl
    recoupe --data-dir DIR check OUT/claims.csv -o checked.csv

The abstracts cited by the first `claims` development claims (whose cited abstracts fit), then other
abstracts in corpus order up to `abstracts` (the subset `recoupe eval scifact --limit --claims` uses), as
JSON Lines articles; the claims as a CSV of `recoupe check`'s input format (id, claim)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from lab.evaluate.datasets import load_scifact


def write_subset(out_dir: Path, data_dir: Path, abstracts: int = 1200, claims: int = 200) -> dict:
    rs = load_scifact(data_dir, limit=abstracts, claims=claims)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "articles.jsonl", "w", encoding="utf-8") as fh:
        for doc in rs.docs:
            fh.write(json.dumps({"id": f"scifact-{doc.id}", "title": doc.title, "text": " ".join(doc.sentences),
                                 "source": "SciFact", "language": "en"}, ensure_ascii=False) + "\n")
    with open(out_dir / "claims.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "claim"])
        writer.writerows([c.id, c.text] for c in rs.claims)
    return {"abstracts": len(rs.docs), "claims": len(rs.claims), "articles": str(out_dir / "articles.jsonl"),
            "claims_file": str(out_dir / "claims.csv")}
