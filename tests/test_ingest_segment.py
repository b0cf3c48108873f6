"""French sentence splitting: each test names what a reader would see go wrong."""

from service.ingest.segment import split_sentences

NNBSP = "\u202f"  # narrow no-break space, French thousands separator
NBSP = "\u00a0"


def sentences(text: str, language: str = "fr") -> list[str]:
    spans = split_sentences(text, language)
    for start, end in spans:
        assert text[start:end] == text[start:end].strip(), "spans must be trimmed"
    return [text[start:end] for start, end in spans]


def test_quote_in_guillemets_stays_whole_and_next_sentence_splits_off():
    text = "Sur Twitter, elle a écrit : « Je ne peux pas rester silencieuse. Ces plateformes propagent la haine. » Puis elle a cessé de publier."
    assert sentences(text) == [
        "Sur Twitter, elle a écrit : « Je ne peux pas rester silencieuse. Ces plateformes propagent la haine. »",
        "Puis elle a cessé de publier.",
    ]


def test_quote_keeps_its_attribution_after_the_closing_guillemet():
    text = "« Quelle est l’ampleur de ce mouvement ? » s’interroge le journal. Personne ne le sait."
    assert sentences(text) == [
        "« Quelle est l’ampleur de ce mouvement ? » s’interroge le journal.",
        "Personne ne le sait.",
    ]


def test_curly_quotes_with_attribution_are_one_sentence_each():
    text = "“J’adore Instagram”, a-t-elle publié mardi. “Mais je ne peux pas rester silencieuse…”"
    assert sentences(text) == [
        "“J’adore Instagram”, a-t-elle publié mardi.",
        "“Mais je ne peux pas rester silencieuse…”",
    ]


def test_em_dash_dialogue_lines_are_separate_sentences():
    text = "— Nous ne publierons rien mercredi, a déclaré la star. — C’est une erreur, a répondu M. Zuckerberg."
    assert sentences(text) == [
        "— Nous ne publierons rien mercredi, a déclaré la star.",
        "— C’est une erreur, a répondu M. Zuckerberg.",
    ]


def test_em_dash_aside_does_not_cut_a_sentence():
    text = "Ces plateformes propagent la désinformation — créée par des groupes — pour diviser. Fin du texte."
    assert sentences(text)[0] == "Ces plateformes propagent la désinformation — créée par des groupes — pour diviser."


def test_titles_and_abbreviations_do_not_end_sentences():
    text = (
        "M. Dupont et MM. Durand et Martin sont venus. Mme Durand aussi. Le Dr Martin aussi. "
        "Il est né en 50 av. J.-C. à Rome. Il y a p. ex. des pommes. Les U.S. ont voté."
    )
    assert sentences(text) == [
        "M. Dupont et MM. Durand et Martin sont venus.",
        "Mme Durand aussi.",
        "Le Dr Martin aussi.",
        "Il est né en 50 av. J.-C. à Rome.",
        "Il y a p. ex. des pommes.",
        "Les U.S. ont voté.",
    ]


def test_decimal_comma_does_not_split_a_number():
    assert sentences("Le taux est de 27,5 % cette année. C'est beaucoup.") == [
        "Le taux est de 27,5 % cette année.",
        "C'est beaucoup.",
    ]


def test_thousands_with_any_space_stay_in_one_sentence():
    text = f"Plus de 1{NNBSP}200 annonceurs ont quitté. Le mémo fait 6{NBSP}600 mots. Et 1 200 autres ont suivi."
    assert sentences(text) == [
        f"Plus de 1{NNBSP}200 annonceurs ont quitté.",
        f"Le mémo fait 6{NBSP}600 mots.",
        "Et 1 200 autres ont suivi.",
    ]


def test_ellipsis_ends_a_sentence_when_a_new_one_starts():
    assert sentences("Il attendait… Rien ne vint. Puis enfin... Elle arriva.") == [
        "Il attendait…",
        "Rien ne vint.",
        "Puis enfin...",
        "Elle arriva.",
    ]


def test_tweet_link_and_handle_do_not_cut_the_tweet():
    text = "split America apart pic.twitter.com/XkxzABn7qw — Kim Kardashian West (@KimKardashian) September 15, 2020"
    assert sentences(text, "en") == [text]


def test_url_query_string_does_not_end_a_sentence():
    assert sentences("Voir https://www.example.com/a.b?x=1. Puis la suite.") == [
        "Voir https://www.example.com/a.b?x=1.",
        "Puis la suite.",
    ]


def test_sentences_never_run_across_a_blank_line():
    text = "Un paragraphe sans point final\n\nUn autre paragraphe. Une phrase de plus"
    assert sentences(text) == ["Un paragraphe sans point final", "Un autre paragraphe.", "Une phrase de plus"]


def test_hard_wrapped_line_is_rejoined_into_one_sentence():
    text = "Le maire a confirmé que les travaux\ncommenceront en mars. Fin."
    assert sentences(text) == ["Le maire a confirmé que les travaux\ncommenceront en mars.", "Fin."]


def test_punctuation_only_pieces_are_not_sentences():
    assert sentences("  ...  \n\n « » \n\nVraie phrase.") == ["Vraie phrase."]


def test_spans_point_into_the_original_text():
    text = "  Première phrase.   Deuxième phrase !\n\n  Troisième ?  "
    spans = split_sentences(text, "fr")
    assert [text[a:b] for a, b in spans] == ["Première phrase.", "Deuxième phrase !", "Troisième ?"]
