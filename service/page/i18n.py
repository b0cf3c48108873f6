"""The page's words in French and English, and which of the two a request gets.

A dictionary rather than gettext catalogues (Flask-Babel): two languages and
about a hundred strings, read by templates through `t(key, **values)`; a
missing key fails the tests (tests/test_page_views.py checks both tables have
the same keys) instead of showing English to a French reader.

Language: `?lang=fr|en` (the switch; remembered in a cookie), else that
cookie, else the browser's Accept-Language, else English.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("fr", "en")
COOKIE = "recoupe_lang"

STRINGS = {
    "en": {
        "app_tagline": "Check a claim against your newsroom's own archive",
        "colon": ": ",
        "skip": "Skip to the content",
        "nav": "Main",
        "nav_check": "Check a claim",
        "nav_history": "Past checks",
        "nav_api": "API documentation",
        "switch_label": "Language of the interface",
        "switch_to": "Français",
        "claim_label": "Claim to check",
        "claim_help": "A statement in French or English, up to 1,000 characters.",
        "examples": "Example claims",
        "filters": "Filters",
        "f_sources": "Sources",
        "f_languages": "Languages of the evidence",
        "f_all": "all when none is ticked",
        "f_date_from": "Published from",
        "f_date_to": "Published until",
        "f_top_k": "Passages to weigh (top k)",
        "check": "Check",
        "checking": "Checking… the models read every passage, this takes a few seconds.",
        "form_errors": "The claim could not be checked:",
        "corpus_counts": "{articles} articles, {passages} passages in the corpus",
        "verdict": "Verdict",
        "v_supported": "Supported",
        "v_refuted": "Refuted",
        "v_conflicting": "Conflicting sources",
        "v_not_enough_evidence": "Not enough evidence",
        "confidence": "calibrated confidence {value}",
        "explanation": "Why",
        "after_review": "Verdict after review of {n} passage(s); the models alone said: {verdict} ({confidence}).",
        "saved_at": "Checked on {when}",
        "permalink": "Permanent link to this check",
        "provenance": "How this check was run",
        "p_generation": "corpus generation {then}",
        "p_models": "models",
        "p_settings": "settings",
        "corpus_changed": "The corpus has changed since this check (generation {then}, now {now}): "
                          "what is shown is what was found then; check the claim again to see today's evidence.",
        "corpus_same": "The corpus has not changed since this check.",
        "recheck": "Check again",
        "g_supports": "Supports",
        "g_refutes": "Refutes",
        "g_neutral": "Does not decide",
        "empty_supports": "No supporting passage among {n} retrieved.",
        "empty_refutes": "No refuting passage among {n} retrieved.",
        "empty_neutral": "Every passage among {n} retrieved supports or refutes the claim.",
        "evidence_item": "Evidence {n}",
        "stance": "Stance",
        "s_supports": "supports",
        "s_refutes": "refutes",
        "s_neutral": "does not decide",
        "probabilities": "stance model: supports {supports}, neutral {neutral}, refutes {refutes}",
        "evidence_score": "bears on the claim: {score}; strength {strength}",
        "checks": "Number and date checks",
        "c_kind": "what",
        "c_claim": "in the claim",
        "c_passage": "in the passage",
        "c_outcome": "outcome",
        "k_quantity": "number",
        "k_date": "date",
        "k_weekday": "weekday",
        "o_match": "same value",
        "o_conflict": "conflict",
        "o_other_event": "not the same event: not compared",
        "o_other_entity": "about someone else: not compared",
        "sources": "Sources",
        "open_article": "Open the article",
        "original": "original page",
        "lang_badge": "language: {name}",
        "lang_fr": "French",
        "lang_en": "English",
        "no_date": "undated",
        "review": "Review",
        "review_help": "Keys: j / k next / previous passage, a accept, x reject, s / r / n set the stance to "
                       "supports / refutes / does not decide, u undo this passage's last review.",
        "reviewer": "Your name (saved with each review)",
        "api_key": "API key (when the server asks for one; kept in this tab only)",
        "note": "Note",
        "accept": "Accept",
        "reject": "Reject",
        "set_stance": "Set the stance",
        "undo": "Undo",
        "reviewed_by": "Reviewed by {who} on {when}: {action}, {stance}.",
        "a_accept": "accepted",
        "a_reject": "rejected",
        "a_stance": "stance given",
        "not_reviewed": "Not reviewed yet.",
        "needs_js": "Reviewing needs JavaScript.",
        "review_saved": "Review saved; the verdict was recomputed.",
        "review_failed": "The review was not saved: {why}",
        "need_name": "type your name first",
        "history": "Past checks",
        "h_search": "Search the claims",
        "h_verdict": "Verdict",
        "h_any": "any",
        "h_filter": "Filter",
        "h_when": "Checked",
        "h_claim": "Claim",
        "h_confidence": "Confidence",
        "h_reviewed": "Reviewed",
        "h_none": "No saved check matches.",
        "h_count": "{n} check(s)",
        "yes": "yes",
        "no": "no",
        "article": "Article",
        "a_published": "published {date}",
        "a_back": "Back to the check",
        "a_passage": "The passage is highlighted below.",
        "error": "Something went wrong",
        "home": "Back to the claim box",
    },
    "fr": {
        "app_tagline": "Vérifier une affirmation dans les archives de votre rédaction",
        "colon": " : ",
        "skip": "Aller au contenu",
        "nav": "Principal",
        "nav_check": "Vérifier une affirmation",
        "nav_history": "Vérifications passées",
        "nav_api": "Documentation de l'API",
        "switch_label": "Langue de l'interface",
        "switch_to": "English",
        "claim_label": "Affirmation à vérifier",
        "claim_help": "Une phrase en français ou en anglais, 1 000 caractères au plus.",
        "examples": "Exemples d'affirmations",
        "filters": "Filtres",
        "f_sources": "Sources",
        "f_languages": "Langues des passages",
        "f_all": "toutes si aucune n'est cochée",
        "f_date_from": "Publié à partir du",
        "f_date_to": "Publié jusqu'au",
        "f_top_k": "Passages à peser (top k)",
        "check": "Vérifier",
        "checking": "Vérification… les modèles lisent chaque passage, cela prend quelques secondes.",
        "form_errors": "L'affirmation n'a pas pu être vérifiée :",
        "corpus_counts": "{articles} articles, {passages} passages dans le corpus",
        "verdict": "Verdict",
        "v_supported": "Soutenue",
        "v_refuted": "Réfutée",
        "v_conflicting": "Sources contradictoires",
        "v_not_enough_evidence": "Pas assez d'éléments",
        "confidence": "confiance calibrée {value}",
        "explanation": "Pourquoi",
        "after_review": "Verdict après relecture de {n} passage(s) ; les modèles seuls disaient : {verdict} "
                        "({confidence}).",
        "saved_at": "Vérifiée le {when}",
        "permalink": "Lien permanent vers cette vérification",
        "provenance": "Conditions de cette vérification",
        "p_generation": "génération du corpus {then}",
        "p_models": "modèles",
        "p_settings": "réglages",
        "corpus_changed": "Le corpus a changé depuis cette vérification (génération {then}, aujourd'hui {now}) : "
                          "ce qui est affiché est ce qui avait été trouvé ; vérifiez à nouveau pour voir les "
                          "éléments d'aujourd'hui.",
        "corpus_same": "Le corpus n'a pas changé depuis cette vérification.",
        "recheck": "Vérifier à nouveau",
        "g_supports": "Soutiennent",
        "g_refutes": "Réfutent",
        "g_neutral": "Ne tranchent pas",
        "empty_supports": "Aucun passage ne soutient l'affirmation parmi les {n} trouvés.",
        "empty_refutes": "Aucun passage ne réfute l'affirmation parmi les {n} trouvés.",
        "empty_neutral": "Chacun des {n} passages trouvés soutient ou réfute l'affirmation.",
        "evidence_item": "Élément {n}",
        "stance": "Position",
        "s_supports": "soutient",
        "s_refutes": "réfute",
        "s_neutral": "ne tranche pas",
        "probabilities": "modèle de position : soutient {supports}, neutre {neutral}, réfute {refutes}",
        "evidence_score": "porte sur l'affirmation : {score} ; force {strength}",
        "checks": "Contrôle des nombres et des dates",
        "c_kind": "quoi",
        "c_claim": "dans l'affirmation",
        "c_passage": "dans le passage",
        "c_outcome": "résultat",
        "k_quantity": "nombre",
        "k_date": "date",
        "k_weekday": "jour",
        "o_match": "même valeur",
        "o_conflict": "désaccord",
        "o_other_event": "pas le même événement : non comparé",
        "o_other_entity": "concerne quelqu'un d'autre : non comparé",
        "sources": "Sources",
        "open_article": "Ouvrir l'article",
        "original": "page d'origine",
        "lang_badge": "langue : {name}",
        "lang_fr": "français",
        "lang_en": "anglais",
        "no_date": "non daté",
        "review": "Relecture",
        "review_help": "Touches : j / k passage suivant / précédent, a accepter, x rejeter, s / r / n donner la "
                       "position soutient / réfute / ne tranche pas, u annuler la dernière relecture du passage.",
        "reviewer": "Votre nom (enregistré avec chaque relecture)",
        "api_key": "Clé d'API (si le serveur en demande une ; gardée dans cet onglet seulement)",
        "note": "Note",
        "accept": "Accepter",
        "reject": "Rejeter",
        "set_stance": "Donner la position",
        "undo": "Annuler",
        "reviewed_by": "Relu par {who} le {when} : {action}, {stance}.",
        "a_accept": "accepté",
        "a_reject": "rejeté",
        "a_stance": "position donnée",
        "not_reviewed": "Pas encore relu.",
        "needs_js": "La relecture demande JavaScript.",
        "review_saved": "Relecture enregistrée ; le verdict a été recalculé.",
        "review_failed": "La relecture n'a pas été enregistrée : {why}",
        "need_name": "indiquez d'abord votre nom",
        "history": "Vérifications passées",
        "h_search": "Chercher dans les affirmations",
        "h_verdict": "Verdict",
        "h_any": "tous",
        "h_filter": "Filtrer",
        "h_when": "Vérifiée le",
        "h_claim": "Affirmation",
        "h_confidence": "Confiance",
        "h_reviewed": "Relue",
        "h_none": "Aucune vérification enregistrée ne correspond.",
        "h_count": "{n} vérification(s)",
        "yes": "oui",
        "no": "non",
        "article": "Article",
        "a_published": "publié le {date}",
        "a_back": "Retour à la vérification",
        "a_passage": "Le passage est surligné ci-dessous.",
        "error": "Une erreur est survenue",
        "home": "Retour à la saisie",
    },
}


def pick_language() -> str:
    """The interface language of the current request."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default="en")


def translator(lang: str):
    table = STRINGS[lang]

    def t(key: str, **values) -> str:
        text = table[key]
        return text.format(**values) if values else text

    return t


def number(value: float, lang: str, digits: int = 2) -> str:
    """0.815 -> "0.82" (en) / "0,82" (fr)."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


def percent(value: float, lang: str) -> str:
    return f"{round(value * 100)} %" if lang == "fr" else f"{round(value * 100)}%"
