"""Claims with labels, run through the service's own Verifier up to the verdict
model's inputs, for `recoupe models train-verdict`.

Each case is one claim: its top-10 evidence groups as the service weighs them
(`Verifier.weigh_many`: grouping, premise, stance model, features, rules), a
claim-level label, and per group whether it is gold evidence.

| source | claims used | candidates | held out from the stance model? |
|---|---|---|---|
| SciFact train (809) | all but MIXED | the service's hybrid retrieval over the 5,183 abstracts | no (stance trains on its rationales) |
| Climate-FEVER | the claims the stance model trains on (sha1(claim_id) % 10 != 0), DISPUTED aside | hybrid retrieval in the closed pool | no |
| FM2 dev | pages with sha1(page) % 5 == 0 | the gold and the other sentences of the page; again without gold, as not_enough_evidence | yes |
| HealthVer dev | claims with sha1(lower claim) % 4 == 0 | the claim's annotated passages | yes |
| FEVER-fr (French) | every claim whose text has sha1 % 10 == 0, and a label-blind sample of the others | hybrid retrieval (French words) in the closed pool of every pair's evidence text | the sha1 % 10 == 0 part only |

A case says its claim's language and whether the stance model trained on
that claim (`stance_seen`): train.py chooses the abstention thresholds on
unseen claims only.

Never used here: SciFact dev and the Climate-FEVER claims with
sha1(claim_id) % 10 == 0, on which `recoupe eval` reports.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab.evaluate.datasets import Claim, Doc, RetrievalSet, Unit
from service.limits import DEFAULT_TOP_K

TOP_K = DEFAULT_TOP_K  # evidence groups per claim: the API's default, as in `recoupe eval`


@dataclass
class Case:
    source: str
    id: str
    label: str  # one of CLASSES, or "conflicting"
    weighed: object  # service.verify.Weighed
    gold: np.ndarray  # per group: is it gold evidence
    language: str = "en"  # the claim's
    stance_seen: bool = True  # the stance model trained on this claim (its pairs are in the stance mix)


class CachedStance:
    """The stance model with its predictions cached on disk by pair: retraining the verdict
    model (new features, new thresholds) does not run the stance model again."""

    def __init__(self, model, directory: Path):
        self.model = model
        self.name = model.name
        self.path = Path(directory) / f"{_safe(model.name)}.npz"
        self._cache: dict[str, np.ndarray] = {}
        if self.path.is_file():
            data = np.load(self.path)
            self._cache = dict(zip(data["keys"].tolist(), data["probs"]))

    def predict(self, pairs):
        keys = [_pair_key(p) for p in pairs]
        todo = sorted({k: p for k, p in zip(keys, pairs) if k not in self._cache}.items())
        if todo:
            probs = self.model.predict([p for _, p in todo])
            self._cache.update({k: v for (k, _), v in zip(todo, probs)})
            self._save()
        return np.array([self._cache[k] for k in keys]).reshape(-1, 3)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_file():  # another run may have added pairs meanwhile: keep them
            data = np.load(self.path)
            for k, v in zip(data["keys"].tolist(), data["probs"]):
                self._cache.setdefault(k, v)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(self._cache)), probs=np.array(list(self._cache.values())))
        tmp.replace(self.path)


def _pair_key(pair) -> str:
    return hashlib.sha1("\x00".join(pair).encode("utf-8")).hexdigest()[:20]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def h(key: str) -> int:
    from lab.stance.data import h as stance_hash  # the stance model's own held-out assignment

    return stance_hash(key)


# ---------------------------------------------------------------- through the Verifier

def _weigh(claims: list[Claim], candidates: list, stance, log) -> list:
    from lab.evaluate.verdicts import pool_verifier
    from service.verify_options import VerifyOptions

    texts = [c.text for c in claims]
    verifier = pool_verifier(texts, candidates, stance)
    options = VerifyOptions(top_k=TOP_K)
    out = []
    for i in range(0, len(texts), 64):
        out += verifier.weigh_many(texts[i:i + 64], options)[0]
        log(f"  {min(i + 64, len(texts))}/{len(texts)} claims weighed")
    return out


def _cases(source, claims, weighed, labels, unit_ids, stance_seen: bool | None = None) -> list[Case]:
    """stance_seen: the same for every claim, or None to read each claim's `heldout`."""
    out = []
    for c, w, label in zip(claims, weighed, labels):
        gold = np.array([any(unit_ids[m.hit.passage_id] in c.relevant_units for m in g) for g in w.groups], bool)
        seen = (not c.heldout) if stance_seen is None else stance_seen
        out.append(Case(source, c.id, label, w, gold, c.language, seen))
    return out


