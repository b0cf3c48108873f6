"""Same-topic neutrals mined by retrieval: `recoupe models mine-neutrals`.

For each training claim of the fact-checking sets, the embedder ranks the
pool of every training evidence passage; the highest-ranked passage that is
not the claim's own evidence becomes a neutral pair. This is what retrieval
hands the stance model in the product: a passage close to the claim that
was written as evidence for something else.

Filters against label noise (a passage from another claim can still decide
this one, above all in FEVER, whose claims are mutations of each other):
- the passage is never one paired with this claim, in any label;
- the passage shares at most MAX_OVERLAP of the claim's content words (a
  passage that repeats much of the claim probably bears on it);
- the passage names none of the claim's names (a hand-read sample of the
  first mining, without this filter, had 12 of 40 pairs that decide the
  claim, nearly all about the claim's own subject: "Edgar Wright is only a
  singer" against his biography);
- ranks below 1 are used only when rank 1 is filtered out, up to TOP_K.
The noise left is measured on a hand-read sample (models/README.md).

Only training splits are read: no held-out claim or passage is used.
The pairs are cached in a JSON Lines file (models/stance/cache/, ignored by
git) with a fingerprint of their inputs, so a training run reads the same
pairs every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from service.config import REPO_ROOT
from service.errors import RecoupeError
from lab.stance.augment import names_in
from lab.stance.pairs import NEU, Pair
from lab.stance.sources_topic import content_words

ORIGINS = ("fever", "climate_fever", "scifact", "healthver", "fm2")
TOP_K = 8
MAX_OVERLAP = 0.3
MINE_HINT = "run `recoupe models mine-neutrals` (it embeds the training claims once, a few minutes)"


def cache_path(models_dir: Path | None = None) -> Path:
    return Path(models_dir or REPO_ROOT / "models") / "stance" / "cache" / "mined_neutrals.jsonl"


def _inputs(sources: dict) -> tuple[list[str], list[str], dict[str, set[str]], dict[str, str]]:
    claims, pool, own, origin = [], [], {}, {}
    seen_pool = set()
    for name in ORIGINS:
        for p in sources[name]["train"]:
            if p.hypothesis not in own:
                own[p.hypothesis] = set()
                origin[p.hypothesis] = name
                if p.label != NEU:
                    claims.append(p.hypothesis)
            own[p.hypothesis].add(p.premise)
            if p.premise not in seen_pool:
                seen_pool.add(p.premise)
                pool.append(p.premise)
    return claims, pool, own, origin


def fingerprint(claims: list[str], pool: list[str]) -> str:
    d = hashlib.sha1(json.dumps([TOP_K, MAX_OVERLAP, "no-shared-names"]).encode())
    for t in claims + ["\x00"] + pool:
        d.update(t.encode() + b"\n")
    return d.hexdigest()[:12]


def _name_words(claim: str) -> set[str]:
    """The words of the claim's names, lower-cased (short ones like "II" or "of" are not telling)."""
    return {w.lower() for m in names_in(claim) for w in m.group(1).split() if len(w) > 3}


def _embeddings(claims: list[str], pool: list[str], embedder, log) -> tuple[np.ndarray, np.ndarray]:
    """Claim and pool vectors, cached beside the pairs: the filters can change without re-embedding."""
    path = cache_path().with_name("mine_vectors.npz")
    key = hashlib.sha1("\n".join(claims + ["\x00"] + pool).encode()).hexdigest()[:12]
    if path.is_file():
        z = np.load(path)
        if str(z["key"]) == key:
            return z["q"], z["p"]
    log(f"embedding {len(claims)} claims and {len(pool)} passages (once)")
    q, p = embedder.encode_queries(claims), embedder.encode_passages(pool)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, key=key, q=q, p=p)
    return q, p


def mine(sources: dict, embedder, log=print) -> list[Pair]:
    claims, pool, own, origin = _inputs(sources)
    log(f"mining neutrals: {len(claims)} training claims against {len(pool)} training passages")
    q, p = _embeddings(claims, pool, embedder, log)
    out = []
    for i in range(0, len(claims), 512):
        sims = q[i:i + 512] @ p.T
        top = np.argsort(-sims, axis=1)[:, :TOP_K + 12]
        for j, row in enumerate(top):
            claim = claims[i + j]
            words, names = content_words(claim), _name_words(claim)
            for k in row[:TOP_K + len(own[claim])]:
                cand = pool[k]
                if cand in own[claim]:
                    continue
                cand_words = content_words(cand)
                if words and len(words & cand_words) / len(words) > MAX_OVERLAP:
                    continue
                if names & cand_words:
                    continue
                out.append(Pair(cand, claim, NEU, f"mined-{origin[claim]}"))
                break
    return out


def write_cache(sources: dict, embedder, models_dir: Path | None = None, log=print) -> Path:
    claims, pool, _, _ = _inputs(sources)
    pairs = mine(sources, embedder, log=log)
    path = cache_path(models_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"fingerprint": fingerprint(claims, pool), "pairs": len(pairs)}) + "\n")
        for x in pairs:
            fh.write(json.dumps({"premise": x.premise, "hypothesis": x.hypothesis, "source": x.source},
                                ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    log(f"{len(pairs)} mined neutral pairs written to {path}")
    return path


def read_cache(sources: dict, models_dir: Path | None = None) -> list[Pair]:
    path = cache_path(models_dir)
    if not path.is_file():
        raise RecoupeError(f"the mined neutral pairs are not in {path}: {MINE_HINT}")
    claims, pool, _, _ = _inputs(sources)
    with open(path, encoding="utf-8") as fh:
        head = json.loads(fh.readline())
        if head.get("fingerprint") != fingerprint(claims, pool):
            raise RecoupeError(f"{path} was mined from other training data: {MINE_HINT} again")
        return [Pair(r["premise"], r["hypothesis"], NEU, r["source"]) for r in map(json.loads, fh)]
