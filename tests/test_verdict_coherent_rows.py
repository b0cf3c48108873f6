"""One coherent verdict wherever verdicts are listed or reviewed: the rows of a batch (/v1/batches, its
triage screen and its downloads), the files `recoupe check` writes (CSV, JSONL, ClaimReview), and the
check page after each review. Everywhere, the confidence is the shown verdict's probability and no
probability shown beside it says another verdict should have been given (decide.consistent)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time

import pytest

from service.check.claimreview import RATING_VALUES, rating_name
from service.check.run import LocalBackend, run_check
from service.config import Config
from service.verdict.decide import bar, confidence_of, consistent
from service.verdict.model import VerdictModel
from service.verdict.types import Verdict
from tests.conftest import services_on_the_seeds
from tests.test_verdict_coherent import write_dated

# A refuted, a supported, a conflicting (the dated article beside the September seeds) and an
# unverifiable claim, and the "Wednesday" claim whose box once said refuted 6% beside supported 0.58.
CLAIMS = ["Kim Kardashian n'a que 10 millions d'abonnés sur Instagram",
          "Kim Kardashian a 189 millions d'abonnés sur Instagram",
          "Kim Kardashian a 200 millions d'abonnés sur Instagram",
          "Kim Kardashian will keep posting on Instagram on Wednesday.",
          "La Tour Eiffel mesure 330 mètres"]
FR_NAMES = {"soutenue": "supported", "réfutée": "refuted", "sources contradictoires": "conflicting",
            "pas assez d'éléments": "not_enough_evidence"}  # render.explain's words for the four outcomes
FR_VERDICTS = {"Soutenue": "supported", "Réfutée": "refuted", "Sources contradictoires": "conflicting",
               "Pas assez d'éléments": "not_enough_evidence"}  # the page's verdict words (i18n v_*)


@pytest.fixture(scope="module")
def model():
    return VerdictModel.load(Config().models_dir)


@pytest.fixture(scope="module")
def services(config, embedder, tmp_path_factory):
    """The real verifier over the seeds plus one dated article written for this test (seeds/ unchanged)."""
    data_dir = tmp_path_factory.mktemp("coherent-rows")
    with services_on_the_seeds(config, embedder, data_dir / "data", write_dated(data_dir)) as built:
        yield built


def _assert_coherent(result: dict, model, where: str) -> None:
    assert set(result["probabilities"]) == {"supported", "refuted", "conflicting", "not_enough_evidence"}, where
    assert consistent(Verdict(result["verdict"]), result["confidence"], result["probabilities"], model) == [], \
        (where, result["verdict"], result["confidence"], result["probabilities"])


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _same_verdicts(rows: list[dict], records: dict[str, dict], where: str) -> None:
    """Each written row says the verdict and the confidence of its record."""
    assert {r["claim"] for r in rows} == set(records), where
    for r in rows:
        record = records[r["claim"]]
        assert r["verdict"] == record["verdict"], (where, r["claim"])
        assert abs(float(r["confidence"]) - record["confidence"]) < 1e-6, (where, r["claim"])


def _same_ratings(drafts: list[dict], records: dict[str, dict]) -> None:
    assert {d["claimReviewed"] for d in drafts} == set(records)
    for d in drafts:
        record = records[d["claimReviewed"]]
        rating = d["reviewRating"]
        assert rating.get("ratingValue") == RATING_VALUES[record["verdict"]], d["claimReviewed"]
        assert rating["alternateName"] == rating_name(record["verdict"], record["language"]), d["claimReviewed"]


def _drafts(data: bytes) -> list[dict]:
    parsed = json.loads(data)
    return parsed if isinstance(parsed, list) else parsed.get("@graph", [parsed])


# ---------------------------------------------------------------- batches


def test_every_batch_row_its_triage_screen_and_its_downloads_show_the_verdict_its_probabilities_give(client, model):
    body = "id,claim\n" + "".join(f"r{i},\"{c}\"\n" for i, c in enumerate(CLAIMS))
    sent = client.post("/v1/batches", data={"claims": (io.BytesIO(body.encode()), "claims.csv"), "top_k": "10"},
                       content_type="multipart/form-data")
    assert sent.status_code == 202, sent.get_json()
    deadline = time.monotonic() + 600
    while (batch := client.get(sent.headers["Location"]).get_json())["status"] == "running":
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.5)
    assert (batch["status"], batch["done"]) == ("done", len(CLAIMS))

    rows = client.get(f"/v1/batches/{batch['id']}/rows").get_json()["rows"]
    records = {}
    for row in rows:
        result = client.get(f"/v1/checks/{row['check']['id']}").get_json()["result"]
        _assert_coherent(result, model, row["claim"])
        assert (row["check"]["verdict"], row["check"]["confidence"]) == (result["verdict"], result["confidence"])
        records[row["claim"]] = result
    assert {"refuted", "conflicting"} <= {r["verdict"] for r in records.values()}  # the four-outcome path is used

    _same_verdicts(_csv(client.get(f"/v1/batches/{batch['id']}/download/csv").data), records, "csv")
    jsonl = client.get(f"/v1/batches/{batch['id']}/download/jsonl").get_data(as_text=True).splitlines()
    _same_verdicts([json.loads(line) for line in jsonl], records, "jsonl")
    _same_ratings(_drafts(client.get(f"/v1/batches/{batch['id']}/download/claimreview").data), records)

    # the triage screen: each row's verdict word and percentage are its record's
    triage = client.get(f"/batches/{batch['id']}", headers={"Accept-Language": "fr"})
    page = html.unescape(triage.get_data(as_text=True))
    shown = re.findall(r'class="verdict-word v-([a-z_]+)">[^<]*</span></td><td>(\d+)\s*%', page)
    assert sorted(shown) == sorted((r["verdict"], str(round(r["confidence"] * 100))) for r in records.values())


# ---------------------------------------------------------------- recoupe check


class Recording(LocalBackend):
    """The real verifier in this process, keeping every record it hands to the writers."""

    def __init__(self, verifier):
        super().__init__(verifier)
        self.records: dict[str, dict] = {}

    def verify_batch(self, claims, top_k):
        out = super().verify_batch(claims, top_k)
        self.records.update({r["claim"]: r for r in out})
        return out


def test_the_files_recoupe_check_writes_show_the_verdict_their_probabilities_give(services, model, tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text("id,claim\n" + "".join(f"c{i},\"{c}\"\n" for i, c in enumerate(CLAIMS)), encoding="utf-8")
    backend = Recording(services.verifier)
    outputs = {ext: tmp_path / f"checked.{ext}" for ext in ("csv", "jsonl", "jsonld")}
    for out in outputs.values():
        assert run_check(claims, out, backend=lambda: backend, batch_size=2, progress=False, log=lambda _: None,
                         date="2024-05-02").finished
    assert set(backend.records) == set(CLAIMS)
    for claim, record in backend.records.items():
        _assert_coherent(record, model, claim)
    _same_verdicts(_csv(outputs["csv"].read_bytes()), backend.records, "csv")
    _same_verdicts([json.loads(line) for line in outputs["jsonl"].read_text(encoding="utf-8").splitlines()],
                   backend.records, "jsonl")
    _same_ratings(_drafts(outputs["jsonld"].read_bytes()), backend.records)


# ---------------------------------------------------------------- the page's review flow


def _page_box(client, check_id: str) -> tuple[str, int, dict[str, float]]:
    """What the check page shows: the verdict word, the confidence in percent, the calibrated probabilities."""
    page = html.unescape(client.get(f"/checks/{check_id}", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    word = re.search(r'id="verdict-word"><span[^>]*></span>([^<]+)</p>', page).group(1).strip()
    confidence = int(re.search(r'id="confidence">confiance calibrée (\d+)\s*%', page).group(1))
    line = re.search(r"Probabilités calibrées : ([^<]+)\.</li>", page).group(1)
    # French numbers since the i18n commits: "soutenue 0,57, réfutée 0,00, ..." (decimal comma)
    probabilities = {FR_NAMES[name.strip()]: float(p.replace(",", "."))
                     for name, p in re.findall(r"(?:^|, )([^,]+?) (\d[.,]\d\d)(?=,|$)", line)}
    return FR_VERDICTS[word], confidence, probabilities


def _assert_box_agrees(verdict: str, confidence: int, probabilities: dict[str, float], model, where: str) -> None:
    """The page's numbers are rounded to 0.01 and to 1%: the invariant within that rounding."""
    assert set(probabilities) == {"supported", "refuted", "conflicting", "not_enough_evidence"}, where
    expected = confidence_of(Verdict(verdict), probabilities)
    assert abs(confidence - 100 * expected) <= 1.5, (where, verdict, confidence, probabilities)
    likeliest = max(probabilities, key=probabilities.get)
    if verdict != "not_enough_evidence":
        assert probabilities[verdict] >= probabilities[likeliest] - 0.01, (where, verdict, probabilities)
        assert probabilities[verdict] >= bar(verdict, model) - 0.01, (where, verdict, probabilities)
    elif likeliest != "not_enough_evidence":
        assert probabilities[likeliest] < bar(likeliest, model) + 0.01, (where, verdict, probabilities)


