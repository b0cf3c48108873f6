"""The words for the project's typed values (a verdict, a stance, what a number counts...), defined once.

Each table maps a value to its English message, marked with N_ for extraction; it is translated where it is
shown (`name(table, value, words)` here, `name_of(...)` in the page's templates). A value missing from its
table is a test failure (tests/test_translations.py), never a raw internal word on a screen.
"""

from __future__ import annotations

from service.translations import N_, Words

VERDICTS = {"supported": N_("Supported"), "refuted": N_("Refuted"), "conflicting": N_("Conflicting sources"),
            "not_enough_evidence": N_("Not enough evidence")}
# In a sentence ("calibrated probabilities: refuted 0.91, ...").
VERDICTS_LOWER = {"supported": N_("supported"), "refuted": N_("refuted"), "conflicting": N_("conflicting sources"),
                  "not_enough_evidence": N_("not enough evidence")}
STANCES = {"supports": N_("supports"), "refutes": N_("refutes"), "neutral": N_("does not decide")}
STANCE_GROUPS = {"supports": N_("Supports"), "refutes": N_("Refutes"), "neutral": N_("Does not decide")}
FINDING_KINDS = {"quantity": N_("number"), "date": N_("date"), "weekday": N_("weekday"), "wording": N_("wording")}
OUTCOMES = {"match": N_("same value"), "conflict": N_("conflict"), "other_event": N_("not the same event: not compared"),
            "other_entity": N_("about someone else: not compared")}
# What a number counts (verdict/quantities.py CONCEPTS).
UNITS = {"followers": N_("followers"), "years": N_("years"), "hours": N_("hours"), "days": N_("days"),
         "weeks": N_("weeks"), "months": N_("months"), "people": N_("people"), "advertisers": N_("advertisers"),
         "organisations": N_("organisations"), "words": N_("words"), "points": N_("points"),
         "percent": N_("percent"), "money": N_("money"), "votes": N_("votes"), "deaths": N_("deaths"),
         "stars": N_("celebrities")}
POLARITIES = {"negative": N_("negative"), "affirmative": N_("affirmative")}
REVIEW_ACTIONS = {"accept": N_("accepted"), "reject": N_("rejected"), "stance": N_("stance given")}
# A saved check's place in the newsroom (history/workflow.py).
CHECK_STATUSES = {"to_check": N_("to check"), "in_progress": N_("in progress"), "checked": N_("checked"),
                  "published": N_("published")}
BATCH_STATUSES = {"running": N_("running"), "done": N_("finished"), "failed": N_("stopped on an error")}
LANGUAGE_NAMES = {"fr": N_("French"), "en": N_("English")}
ERROR_KINDS = {"invalid-input": N_("What was sent cannot be used"), "too-large": N_("Too large for this server"),
               "not-found": N_("Not found"), "unauthorized": N_("This needs the server's API key"),
               "model-missing": N_("A model is not built on this server"),
               "unavailable": N_("Not available right now"), "cross-site": N_("Sent from another site"),
               "error": N_("Something went wrong")}


def name(table: dict[str, str], value, words: Words) -> str:
    """`value` (an enum or its string) in words; a value the table lacks is shown as it is."""
    key = getattr(value, "value", value)
    return words.gettext(table[key]) if key in table else str(key)


# Why a row of a claims file could not be checked (check/inputs.py BAD_ROW_CODES), with the values it names.
BAD_ROWS = {"duplicate_id": N_("the id %(id)s is already used on line %(line)s"),
            "not_text": N_("the claim is not text"),
            "not_unicode": N_("the claim or id is not valid Unicode text"),
            "too_long": N_("the claim is %(length)s characters long, over the limit of %(limit)s"),
            "empty": N_("the claim is empty"),
            "no_word": N_("the claim has no word to check: only punctuation, symbols or stop words"),
            "not_utf8": N_("the row holds bytes that are not UTF-8 (save the file as UTF-8)"),
            "bad_json": N_("not valid JSON (%(detail)s)"),
            "not_object": N_("not a JSON object with a \"claim\" field"),
            "no_claim_field": N_("no \"claim\" field (fields found: %(fields)s)"),
            "bad_id": N_("the id must be text or a whole number (got %(id)s)"),
            "bad_csv": N_("not a valid CSV row (%(detail)s)"),
            "field_count": N_("the row has %(fields)s fields but the header has %(header)s (a separator inside an "
                              "unquoted claim?)"),
            "unreadable": N_("the row cannot be read")}


def bad_row(code: str, values: dict, words: Words) -> str:
    """Why a claims file's row was skipped, in `words`' language; numbers formatted, lists joined."""
    shown = {k: words.number(v, 0) if isinstance(v, int) and not isinstance(v, bool) else
             ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in values.items()}
    return words.gettext(BAD_ROWS.get(code, BAD_ROWS["unreadable"]), **shown)


# One check's downloads (history/export.py CHECK_EXPORTS).
CHECK_EXPORTS = {"md": N_("Download as Markdown"), "json": N_("Download as JSON")}
# The batch screen's downloads (history/batch.py DOWNLOADS) and sort orders (history/store.py BATCH_SORTS).
DOWNLOADS = {"csv": N_("CSV (one row per claim)"), "jsonl": N_("JSON Lines (whole results)"),
             "md": N_("Markdown report"), "html": N_("HTML report"),
             "claimreview": N_("ClaimReview drafts (JSON-LD), to review before publishing")}
BATCH_SORTS = {"line": N_("line in the file"), "confidence": N_("confidence"), "verdict": N_("verdict (refuted first)")}
# The corpus screen's breakdowns (index/counts.py).
BREAKDOWNS = {"languages": N_("Language"), "sources": N_("Source"), "months": N_("Month of publication")}
