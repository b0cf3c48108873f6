"""The corpus screen: the articles with counts by language, source and month; upload; delete with the
list of saved checks that cited the article, or retract it (deleted, and every saved check that cited it
says so, with the reason: `Desk.retract`). Uploads go through `Corpus.ingest_paths` (what
`recoupe ingest` runs), deletions through `Services.delete_article` (what `DELETE /v1/articles/<id>`
runs); both need the API key, typed in the form, when the server has one."""

from __future__ import annotations

from pathlib import Path

from flask import redirect, render_template, request, url_for

from service.api.auth import key_configured
from service.api.services import services
from service.api.uploads import saved_uploads, sent_files
from service.errors import InvalidInput
from service.index.counts import article_counts
from service.api.history_schemas import ArticleMetaIn
from service.ingest.loaders import SUPPORTED_EXTENSIONS, load_file
from service.ingest.reasons import entry_text
from service.page.keys import key_refusal
from service.page.views import bp
from service.translations import N_
from service.translations.locale import request_words

PAGE_SIZE = 50
MAX_FILES = 20


@bp.get("/corpus")
def corpus():
    return _corpus_page()


@bp.post("/corpus/upload")
def corpus_upload():
    refused = key_refusal()
    if refused:
        return _corpus_page(key_refused=refused), 401
    files = sent_files(request.files.getlist("files"))
    if not files:
        raise InvalidInput(N_("choose at least one file to upload"))
    if len(files) > MAX_FILES:
        raise InvalidInput(N_("upload at most %(n)s files at a time"), values={"n": MAX_FILES})
    # what a .txt file cannot say itself (its first line is the title): source, date and address, from the form
    given = ArticleMetaIn(only=("source", "url", "published_at")).load(
        {k: v for k in ("source", "url", "published_at") if (v := request.form.get(f"txt_{k}", "").strip())})
    with saved_uploads(files) as saved:
        corpus = services().corpus
        summary = corpus.ingest_paths([path for path, _ in saved])
        if given:
            for path in (p for p, _ in saved if p.suffix.lower() == ".txt"):
                for article in load_file(path, errors=[]):
                    if corpus.index.content_hash_of(article.id) is not None:  # ingested (not refused)
                        services().update_article(article.id, **given)
    # each refusal worded in the reader's language from its code and values (the summary's `error` is English)
    w = request_words()
    errors = [{"file": Path(e["file"]).name, "error": entry_text(e, w)} for e in summary.errors]
    return _corpus_page(summary=summary, errors=errors), 400 if errors and not summary.articles_added \
        and not summary.articles_replaced and not summary.duplicates_skipped else 200


@bp.get("/corpus/<path:article_id>/delete")
def corpus_delete_confirm(article_id: str):
    return _delete_page(article_id)


def _delete_page(article_id: str, refused: dict | None = None):
    article = services().corpus.index.get_article(article_id)
    cited, total = services().desk.history(article_id=article_id, limit=100)
    return render_template("delete.html", article=article, cited=cited, cited_total=total,
                           needs_key=key_configured(), refused=refused)


@bp.post("/corpus/<path:article_id>/delete")
def corpus_delete(article_id: str):
    refused = key_refusal()
    if refused:
        return _delete_page(article_id, {"form": "delete", "text": refused}), 401
    removed = services().delete_article(article_id)
    return redirect(url_for(".corpus", deleted=removed["id"]), 303)


@bp.post("/corpus/<path:article_id>/retract")
def corpus_retract(article_id: str):
    refused = key_refusal()
    if refused:
        return _delete_page(article_id, {"form": "retract", "text": refused}), 401
    retraction, _ = services().desk.retract(article_id, request.form.get("reason", ""))
    return redirect(url_for(".corpus", retracted=retraction.article_id), 303)


def _corpus_page(summary=None, errors=None, key_refused: str | None = None):
    s = services()
    offset = max(request.args.get("offset", 0, type=int), 0)
    listing = s.list_articles(PAGE_SIZE, offset)
    refs = s.corpus.index.list_articles()
    cited = {a.id: s.desk.history(article_id=a.id, limit=1)[1] for a in listing["articles"]}
    return render_template("corpus.html", listing=listing, counts=article_counts(refs), stats=s.stats(),
                           cited=cited, summary=summary, errors=errors or [], deleted=request.args.get("deleted"),
                           retracted=request.args.get("retracted"),
                           needs_key=key_configured(), extensions=", ".join(SUPPORTED_EXTENSIONS),
                           max_files=MAX_FILES, key_refused=key_refused)


@bp.post("/articles/<path:article_id>/metadata")
def article_metadata(article_id: str):
    """The article page's form: title, source, original address and date, edited in place (what
    PATCH /v1/articles/<id> does); the API key typed in the form when the server has one."""
    from service.page.views import article_view

    refused = key_refusal()
    if refused:
        return article_view(article_id, key_refused=refused), 401
    fields = ("title", "source", "url", "published_at")
    changes = ArticleMetaIn().load({k: request.form.get(k, "").strip() for k in fields if k in request.form})
    changes = {k: (v or None) if k in ("url", "published_at") else v for k, v in changes.items()}
    services().update_article(article_id, **changes)
    return redirect(url_for(".article_view", article_id=article_id) + "#metadata", 303)
