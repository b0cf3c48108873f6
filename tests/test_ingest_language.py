"""Sentence language tags: quotes in another language are recognised, fragments are not guessed."""

from service.ingest.language import detect_language


def test_english_sentence_in_a_french_article_is_tagged_english():
    text = "Storm Ciaran hit the coast of Brittany on Thursday night, cutting power to a million homes."
    assert detect_language(text, default="fr") == "en"


def test_french_sentence_is_tagged_french():
    assert detect_language("Le maire a confirmé jeudi que les travaux commenceront en mars.", default="en") == "fr"


def test_short_fragment_keeps_the_article_language():
    assert detect_language("Stop Hate for Profit", default="fr") == "fr"


def test_links_and_handles_do_not_count_as_words():
    assert detect_language("@KimKardashian https://t.co/abc #StopHate 2020", default="fr") == "fr"
