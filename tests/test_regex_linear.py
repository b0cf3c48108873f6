"""No regular expression on a user's text takes more than linear time.

Every pattern that reads an article (its lines, sentences, passages), a claim,
a query or an uploaded claims file is fed 1 MB of the characters that are worst
for it, and each megabyte must take at most `SECONDS_PER_MB` of CPU. A
backtracking pattern would take minutes to hours here (`\\S+\\.com/` on a run of
dots, `[\\w-]*_[\\w-]*_[\\w-]*` on a line of underscores), so each pattern runs in
a forked child that is stopped at its budget. The RE2 translations keep the
meaning Python's `re` gave them (`linear_regex.translate`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import re
import time
from pathlib import Path

import pytest

from service import linear_regex
from service.check import inputs
from service.ingest import clean, decode, language, loaders, pipeline, segment
from service.limits import MAX_PASSAGE_CHARS
from service.retrieve import text as retrieve_text
from service.verdict import quantities, subjects

MB = 1_000_000
SECONDS_PER_MB = 3.0  # CPU; a linear pattern takes well under a second per MB on a slow machine
# Runs of these, each alone, are what the audited patterns find hardest: long tokens, separators a
# pattern loops on, URL and markup prefixes it restarts from, capitalised runs, digits, quotes.
WORST = ["a", "_", ".", "-", "A-", "a_", "x.", "@a", "1 ", "1,", "http://", "www.", "<html", "Aa. ", "é\u202f",
         "«", "…", '." ', "a\n", "A'", "a.com"]

PASSAGE = MAX_PASSAGE_CHARS  # passages and claims reach the pattern one at a time, each at most this long
WHOLE = MB  # lines, paragraphs and files reach it whole, however long
# name -> (pattern, how the service calls it, the longest text one call gets)
PATTERNS = {
    "ingest.pipeline links": (pipeline._LINKS, "sub", WHOLE),
    "ingest.pipeline words": (pipeline._WORD, "findall", PASSAGE),
    "ingest.pipeline credit": (pipeline._CREDIT, "match", PASSAGE),
    "ingest.clean debris rules": (clean._DEBRIS, "fullmatch", WHOLE),
    "ingest.clean date marker": (clean._DATE_MARKER, "match", WHOLE),
    "ingest.clean inner sentence end": (clean._INNER_SENTENCE_END, "search", WHOLE),
    "ingest.language noise": (language._NOISE, "sub", WHOLE),
    "ingest.language words": (language._WORD, "findall", WHOLE),
    "ingest.segment url": (segment._URL, "findall", WHOLE),
    "ingest.segment missed end 1": (segment._MISSED_ENDS[0], "findall", WHOLE),
    "ingest.segment missed end 2": (segment._MISSED_ENDS[1], "findall", WHOLE),
    "ingest.segment blank line": (segment._BLANK_LINE, "findall", WHOLE),
    "ingest.segment wrapped line": (segment._WRAPPED, "findall", WHOLE),
    "ingest.loaders html lang": (loaders._HTML_LANG, "search", WHOLE),
    "ingest.loaders control": (loaders._CONTROL, "search", WHOLE),
    "ingest.decode control": (decode._CONTROL, "findall", WHOLE),
    "check.inputs undecodable": (inputs._UNDECODABLE, "search", WHOLE),
    "check.inputs surrogate": (inputs._SURROGATE, "search", WHOLE),
    "retrieve.text words": (retrieve_text._WORD, "findall", WHOLE),
    "verdict.subjects name": (subjects._NAME, "findall", PASSAGE),
    "verdict.subjects capitalised": (subjects._CAPITALISED, "findall", WHOLE),
    "verdict.subjects words": (subjects.WORDS, "findall", WHOLE),
    "verdict.quantities number": (quantities._NUMBER, "findall", WHOLE),
    "verdict.quantities date d-m": (quantities._DATE_DM, "findall", WHOLE),
    "verdict.quantities date m-d": (quantities._DATE_MD, "findall", WHOLE),
    "verdict.quantities weekday": (quantities._WEEKDAY_RE, "findall", WHOLE),
}


def _run(pattern, how: str, text: str) -> None:
    if how == "sub":
        pattern.sub(" ", text)
    else:
        getattr(pattern, how)(text)


def _time_all(name: str, results) -> None:
    pattern, how, unit_chars = PATTERNS[name]
    for unit in WORST:
        # A run of the unit, ending in a character that makes a near-match fail late, cut in the pieces
        # the service hands the pattern.
        text = (unit * (MB // len(unit) + 1))[: MB - 1] + "!"
        started = time.process_time()
        for at in range(0, MB, unit_chars):
            _run(pattern, how, text[at : at + unit_chars])
        results.put((unit, time.process_time() - started))
    results.put(None)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.parametrize("name", list(PATTERNS))
def test_a_megabyte_of_the_worst_characters_takes_linear_time(name):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_time_all, args=(name, results), daemon=True)
    child.start()
    timings, unit_started = [], 0.0
    try:
        while True:
            try:
                item = results.get(timeout=0.2)
            except queue.Empty:
                # Stopped at the budget on CPU time, so that a busy machine does not fail it.
                cpu = _cpu_seconds(child.pid)
                if cpu - unit_started > SECONDS_PER_MB * 4:
                    unit = WORST[len(timings)]
                    pytest.fail(f"{name}: 1 MB of {unit!r} still running after {cpu - unit_started:.0f} s of CPU "
                                f"(super-linear); done: {timings}")
                continue
            if item is None:
                break
            timings.append(item)
            unit_started = _cpu_seconds(child.pid)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
    slow = [(unit, round(took, 2)) for unit, took in timings if took > SECONDS_PER_MB]
    assert not slow, f"{name}: over {SECONDS_PER_MB} s of CPU per MB for {slow}"


# ------------------------------------------------------------------ the RE2 translations keep Python's meaning


def test_translated_classes_are_pythons_unicode_classes():
    everything = "".join(map(chr, range(0x110000))).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    spaces = "".join(linear_regex.compile(r"\s").findall(everything))
    assert spaces == "".join(ch for ch in everything if ch.isspace())
    sample = everything[:0x3000]  # the scripts a French and English corpus meets, and more
    words = "".join(linear_regex.compile(r"\w").findall(sample))
    assert words == "".join(re.findall(r"\w", sample))


def _lines_to_compare() -> list[str]:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    lines = [line for path in sorted(seeds.rglob("*"))[:200] if path.is_file() and path.suffix in (".txt", ".json",
             ".jsonl", ".html") for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    rng = random.Random(21)
    alphabet = ["a", "B", "é", "É", " ", "\u00a0", "\u202f", "_", "-", "'", "’", ".", "/", "@", "#", "1", "www.",
                "http://", ".com/", ".fr/", "Kim ", "Kardashian ", "l'Oréal ", "©", "photo :", "Leave a reply",
                "share this", "publicité", "À lire aussi : ", "x_y_z.png"]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(5000)]
    lines += ["Leave a Reply", "Your email address will not be published.", "© AFP", "download_on_the_app_store_badge",
              "À lire aussi : la suite", "https://platform.twitter.com/widgets.js", "Share this article", "share thisé",
              "Publicité", "a_b_c", "x" * 300 + "_y_z"]
    return lines


def test_links_are_removed_as_the_quadratic_pattern_removed_them():
    links = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|fr|org|net)/\S*|[@#]\w+")
    for line in _lines_to_compare():
        assert pipeline._LINKS.sub(" ", line) == links.sub(" ", line), line


def test_language_noise_still_removes_links_handles_and_numbers():
    # Unlike _LINKS, a bare domain glued after a number ("1@x.fr/a") now stays: language detection only.
    text = "Voir https://t.co/x, www.lemonde.fr, lemonde.fr/a-b, @afp, #JO2024 et 1 200,5 euros"
    assert language._NOISE.sub(" ", text).split() == ["Voir", ",", "et", "euros"]


def test_the_debris_rules_say_what_re_said():
    rules = [re.compile(rule, re.IGNORECASE) for rule in clean.DEBRIS_RULES]
    for line in _lines_to_compare():
        line = line.strip()
        assert clean.is_debris(line) == (bool(line) and any(r.fullmatch(line) for r in rules)), line


def test_names_are_found_as_re_found_them():
    name = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)+")
    for line in _lines_to_compare():
        assert subjects._NAME.findall(line) == name.findall(line), line


def test_the_html_language_is_read_as_before():
    html_lang = re.compile(r"""<html[^>]*\blang\s*=\s*["']?([A-Za-z]{2,3})""", re.IGNORECASE)
    for page in ['<html lang="fr">', "<HTML class=x LANG=en-GB>", "<html>lang=fr", "<htmllang=fr>", "<html dir=rtl\nlang='ar'>",
                 '<html xml:lang="de">', "<html data-lang=it>", "<html>"]:
        found, expected = loaders._HTML_LANG.search(page), html_lang.search(page)
        assert (found and found.group(1)) == (expected and expected.group(1)), page


def test_a_pattern_re2_cannot_mean_alike_is_refused():
    with pytest.raises(ValueError):
        linear_regex.translate(r"\bword\b")
