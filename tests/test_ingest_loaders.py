"""Each supported file format loads into the same kind of Article."""

from pathlib import Path

import pytest

from service.errors import InvalidInput
from service.ingest.loaders import iter_files, load_file
from service.ingest.pipeline import load_and_split

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
FORMATS = FIXTURES / "formats"


def test_txt_first_line_is_the_title_and_debris_is_gone():
    [article] = load_file(FORMATS / "article.txt")
    assert article.id == "article"
    assert article.title == "La mairie de Lyon ouvre trois nouvelles pistes cyclables"
    assert article.text.startswith("Les travaux, d’un montant de 1 200 000 euros")
    for debris in ("App_Store", "À lire aussi", "Leave a Reply", article.title):
        assert debris not in article.text
    assert article.source == "article.txt"
    assert article.language == "fr"  # detected: the file does not say


def test_json_object_keeps_every_given_field():
    [article] = load_file(FORMATS / "article.json")
    assert (article.id, article.title, article.url, article.source, article.published_at, article.language) == (
        "lyon-velo-2021",
        "Lyon mise sur le vélo",
        "https://example.org/lyon-velo",
        "Le Progrès (exemple)",
        "2021-02-03",
        "fr",
    )


def test_json_list_gives_one_article_per_item_with_stable_ids():
    articles = load_file(FORMATS / "articles.json")
    assert [a.id for a in articles] == ["articles-1", "articles-2"]
    assert [a.title for a in articles] == ["Grenoble interdit les panneaux publicitaires", "Bordeaux plante des arbres"]
    assert all(a.source == "articles.json" for a in articles)
    assert load_file(FORMATS / "articles.json") == articles  # same file, same ids


def test_jsonl_reads_one_article_per_line_and_skips_blank_lines():
    nantes, storm = load_file(FORMATS / "feed.jsonl")
    assert nantes.id == "feed-1" and nantes.published_at == "2022-05" and nantes.language == "fr"
    assert storm.id == "42" and storm.language == "en"


def test_html_main_text_is_extracted_without_menus_or_footer():
    [article] = load_file(FORMATS / "page.html")
    assert article.title == "Marseille rénove ses écoles"
    assert article.source == "La Gazette du Sud"
    assert article.url == "https://gazette.example/marseille-ecoles"
    assert article.published_at == "2021-09-02"
    assert article.language == "fr"
    assert article.text.startswith("Le président de la République a annoncé jeudi")
    for debris in ("Accueil", "Politique", "Leave a Reply", "Tous droits réservés"):
        assert debris not in article.text


def test_sidecar_metadata_overrides_what_the_file_says():
    [article] = load_file(FIXTURES / "sidecar" / "note.txt")
    assert article.title == "Toulouse ouvre une troisième ligne de métro"
    assert article.source == "La Dépêche (exemple)"
    assert article.published_at == "2023-01-15"
    assert article.url is None  # null in the sidecar means "no override"
    assert article.text == (
        "La troisième ligne du métro toulousain comptera 21 stations. Sa mise en service est prévue pour 2028."
    )


def test_sidecar_with_a_misspelt_field_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text("Titre\n\nUne phrase de corps assez longue.\n", encoding="utf-8")
    (tmp_path / "metadata.json").write_text('{"a.txt": {"titel": "Faute de frappe"}}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown field.*titel"):
        load_file(tmp_path / "a.txt")


def test_utf8_file_with_bom_loads(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffTitre avec BOM\n\nLe corps de l’article est en UTF-8.\n".encode("utf-8"))
    [article] = load_file(path)
    assert article.title == "Titre avec BOM"


def test_folder_expands_recursively_in_sorted_order_without_sidecars(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("b/z.txt", "a.json", "b/metadata.json", "notes.md", ".hidden/x.txt", "c.HTML"):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)] == ["a.json", "b/z.txt", "c.HTML"]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="No such file or folder"):
        list(iter_files(tmp_path / "nope"))


def test_load_and_split_returns_passages_that_round_trip():
    results = load_and_split(FORMATS)
    assert len(results) == 7  # 1 txt + 1 json + 2 json list + 2 jsonl + 1 html
    for article, passages in results:
        assert passages
        assert all(article.text[p.start : p.end] == p.text for p in passages)