def test_the_check_page_agrees_with_its_numbers_after_every_review_and_every_undo(client, model):
    saved = client.post("/v1/checks", json={"claim": CLAIMS[0]})
    assert saved.status_code in (200, 201), saved.get_data(as_text=True)
    check_id = saved.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    first = _page_box(client, check_id)
    _assert_box_agrees(*first, model, "as checked")
    assert first[0] == "refuted"
    n = len(client.get(f"/v1/checks/{check_id}").get_json()["result"]["evidence"])
    steps = [(0, "accept", None), (1, "reject", None), (2, "stance", "supports"), (0, "stance", "neutral"),
             (1, "stance", "refutes")]
    steps = [s for s in steps if s[0] < n]
    seen = set()
    for item, action, stance in steps:
        body = {"item": item, "action": action, "reviewer": "test", **({"stance": stance} if stance else {})}
        view = client.post(f"/v1/checks/{check_id}/reviews", json=body)
        assert view.status_code == 200, view.get_data(as_text=True)
        result = view.get_json()["result"]
        _assert_coherent(result, model, f"after {action} {item}")
        box = _page_box(client, check_id)
        _assert_box_agrees(*box, model, f"page after {action} {item}")
        assert box[0] == result["verdict"]  # the page shows what the API answers
        seen.add(box[0])
    for item, action, _ in reversed(steps):  # undo removes an item's latest review
        assert client.delete(f"/v1/checks/{check_id}/reviews/{item}").status_code == 200
        _assert_box_agrees(*_page_box(client, check_id), model, f"page after undoing {action} {item}")
    assert _page_box(client, check_id) == first  # every review undone: the page shows the check as first saved
    assert len(seen) >= 2  # the reviews moved the verdict, so more than one verdict's box was checked
