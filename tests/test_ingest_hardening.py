"""Bad or oversized input never stops an ingest run, and never costs more than the limits allow."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from service.cli.main import main
from service.corpus import Corpus
from service.errors import InvalidInput, TooLarge
from service.ingest.article import Article
from service.ingest.clean import clean_article
from service.ingest.pipeline import passages_for
from service.ingest.segment import split_sentences
from service.limits import MAX_ARTICLE_CHARS, MAX_PASSAGE_CHARS, MAX_PASSAGES_PER_ARTICLE
from service.retrieve.lexical import LexicalIndex
from tests.conftest import SEEDS

GOOD = "Le port du Havre a traité un volume record de conteneurs cette année, selon son directeur."


@pytest.fixture
def corpus(config, embedder, tmp_path):
    c = Corpus(replace(config, data_dir=tmp_path / "data"), embedder)
    yield c
    c.close()


def test_a_deeply_nested_json_file_is_reported_and_the_good_file_beside_it_is_stored(corpus, tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "good.txt").write_text("Le port\n\n" + GOOD)
    summary = corpus.ingest_paths([folder])
    assert summary.articles_added == 1
    assert [e["file"].endswith("deep.json") for e in summary.errors] == [True]
    assert "nested too deeply" in summary.errors[0]["error"]


def test_recoupe_ingest_exits_0_and_lists_the_nested_file(config, embedder, tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "good.txt").write_text("Le port\n\n" + GOOD)
    assert main(["--data-dir", str(tmp_path / "data"), "ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "articles added: 1" in out and "deep.json" in out


def test_a_jsonl_file_with_one_bad_line_keeps_its_good_lines(corpus, tmp_path):
    lines = [json.dumps({"id": "a", "title": "A", "text": GOOD}), "{not json",
             json.dumps({"id": "b", "title": "B", "text": GOOD.replace("Havre", "Marseille")}),
             json.dumps({"id": "c", "title": "C"})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    summary = corpus.ingest_paths([tmp_path / "feed.jsonl"])
    assert summary.articles_added == 2
    assert [e["error"].split(" is ")[0].split(" has ")[0] for e in summary.errors] == [
        "feed.jsonl, line 2", "feed.jsonl, line 4: the record"]
    assert {a.id for a in corpus.index.list_articles()} == {"a", "b"}


def test_a_jsonl_item_with_a_huge_integer_says_so_in_plain_words(corpus, tmp_path):
    (tmp_path / "feed.jsonl").write_text('{"id": ' + "9" * 5000 + ', "text": "x y z w"}\n'
                                         + json.dumps({"id": "ok", "text": GOOD}) + "\n")
    summary = corpus.ingest_paths([tmp_path / "feed.jsonl"])
    assert summary.articles_added == 1
    assert "too many digits" in summary.errors[0]["error"] and "sys." not in summary.errors[0]["error"]


def test_an_article_without_any_passage_is_not_stored(corpus, tmp_path):
    (tmp_path / "empty.json").write_text(json.dumps([{"id": "noise", "text": "!!! ??? ... Oui."},
                                                     {"id": "fine", "text": GOOD}]))
    summary = corpus.ingest_paths([tmp_path / "empty.json"])
    assert summary.articles_added == 1 and [a.id for a in corpus.index.list_articles()] == ["fine"]
    assert "no passage to index" in summary.errors[0]["error"]


def test_an_article_over_the_size_limit_is_refused_before_it_is_split(tmp_path):
    article_text = "Un fait. " * (MAX_ARTICLE_CHARS // 9 + 10)
    (tmp_path / "huge.json").write_text(json.dumps({"id": "huge", "text": article_text}))
    from service.ingest.loaders import load_file

    with pytest.raises(TooLarge) as caught:
        load_file(tmp_path / "huge.json")
    assert caught.value.status == 413 and "split it" in caught.value.message


def test_an_article_with_too_many_sentences_is_refused():
    text = " ".join(f"La phrase numéro {n} dit une chose différente." for n in range(MAX_PASSAGES_PER_ARTICLE + 1))
    article = Article(id="many", title="t", text=text, source="s", language="fr")
    with pytest.raises(TooLarge, match="distinct sentences"):
        passages_for(article)


def test_no_searchable_word_anywhere_does_not_break_lexical_search(corpus):
    # Every passage made of stop words only: BM25 has no vocabulary at all.
    corpus.ingest_articles([Article(id="stop", title="t", text="Il y a eu de la.", source="s", language="fr")])
    assert corpus.stats()["passages"] == 1
    assert LexicalIndex(corpus.index).search("Kim Kardashian", "fr", 5) == []


def _best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def test_splitting_one_long_paragraph_grows_linearly_not_quadratically():
    # A scaling check, not a speed goal (that is `recoupe bench segment`): per character, a
    # 160 kB paragraph must not cost several times a 20 kB one (quadratic splitting: ~8x).
    seeds = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in sorted(SEEDS.glob("*.txt")))
    small, large = (seeds * 40)[:20_000], (seeds * 40)[:160_000]
    per_char_small = _best_of(3, lambda: split_sentences(small)) / len(small)
    per_char_large = _best_of(2, lambda: split_sentences(large)) / len(large)
    assert per_char_large < 2.5 * per_char_small, (per_char_small, per_char_large)


def test_a_long_paragraph_read_in_windows_splits_exactly_as_in_one_pass(monkeypatch):
    from service.ingest import segment

    seeds = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in sorted(SEEDS.glob("*.txt")))
    text = (seeds * 8)[:30_000]
    windowed = split_sentences(text)
    monkeypatch.setattr(segment, "WINDOW", 10**9)
    assert windowed == split_sentences(text) and len(windowed) > 100


def test_the_loaders_refuse_nothing_they_used_to_accept_from_the_seeds(corpus):
    assert corpus.ingest_paths([SEEDS]).errors == []


def test_invalid_input_from_a_bad_record_names_where(tmp_path):
    from service.ingest.loaders import load_file

    (tmp_path / "x.jsonl").write_text('{"text": "a b c"}\n[1]\n')
    with pytest.raises(InvalidInput, match="line 2"):
        load_file(tmp_path / "x.jsonl")


def test_one_long_token_in_an_article_is_split_in_seconds_into_bounded_passages():
    # The outside probe's article: 150,000 characters without a space took 38 s (a quadratic link pattern).
    text = "Kim Kardashian publie sur Instagram chaque jour. " + "x" * 150_000 + " Une autre phrase ici."
    started = time.process_time()
    passages = passages_for(Article(id="long-token", title="t", text=text, source="s", language="fr"))
    assert time.process_time() - started < 5
    assert passages[0].text == "Kim Kardashian publie sur Instagram chaque jour."
    assert all(len(p.text) <= MAX_PASSAGE_CHARS and p.text == text[p.start : p.end] for p in passages)


def test_a_line_of_underscores_is_cleaned_in_linear_time():
    # An asset-name debris rule took cubic time on such a line (2,000 underscores never finished).
    started = time.process_time()
    cleaned = clean_article("Un titre\n" + "_" * 200_000 + "!\nLe port du Havre a battu un record cette année.")
    assert time.process_time() - started < 5
    assert "Le port du Havre" in cleaned.text
