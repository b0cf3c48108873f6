"""The reliability campaign in small: `recoupe bench crash|abuse|fuzz|soak` run end to end, each meeting its
targets (the full-size runs are benchmarks; their figures are in the README)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.corpus import Corpus
from tests.conftest import SEEDS, need_stance_model


@pytest.fixture(scope="module")
def seeded_config(config, embedder, tmp_path_factory):
    cfg = replace(config, data_dir=tmp_path_factory.mktemp("campaign") / "data")
    corpus = Corpus(cfg, embedder)
    corpus.ingest_paths([SEEDS])
    corpus.close()
    return cfg


def test_kills_during_ingest_never_corrupt_lose_or_duplicate(seeded_config):
    from lab.bench.crash import run

    result = run(seeded_config, kills=3, articles=12, log=lambda m: None)
    assert result["corrupt_or_inconsistent_after_a_kill"] == 0, result["per_kill"]
    assert result["final_ingest_exit_status"] == 0 and result["final_store_identical_to_clean_ingest"]
    assert result["lost_articles"] == 0


def test_health_answers_under_slow_clients_and_oversized_bodies_and_limits_bite(seeded_config):
    need_stance_model(seeded_config)
    from lab.bench.abuse import run

    result = run(seeded_config, slow_clients=8, seconds=5, log=lambda m: None)
    assert result["health"]["failures"] == 0 and result["health"]["max_ms"] < 5000, result["health"]
    assert result["targets"]["429_after_the_limit"] and result["targets"]["oversized_bodies_413"], result
    assert result["ingest_1mb"]["status"] == 201
    probe = result["targets"]  # issue 21's outside probe
    assert probe["long_token_article_stored"] and probe["cross_site_writes_403"], result
    assert probe["batch_named_in_chinese_202"] and probe["page_form_over_limit_413"], result


def test_generated_requests_find_no_server_error_or_schema_violation(seeded_config):
    need_stance_model(seeded_config)
    from lab.bench.fuzz import run

    result = run(seeded_config, max_examples=2, seed=1, log=lambda m: None)
    assert result["test_cases"] > 100
    assert result["server_errors"] == 0 and result["schema_violations"] == 0, result["output_tail"]


def test_a_short_soak_has_no_error_and_exact_counts(seeded_config):
    need_stance_model(seeded_config)
    from lab.bench.soak import run

    result = run(seeded_config, clients=4, minutes=0.3, log=lambda m: None)
    assert result["errors"] == 0, result["error_examples"]
    assert result["articles"]["final"] == result["articles"]["expected"]
    assert result["verify"]["requests"] > 0 and result["add"]["requests"] > 0