def scifact_train(data_dir: Path, cache, stance, log=print) -> list[Case]:
    from lab.evaluate.datasets import load_scifact
    from lab.evaluate.retrieval import Retrievers

    rset = load_scifact(data_dir)
    rset.doc_level = False  # the service retrieves sentences; abstract-level rankings are not needed here
    retr = Retrievers(rset, cache, ("lexical", "dense", "hybrid"), log)
    claims = [c for c in rset.tune_claims if c.label != "MIXED"]
    scored = retr.score(claims, label="train claims")
    label = {"SUPPORT": "supported", "CONTRADICT": "refuted", "NEI": "not_enough_evidence"}
    log(f"SciFact train: {len(claims)} claims")
    weighed = _weigh(claims, scored.service_candidates, stance, log)
    return _cases("scifact_train", claims, weighed, [label[c.label] for c in claims], retr.unit_ids, True)


def climate_fever_train(data_dir: Path, cache, stance, log=print, max_claims: int = 800) -> list[Case]:
    from lab.evaluate.datasets import load_climate_fever
    from lab.evaluate.retrieval import Retrievers

    rset = load_climate_fever(data_dir)
    retr = Retrievers(rset, cache, ("lexical", "dense", "hybrid"), log)
    label = {"SUPPORTS": "supported", "REFUTES": "refuted", "NOT_ENOUGH_INFO": "not_enough_evidence",
             "DISPUTED": "conflicting"}
    # A fixed, label-blind sample (by hash) keeps the stance model's work to a few minutes.
    claims = sorted((c for c in rset.claims if not c.heldout), key=lambda c: h("sample:" + c.id))[:max_claims]
    scored = retr.score(claims, label="train claims")
    log(f"Climate-FEVER (stance-training claims): {len(claims)} claims")
    weighed = _weigh(claims, scored.service_candidates, stance, log)
    return _cases("climate_fever_train", claims, weighed, [label[c.label] for c in claims], retr.unit_ids, True)


def _page_set(name: str, groups: list[tuple[Claim, str, list[str]]], cache):
    """A RetrievalSet with one document per claim (its page's sentences), and each claim's
    candidates: every sentence of its document, by cosine, as the service would rank them."""
    from lab.evaluate.retrieval import make_hit
    from service.retrieve.hybrid import Candidate

    docs, units = [], []
    for c, title, sentences in groups:
        doc = Doc(f"{c.id}", title, sentences)
        docs.append(doc)
        units += [Unit(f"{c.id}:{i}", doc.id, i, s, title) for i, s in enumerate(sentences)]
    rset = RetrievalSet(name, docs, units, [g[0] for g in groups], doc_level=False)
    qv = cache.queries([g[0].text for g in groups], label=f"{name} claims")
    pv = cache.passages([u.text for u in units], label=f"{name} sentences")
    candidates, at = [], 0
    for row, (c, _, sentences) in enumerate(groups):
        idx = list(range(at, at + len(sentences)))
        cos = pv[idx] @ qv[row]
        order = [idx[j] for j in np.argsort(-cos, kind="stable")]
        cands = []
        for rank, i in enumerate(order, 1):
            cand = Candidate(make_hit(rset, i, float(pv[i] @ qv[row]), rank), 1 / (60 + rank), None, None, rank, None)
            cand.cosine = float(pv[i] @ qv[row])
            cands.append(cand)
        candidates.append(cands)
        at += len(sentences)
    return rset, candidates


def fm2_heldout(data_dir: Path, cache, stance, log=print) -> list[Case]:
    rows = [json.loads(line) for line in open(Path(data_dir) / "fm2" / "dev.jsonl", encoding="utf-8") if line.strip()]
    rows = [r for r in rows if h(r["wikipedia_page"]) % 5 == 0]
    label = {"SUPPORTS": "supported", "REFUTES": "refuted"}
    with_gold, without = [], []
    for r in rows:
        gold = list(dict.fromkeys(e["text"].strip() for e in r["gold_evidence"] if e["text"].strip()))
        others = [s for s in dict.fromkeys(e["text"].strip() for e in r["retrieved_evidence"]) if s and s not in gold]
        c = Claim(r["id"], r["text"].strip(), label[r["label"]])
        c.relevant_units = {f"{c.id}:{i}" for i in range(len(gold))}
        with_gold.append((c, r["wikipedia_page"], gold + others))
        if len(others) >= 3:
            # The same claim with the page's gold sentences removed: same topic, no evidence.
            without.append((Claim(r["id"] + "-nogold", c.text, "not_enough_evidence"), r["wikipedia_page"], others))
    out = []
    for name, groups in (("fm2_heldout", with_gold), ("fm2_heldout_nogold", without)):
        rset, candidates = _page_set(name, groups, cache)
        log(f"{name}: {len(groups)} claims")
        weighed = _weigh(rset.claims, candidates, stance, log)
        out += _cases(name, rset.claims, weighed, [c.label for c in rset.claims], [u.id for u in rset.units], False)
    return out


