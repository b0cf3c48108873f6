"""`recoupe eval` end to end on small subsets of the public benchmark data:
what a maintainer reads after a run (JSON, Markdown, plots) is written."""

from __future__ import annotations

import argparse
import json

import pytest

from lab.evaluate.datasets import load_climate_fever, load_scifact
from lab.evaluate.runner import run
from tests.conftest import need_shared_data


def _stance_built(config) -> bool:
    return any((config.models_dir / "stance").glob("model-*-of-*.safetensors")) and \
        (config.models_dir / "stance" / "onnx" / "model_int8.onnx").is_file()


def test_scifact_relevance_counts_match_beir():
    data = need_shared_data("scifact").parent
    s = load_scifact(data)
    assert len(s.docs) == 5183 and len(s.claims) == 300
    assert sum(len(c.relevant_docs) for c in s.claims) == 339  # BEIR SciFact test qrels
    assert sum(1 for c in s.claims if c.evidence_docs) == 188
    assert {c.label for c in s.claims} == {"SUPPORT", "CONTRADICT", "NEI"}


def test_a_subset_keeps_each_claims_relevant_abstracts():
    data = need_shared_data("scifact").parent
    s = load_scifact(data, limit=50, claims=10)
    ids = {d.id for d in s.docs}
    assert len(s.docs) == 50 and len(s.claims) == 10
    assert all(c.relevant_docs <= ids for c in s.claims)
    assert all(u.doc in ids for u in s.units)
    assert s.subset["limit"] == 50


def test_climate_fever_pool_and_heldout_claims():
    data = need_shared_data("climate_fever").parent
    s = load_climate_fever(data)
    assert len(s.units) == 5240 and len(s.claims) == 1535
    assert all(c.relevant_units <= c.annotated_units for c in s.claims)
    assert 100 < sum(c.heldout for c in s.claims) < 220  # about a tenth, as in lab/stance/data.py


def test_scifact_subset_run_writes_json_markdown_and_plots(config, embedder, tmp_path):
    data = need_shared_data("scifact").parent
    out = tmp_path / "scifact"
    stance = _stance_built(config)
    results = run("scifact", config, data=str(data), out=out, limit=50, claims=5, stance=True, rescore_top=5,
                  cache_dir=tmp_path / "cache", log=lambda *a: None)
    saved = json.loads((out / "results.json").read_text())
    assert saved["subset"]["limit"] == 50
    doc = saved["retrieval"]["document_beir"]["scores"]
    for name in ("lexical-doc", "lexical-sent-max", "dense-doc", "dense-sent-max", "rrf-doc", "rrf-4"):
        assert 0 <= doc[name]["ndcg@10"] <= 1 and doc[name]["queries"] == 5
    assert "hybrid (service: fuse, top 50 each, k=60)" in saved["retrieval"]["sentence"]["scores"]
    report = (out / "report.md").read_text()
    assert "NOT comparable" in report and "| rrf-4 |" in report
    pngs = {p.name for p in out.glob("*.png")}
    assert {"recall_documents.png", "recall_sentences.png"} <= pngs
    assert all((out / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in saved["plots"])
    if stance:
        assert saved["verdict"]["scores"]["n"] == 5 and "confusion_verdict.png" in pngs
        assert any("+stance" in name for name in doc)
    else:
        assert any("stance model unavailable" in n for n in results["notes"])
    # A second run reads every embedding from the cache.
    hits_before = sorted((tmp_path / "cache").glob("*.npy"))
    run("scifact", config, data=str(data), out=out, limit=50, claims=5, stance=False,
        cache_dir=tmp_path / "cache", log=lambda *a: None)
    assert sorted((tmp_path / "cache").glob("*.npy")) == hits_before


def test_climate_fever_subset_run_reports_sentence_retrieval(config, embedder, tmp_path):
    data = need_shared_data("climate_fever").parent
    out = tmp_path / "cf"
    run("climate-fever", config, data=str(data), out=out, limit=40, claims=5, stance=False,
        retrievers=("lexical", "dense"), cache_dir=tmp_path / "cache", log=lambda *a: None)
    saved = json.loads((out / "results.json").read_text())
    scores = saved["retrieval"]["sentence"]["scores"]
    assert set(scores) == {"lexical (bm25s, our words)", "dense (embedder)"}
    assert (out / "recall_sentences.png").is_file() and (out / "report.md").is_file()


def test_stance_sets_run_when_the_stance_model_is_built(config, embedder, tmp_path):
    if not _stance_built(config):
        pytest.skip("the stance model is not built yet (recoupe models train-stance, then build-stance)")
    data = need_shared_data("xnli_fr").parent
    run("xnli-fr", config, data=str(data), out=tmp_path / "x", limit=6, log=lambda *a: None)
    saved = json.loads((tmp_path / "x" / "results.json").read_text())
    assert set(saved["stance"]["by_language"]) == {"fr-fr", "en-en", "en-fr", "fr-en"}
    assert saved["stance"]["argmax"]["n"] == 24
    run("seeds", config, out=tmp_path / "s", limit=4, log=lambda *a: None)
    seeds = json.loads((tmp_path / "s" / "results.json").read_text())
    assert seeds["verdict"]["scores"]["n"] == 4 and seeds["verdict"]["source"]["claims_with_expected_sources"] == 4


def test_cli_command_parses_its_options():
    from lab.cli.eval_cmd import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["eval", "scifact", "--limit", "200", "--claims", "30", "--retrievers", "lexical", "dense"])
    assert (args.dataset, args.limit, args.claims, args.retrievers) == ("scifact", 200, 30, ["lexical", "dense"])
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", "fever"])
