"""recoupe bench speed: the int8 bound arithmetic and the ratios beside the targets."""

from __future__ import annotations

from lab.bench.speed import flops_per_token, int8_bound, ratios


def test_flops_per_token_counts_the_dense_layers_twice_per_weight_and_attention():
    dense = 12 * 2 * (4 * 384 * 384 + 2 * 384 * 1536)
    assert dense == 42_467_328
    assert flops_per_token(30) == dense + 12 * 2 * 2 * 30 * 384


def test_the_bound_is_cores_times_clock_times_int8_ops_per_cycle():
    b = int8_bound(100.0, 30.0, cores=2)
    if b["mhz"]:  # a machine without /proc/cpuinfo has no clock to read
        assert b["peak_gops"] == round(2 * b["mhz"] * 1e6 * 128 / 1e9, 1)
        assert abs(b["fraction"] - 100 * 30 * flops_per_token(30) / (b["peak_gops"] * 1e9)) < 1e-3
        assert abs(b["bound_sentences_per_s"] * b["fraction"] - 100.0) < 0.5


def test_ratios_are_this_over_baseline_per_level():
    def level(n, p50, p95, rps):
        return {"clients": n, "latency_ms": {"p50": p50, "p95": p95}, "throughput_rps": rps}

    out = {"latency": {"baseline": {"levels": [level(1, 300, 400, 3.0), level(16, 3000, 4000, 4.0)]},
                       "this": {"levels": [level(1, 150, 200, 6.0), level(16, 2000, 1000, 10.0)]}},
           "check": {"baseline": {"claims_per_s": 2.0}, "this": {"claims_per_s": 5.0}}}
    r = ratios(out)
    assert r["1_clients"] == {"p50": 0.5, "p95": 0.5, "throughput": 2.0}
    assert r["16_clients"]["throughput"] == 2.5 and r["16_clients"]["p95"] == 0.25
    assert r["check_claims_per_s"] == 2.5


def test_the_scifact_subset_holds_the_abstracts_its_claims_cite_and_reads_as_a_claims_file(tmp_path):
    import json

    from lab.bench.scifact_subset import write_subset
    from service.check.inputs import Row, read_claims
    from lab.evaluate.datasets import load_scifact
    from tests.conftest import need_shared_data

    data = need_shared_data("scifact").parent
    summary = write_subset(tmp_path, data, abstracts=60, claims=5)
    articles = [json.loads(line) for line in (tmp_path / "articles.jsonl").read_text().splitlines()]
    assert summary["abstracts"] == len(articles) == 60 and summary["claims"] == 5
    rows = [r for r in read_claims(tmp_path / "claims.csv") if isinstance(r, Row)]
    assert len(rows) == 5
    ids = {a["id"] for a in articles}
    for claim in load_scifact(data, limit=60, claims=5).claims:
        assert {f"scifact-{d}" for d in claim.relevant_docs} <= ids