def healthver_heldout(data_dir: Path, cache, stance, log=print) -> list[Case]:
    by_claim: dict[str, list[tuple[str, str]]] = {}
    with open(Path(data_dir) / "healthver" / "healthver_dev.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            claim = " ".join(r["claim"].split())
            if h(claim.lower()) % 4 == 0:
                by_claim.setdefault(claim, []).append((" ".join(r["evidence"].split()), r["label"]))
    groups, n = [], 0
    for claim, items in sorted(by_claim.items()):
        labels = {lab for _, lab in items if lab != "Neutral"}
        if len(labels) > 1:
            continue  # both ways: no single claim label
        kind = {"Supports": "supported", "Refutes": "refuted"}.get(next(iter(labels), ""), "not_enough_evidence")
        texts = list(dict.fromkeys(t for t, _ in items))
        gold = {t for t, lab in items if lab != "Neutral"}
        ordered = [t for t in texts if t in gold] + [t for t in texts if t not in gold]
        c = Claim(f"hv{n}", claim, kind)
        c.relevant_units = {f"{c.id}:{i}" for i in range(len([t for t in texts if t in gold]))}
        groups.append((c, "", ordered))
        n += 1
    rset, candidates = _page_set("healthver_heldout", groups, cache)
    log(f"HealthVer held-out: {len(groups)} claims")
    weighed = _weigh(rset.claims, candidates, stance, log)
    return _cases("healthver_heldout", rset.claims, weighed, [c.label for c in rset.claims], [u.id for u in rset.units],
                  False)


def fever_fr_claims(data_dir: Path, max_claims: int = 600) -> RetrievalSet:
    """FEVER-fr as a French claim-level set in a closed pool, as Climate-FEVER's: every pair's evidence text
    (cleaned as the stance reader cleans it) is one unit, and a claim's gold units are the texts of its
    supporting or refuting pairs. Labels: entailment -> supported, contradiction -> refuted, neutral only
    (FEVER's NOT ENOUGH INFO) -> not_enough_evidence; a claim with both sides is left out. `heldout` is the
    stance model's own split (sha1(claim) % 10 == 0: never trained on); every held-out claim is kept, and a
    label-blind sample (by hash) of the others up to `max_claims` in all."""
    from lab.stance.data import CON, ENT, NEU
    from lab.stance.sources_french import read_fever_fr

    split = read_fever_fr(Path(data_dir))
    pairs = split["train"] + split["heldout"]
    unit_of = {p: f"ffr{i}" for i, p in enumerate(dict.fromkeys(p.premise for p in pairs))}
    by_claim: dict[str, list] = {}
    for p in pairs:
        by_claim.setdefault(p.hypothesis, []).append(p)
    claims = []
    for text, rows in by_claim.items():
        sides = {p.label for p in rows if p.label != NEU}
        if len(sides) > 1:
            continue
        label = {ENT: "supported", CON: "refuted"}.get(next(iter(sides), NEU), "not_enough_evidence")
        gold = {unit_of[p.premise] for p in rows if p.label != NEU}
        claims.append(Claim("ffr-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], text, label, "fr",
                            relevant_units=gold, annotated_units={unit_of[p.premise] for p in rows},
                            heldout=h(text) % 10 == 0))
    held = [c for c in claims if c.heldout]
    rest = sorted((c for c in claims if not c.heldout), key=lambda c: h("sample:" + c.id))
    chosen = {c.id for c in held + rest[:max(0, max_claims - len(held))]}
    claims = [c for c in claims if c.id in chosen]
    docs = [Doc(u, "", [text]) for text, u in unit_of.items()]
    units = [Unit(u, u, 0, text, "", "fr") for text, u in unit_of.items()]
    return RetrievalSet("fever-fr", docs, units, claims, doc_level=False, language="fr")


def fever_fr(data_dir: Path, cache, stance, log=print, max_claims: int = 600) -> list[Case]:
    from lab.evaluate.retrieval import Retrievers

    rset = fever_fr_claims(data_dir, max_claims)
    retr = Retrievers(rset, cache, ("lexical", "dense", "hybrid"), log)
    scored = retr.score(rset.claims, label="claims")
    log(f"FEVER-fr: {len(rset.claims)} claims ({sum(c.heldout for c in rset.claims)} never seen by the stance "
        f"model), {len(rset.units)} evidence texts in the pool")
    weighed = _weigh(rset.claims, scored.service_candidates, stance, log)
    return _cases("fever_fr", rset.claims, weighed, [c.label for c in rset.claims], retr.unit_ids)


SOURCES = {"scifact_train": scifact_train, "climate_fever_train": climate_fever_train, "fm2": fm2_heldout,
           "healthver": healthver_heldout, "fever_fr": fever_fr}
