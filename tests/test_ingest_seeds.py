"""The four messy seed articles come out as clean, unique, well-tagged passages."""

import json
from pathlib import Path

import pytest

from service.ingest.pipeline import load_and_split

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# Page debris seen in the seeds; none of it may reach the index.
DEBRIS = [
    "Download_on_the_App_Store_Badge",
    "Leave a Reply",
    "Your email address will not be published",
    "Required fields are marked",
    "This site uses Akismet",
    "Dernières nouvelles",
    "A lire aussi",
    "À lire aussi",
    "Découvrir plus d'articles sur",
    "platform.twitter.com/widgets.js",
    "platform.instagram.com",
    "date 2020-09",
]


@pytest.fixture(scope="module")
def seeds():
    return {article.id: (article, passages) for article, passages in load_and_split(SEEDS)}


def test_all_four_seeds_load_and_the_sidecar_is_not_an_article(seeds):
    assert sorted(seeds) == [
        "000_c9a7ba25d01f7fbf",
        "001_02f4a29d416a7b30",
        "002_2d02040bb30b1af3",
        "003_525ca13e8105f9df",
    ]
    assert all(passages for _, passages in seeds.values())


def test_no_page_debris_survives_as_a_passage(seeds):
    for article, passages in seeds.values():
        for passage in passages:
            for debris in DEBRIS:
                assert debris.casefold() not in passage.text.casefold(), (article.id, passage.text)
        for debris in DEBRIS:
            assert debris.casefold() not in article.text.casefold(), (article.id, debris)


def test_no_passage_appears_twice_in_an_article(seeds):
    for article, passages in seeds.values():
        texts = [p.text.casefold() for p in passages]
        assert len(texts) == len(set(texts)), article.id


def test_offsets_point_at_the_passage_text(seeds):
    for article, passages in seeds.values():
        for p in passages:
            assert article.text[p.start : p.end] == p.text
        assert [p.position for p in passages] == list(range(len(passages)))


def test_neighbouring_sentences_give_context(seeds):
    _, passages = seeds["000_c9a7ba25d01f7fbf"]
    assert passages[0].prev_text == "" and passages[-1].next_text == ""
    for before, current in zip(passages, passages[1:]):
        assert current.prev_text == before.text and before.next_text == current.text


def test_english_tweet_quoted_in_french_article_is_tagged_english(seeds):
    _, passages = seeds["002_2d02040bb30b1af3"]
    tweet = [p for p in passages if p.text.startswith("I love that I can connect directly with you through Instagram")]
    assert len(tweet) == 1
    assert tweet[0].language == "en"
    assert all(p.language == "fr" for p in passages if p is not tweet[0])


def test_titles_come_from_metadata_json(seeds):
    sidecar = json.loads((SEEDS / "metadata.json").read_text(encoding="utf-8"))
    for article, _ in seeds.values():
        entry = sidecar[Path(article.path).name]
        assert article.title == entry["title"]
        assert article.language == "fr"
        assert article.source == Path(article.path).name


def test_date_marker_becomes_published_at_not_text(seeds):
    article, passages = seeds["002_2d02040bb30b1af3"]
    assert article.published_at == "2020-09"
    assert article.text.startswith("Hier, quelques célébrités")
    assert passages[0].text.startswith("Hier, quelques célébrités")  # no headline line: nothing lost


def test_repeated_title_in_003_appears_once(seeds):
    article, passages = seeds["003_525ca13e8105f9df"]
    headline = "Plusieurs stars dont Kim Kardashian et Leonardo DiCaprio boycottent Facebook et Instagram"
    assert article.title.startswith(headline)
    assert headline not in article.text  # the echo under the title is gone from the body
    assert not [p for p in passages if headline in p.text]


def test_repeated_caption_in_001_appears_once(seeds):
    article, passages = seeds["001_02f4a29d416a7b30"]
    caption = "Kim Kardashian aux côtés de Kanye West son mari candidat à l'élection présidentielle américaine"
    assert article.text.count(caption) == 1
    assert [p.text for p in passages].count(caption) == 1


def test_photo_credit_is_not_a_passage_but_the_caption_is(seeds):
    _, passages = seeds["003_525ca13e8105f9df"]
    texts = [p.text for p in passages]
    assert "Kim Kardashian West le 9 février 2020 à Los Angeles." in texts
    assert not [t for t in texts if "Getty Images" in t]
