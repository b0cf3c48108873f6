"""Write the checked claims: one row per claim (.csv, .jsonl), a report a person
reads (.md, .html), or ClaimReview drafts (.jsonld, see claimreview.py).

Every writer reads the same `Checked` items, a row of the input and its
Verification-shaped dict (`verdict.records.verification_record`, or the API's response), so
a check run in this process and one run against a server write the same file.
Files are written whole to a temporary file beside the target, then renamed
over it: a reader never sees half a report.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

from service.check.checked import Checked, ReportInfo
from service.check.language import checks, explanation, report_language
from service.errors import InvalidInput
from service.links import safe_url
from service.translations import DEFAULT, N_, Words, vocabulary, words

OUTPUT_FORMATS = ("csv", "jsonl", "md", "html", "claimreview")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
              ".jsonld": "claimreview", ".json": "claimreview"}

# Reports list the claims a fact-checker must act on first.
REPORT_ORDER = ("refuted", "conflicting", "supported", "not_enough_evidence")
NEUTRAL_SHOWN = 3  # neutral passages quoted per claim in a report; supporting and refuting ones all are

COLUMNS = ("id", "line", "claim", "verdict", "confidence", "language",
           "supporting_passage", "supporting_title", "supporting_source", "supporting_url",
           "refuting_passage", "refuting_title", "refuting_source", "refuting_url",
           "n_supporting", "n_refuting", "n_neutral", "explanation", "already_checked",
           "model_verdict", "model_confidence", "reviewed_by", "reviewed_at", "same_as_line")


def output_format(path: Path, fmt: str | None = None) -> str:
    if fmt is not None:
        if fmt not in OUTPUT_FORMATS:
            raise InvalidInput(f"unknown output format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")
        return fmt
    found = EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        raise InvalidInput(f"cannot tell the output format of {Path(path).name}: name it with one of "
                           f"{', '.join(EXTENSIONS)}, or pass --format {'|'.join(OUTPUT_FORMATS)}")
    return found


def write_output(path: Path, fmt: str, items: list[Checked], info: ReportInfo) -> None:
    write_atomic(Path(path), render_output(fmt, items, info))


def render_output(fmt: str, items: list[Checked], info: ReportInfo) -> bytes:
    """The file's bytes in one of OUTPUT_FORMATS (also what the page's batch downloads send)."""
    if fmt == "claimreview":
        from service.check.claimreview import render_claimreviews

        text, encoding = render_claimreviews(items, info), "utf-8"
    else:
        render = {"csv": render_csv, "jsonl": render_jsonl, "md": render_markdown, "html": render_html}[fmt]
        # The BOM lets spreadsheet programs read the CSV as UTF-8 (accents intact).
        text, encoding = render(items, info), "utf-8-sig" if fmt == "csv" else "utf-8"
    return text.encode(encoding)


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ---------------------------------------------------------------- one row per claim


def flat_row(item: Checked) -> dict:
    """The claim's row: verdict, the best passage on each side with its source, evidence counts."""
    r = item.result
    evidence = r.get("evidence") or []
    row = {"id": item.row.id if item.row.id is not None else str(item.row.line_no), "line": item.row.line_no,
           "claim": r["claim"], "verdict": r["verdict"], "confidence": r["confidence"], "language": r["language"]}
    for stance, side in (("supports", "supporting"), ("refutes", "refuting")):
        best = next((e for e in evidence if e["stance"] == stance), None)
        source = best["sources"][0] if best and best.get("sources") else {}
        row[f"{side}_passage"] = best["text"] if best else ""
        row[f"{side}_title"] = source.get("title") or ""
        row[f"{side}_source"] = source.get("source") or ""
        row[f"{side}_url"] = source.get("url") or ""
    counts = Counter(e["stance"] for e in evidence)
    row.update(n_supporting=counts["supports"], n_refuting=counts["refutes"], n_neutral=counts["neutral"],
               explanation=" ".join(r.get("explanation") or []), already_checked=_already_checked(r))
    # The verdict above is the verdict of record (reviewed when a person reviewed it); the models' own beside it.
    review = item.review or {}
    row.update(model_verdict=review.get("model_verdict", r["verdict"]),
               model_confidence=review.get("model_confidence", r["confidence"]),
               reviewed_by=review.get("reviewer") or "", reviewed_at=review.get("reviewed_at") or "",
               same_as_line=item.same_as_line)  # a repeated claim: checked once, on that line
    return row


def _already_checked(r: dict) -> str:
    """Earlier checks and fact-checks of the claim (factchecks/match.py), best first: rating, date, where."""
    found = r.get("already_checked") or {}
    return " | ".join(f"{m['rating']} ({m['date'] or '?'}) {m['url']}"
                      for m in [*found.get("checks", []), *found.get("fact_checks", [])])


def _extra_columns(items: list[Checked]) -> dict[str, str]:
    """Input column -> output column; one that clashes with ours is renamed input_<name>."""
    taken = {c.lower() for c in COLUMNS}
    out: dict[str, str] = {}
    for item in items:
        for name in item.row.extra:
            if name not in out:
                column = name
                while column.lower() in taken:
                    column = f"input_{column}"
                taken.add(column.lower())
                out[name] = column
    return out


def _rows(items: list[Checked]) -> tuple[list[str], list[dict]]:
    extras = _extra_columns(items)
    rows = []
    for item in items:
        row = flat_row(item)
        row.update({extras[k]: v for k, v in item.row.extra.items()})
        rows.append(row)
    return list(COLUMNS) + list(extras.values()), rows


def render_csv(items: list[Checked], info: ReportInfo) -> str:
    columns, rows = _rows(items)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell(value) -> str:
    """One spreadsheet cell: on one line, and never read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    value = " ".join(value.split())
    # A claim copied from the web may start with '=' or '+': quoted, a spreadsheet shows it instead of running it.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def render_jsonl(items: list[Checked], info: ReportInfo) -> str:
    _, rows = _rows(items)
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


# ---------------------------------------------------------------- reports a person reads
# In the report's language (language.py): headings and sentences from the gettext catalogue, numbers and dates
# as that language writes them, the explanation and checks rendered again when the claim is in another language.


def _grouped(items: list[Checked]) -> list[tuple[str, list[Checked]]]:
    by = {v: [] for v in REPORT_ORDER}
    for item in items:
        by.setdefault(item.result["verdict"], []).append(item)
    return [(v, by[v]) for v in list(REPORT_ORDER) + [v for v in by if v not in REPORT_ORDER]]


def _shown_evidence(result: dict) -> tuple[list[dict], int]:
    """Every supporting or refuting passage and the first few neutral ones; how many neutral are left out."""
    evidence = result.get("evidence") or []
    decisive = [e for e in evidence if e["stance"] != "neutral"]
    neutral = [e for e in evidence if e["stance"] == "neutral"]
    return decisive + neutral[:NEUTRAL_SHOWN], max(0, len(neutral) - NEUTRAL_SHOWN)


def _verdict(verdict: str, w: Words) -> str:
    return vocabulary.name(vocabulary.VERDICTS, verdict, w)


def _stance(stance: str, w: Words) -> str:
    """One passage's stance as a label ("Refutes", "Réfute")."""
    text = vocabulary.name(vocabulary.STANCES, stance, w)
    return text[:1].upper() + text[1:]


def _probabilities(e: dict, w: Words) -> str:
    p = e.get("probabilities") or {}
    return ", ".join(f"{vocabulary.name(vocabulary.STANCES, s, w)} {w.number(p.get(s, 0))}"
                     for s in ("supports", "refutes"))


def _heading(item: Checked, w: Words) -> str:
    return item.row.id if item.row.id is not None else w.gettext("line %(n)s", n=item.row.line_no)


INPUT = N_("Input: %(name)s")


def _run_facts(items: list[Checked], info: ReportInfo, w: Words) -> list[str]:
    """What the report says of the run after the input's name."""
    return [w.ngettext("%(num)s claim checked", "%(num)s claims checked", len(items)),
            w.ngettext("%(num)s row skipped", "%(num)s rows skipped", len(info.bad_rows)),
            w.date(info.date),
            w.ngettext("up to %(num)s evidence passage per claim", "up to %(num)s evidence passages per claim",
                       info.top_k)]


def _skip_reason(b, w: Words) -> str:
    """Why a row was skipped: the CLI's own English sentence, or its typed reason in another language."""
    return b.reason if w.lang == DEFAULT else vocabulary.bad_row(b.code, b.values, w)


def _language_name(code: str, w: Words) -> str:
    return vocabulary.name(vocabulary.LANGUAGE_NAMES, code, w) if code in vocabulary.LANGUAGE_NAMES else code


def _more_neutral(hidden: int, w: Words) -> str:
    return w.ngettext("%(num)s more neutral passage not shown.", "%(num)s more neutral passages not shown.", hidden)


# The reports' labels, marked here: a gettext call inside an f-string is not seen by `pybabel extract` on
# Python 3.11, and a message it does not extract would drop out of the catalogue at the next update.
SUMMARY, VERDICT, CLAIMS, TOTAL = N_("Summary"), N_("Verdict"), N_("Claims"), N_("Total")
ROWS_SKIPPED, LINE, REASON = N_("Rows skipped"), N_("Line"), N_("Reason")
VERDICT_LABEL, LANGUAGE_LABEL, EXPLANATION_LABEL = N_("Verdict:"), N_("Claim language:"), N_("Explanation:")
NONE, CHECK = N_("none"), N_("check: %(finding)s")
REVIEW_NOTICE = N_("Verdicts are drafted automatically from the corpus: a person must review each claim and its "
                   "evidence before anything is published.")
TITLE = N_("Claim check report")


# --- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&])")


def _md(text) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_url(url) -> str:
    safe = safe_url(url)
    return f"<{safe}>" if safe else (_md(url) if url else "")


def render_markdown(items: list[Checked], info: ReportInfo) -> str:
    w = words(report_language(items, info))
    counts = Counter(i.result["verdict"] for i in items)
    out = [
        f"# {_md(w.gettext(TITLE))}", "",
        _md(" · ".join([w.gettext(INPUT, name=info.input_name), *_run_facts(items, info, w)])), "",
        f"> {_md(w.gettext(REVIEW_NOTICE))}", "",
        f"## {_md(w.gettext(SUMMARY))}", "",
        f"| {_md(w.gettext(VERDICT))} | {_md(w.gettext(CLAIMS))} |", "|---|---:|",
    ]
    out += [f"| {_md(_verdict(v, w))} | {w.number(counts[v], 0)} |" for v, _ in _grouped(items)]
    out += [f"| **{_md(w.gettext(TOTAL))}** | **{w.number(len(items), 0)}** |"]
    if info.bad_rows:
        out += [f"| {_md(w.gettext(ROWS_SKIPPED))} | {w.number(len(info.bad_rows), 0)} |"]
    for verdict, group in _grouped(items):
        if not group:
            continue
        out += ["", f"## {_md(_verdict(verdict, w))} ({w.number(len(group), 0)})"]
        for item in group:
            out += _md_claim(item, w)
    if info.bad_rows:
        out += ["", f"## {_md(w.gettext(ROWS_SKIPPED))}", "",
                f"| {_md(w.gettext(LINE))} | {_md(w.gettext(REASON))} |", "|---:|---|"]
        out += [f"| {b.line_no} | {_md(_skip_reason(b, w))} |" for b in info.bad_rows]
    return "\n".join(out) + "\n"


def _md_claim(item: Checked, w: Words) -> list[str]:
    r = item.result
    explained = " ".join(explanation(r, w.lang))
    out = ["", f"### {_md(_heading(item, w))}: {_md(r['claim'])}", "",
           f"- **{_md(w.gettext(VERDICT_LABEL))}** {_md(_verdict(r['verdict'], w))} "
           f"({_md(w.gettext('confidence %(value)s', value=w.number(r['confidence'])))})",
           *_md_review(item.review, w),
           *([f"- {_md(_same_as(item, w))}"] if item.same_as_line is not None else []),
           f"- **{_md(w.gettext(LANGUAGE_LABEL))}** {_md(_language_name(r['language'], w))}",
           f"- **{_md(w.gettext(EXPLANATION_LABEL))}** {_md(explained) or _md(w.gettext(NONE))}"]
    shown, hidden = _shown_evidence(r)
    if not shown:
        return out + ["", _md(w.gettext("No evidence passage was retrieved."))]
    out += ["", _md(w.gettext("Evidence:"))]
    for n, e in enumerate(shown, 1):
        out += ["", f"{n}. **{_md(_stance(e['stance'], w))}** ({_md(_probabilities(e, w))})", "",
                f"   > {_md(e['text'])}", ""]
        for s in e.get("sources") or []:
            parts = [f"*{_md(s.get('title') or '')}*", _md(s.get("source") or ""), _md(s.get("published_at") or ""),
                     _md_url(s.get("url"))]
            out.append("   - " + ", ".join(p for p in parts if p and p != "**"))
        out += [f"   - {_md(w.gettext(CHECK, finding=c))}" for c in checks(r, e, w.lang)]
    if hidden:
        out += ["", _md(_more_neutral(hidden, w))]
    return out


def _review_line(review: dict, w: Words) -> str:
    return w.gettext("Reviewed by %(reviewer)s (%(when)s); the models' verdict was %(verdict)s (confidence "
                     "%(confidence)s)", reviewer=review["reviewer"], when=w.datetime(review["reviewed_at"]),
                     verdict=_verdict(review["model_verdict"], w), confidence=w.number(review["model_confidence"]))


def _same_as(item: Checked, w: Words) -> str:
    """A repeated claim (the CSV's same_as_line): the page's batch table says it in the same words."""
    return w.gettext("same claim as line %(line)s: checked once", line=item.same_as_line)


def _md_review(review: dict | None, w: Words) -> list[str]:
    return [f"- {_md(_review_line(review, w))}"] if review else []


# --- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.45;color:#1d1d1f}
h1{margin-bottom:.2rem}.meta{color:#555}.notice{background:#fff8e1;border-left:4px solid #f0b400;padding:.6rem 1rem}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .7rem;text-align:left}
td.n{text-align:right}article{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem 1rem;margin:1rem 0}
.verdict{display:inline-block;padding:.1rem .5rem;border-radius:4px;color:#fff;font-weight:600}
.refuted{background:#b3261e}.conflicting{background:#a15c00}.supported{background:#1e7b34}
.not_enough_evidence{background:#5f6368}blockquote{margin:.4rem 0;padding:.3rem .8rem;border-left:4px solid #bbb;
background:#f6f6f6}.supports blockquote{border-color:#1e7b34}.refutes blockquote{border-color:#b3261e}
.stance{font-weight:600}.src{color:#444;font-size:.92em}.checks{color:#7a4a00;font-size:.92em}.same-as{color:#555}
"""


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _h_url(url) -> str:
    safe = safe_url(url)
    if safe:
        return f'<a href="{_h(safe)}" rel="noopener noreferrer">{_h(safe)}</a>'
    return _h(url) if url else ""


def _h_file(name: str) -> str:
    """A file's name is the user's own word, in no language: marked so (as the page marks it)."""
    return f'<span translate="no">{_h(name)}</span>'


def _h_cite(source: dict) -> str:
    if not source.get("title"):
        return ""
    lang = f' lang="{_h(source["language"])}"' if source.get("language") else ""
    return f"<cite{lang}>{_h(source['title'])}</cite>"


def render_html(items: list[Checked], info: ReportInfo) -> str:
    w = words(report_language(items, info))
    counts = Counter(i.result["verdict"] for i in items)
    groups = _grouped(items)
    out = [
        "<!DOCTYPE html>", f'<html lang="{_h(w.lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(w.gettext(TITLE))}: {_h(info.input_name)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>", f"<h1>{_h(w.gettext(TITLE))}</h1>",
        '<p class="meta">' + " · ".join([_h(w.gettext(INPUT)) % {"name": _h_file(info.input_name)},
                                         *map(_h, _run_facts(items, info, w))]) + "</p>",
        f'<p class="notice">{_h(w.gettext(REVIEW_NOTICE))}</p>',
        f"<h2>{_h(w.gettext(SUMMARY))}</h2>", "<table>",
        f"<tr><th>{_h(w.gettext(VERDICT))}</th><th>{_h(w.gettext(CLAIMS))}</th></tr>",
    ]
    for verdict, group in groups:
        label = _h(_verdict(verdict, w))
        cell = f'<a href="#{_h(verdict)}">{label}</a>' if group else label
        out.append(f'<tr><td>{cell}</td><td class="n">{w.number(counts[verdict], 0)}</td></tr>')
    out.append(f'<tr><th>{_h(w.gettext(TOTAL))}</th><th class="n">{w.number(len(items), 0)}</th></tr>')
    if info.bad_rows:
        out.append(f'<tr><td><a href="#skipped">{_h(w.gettext(ROWS_SKIPPED))}</a></td>'
                   f'<td class="n">{w.number(len(info.bad_rows), 0)}</td></tr>')
    out.append("</table>")
    for verdict, group in groups:
        if not group:
            continue
        out.append(f'<section id="{_h(verdict)}"><h2>{_h(_verdict(verdict, w))} ({w.number(len(group), 0)})</h2>')
        for item in group:
            out += _html_claim(item, w)
        out.append("</section>")
    if info.bad_rows:
        out += [f'<section id="skipped"><h2>{_h(w.gettext(ROWS_SKIPPED))}</h2>', "<table>",
                f"<tr><th>{_h(w.gettext(LINE))}</th><th>{_h(w.gettext(REASON))}</th></tr>"]
        out += [f'<tr><td class="n">{b.line_no}</td><td>{_h(_skip_reason(b, w))}</td></tr>' for b in info.bad_rows]
        out += ["</table>", "</section>"]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_claim(item: Checked, w: Words) -> list[str]:
    r = item.result
    verdict = r["verdict"]
    facts = " · ".join([w.gettext("confidence %(value)s", value=w.number(r["confidence"])),
                        w.gettext("claim language: %(name)s", name=_language_name(r["language"], w))])
    # The corpus's words (claim, passages, titles) carry their own language, for screen readers and translators.
    out = ["<article>", f'<h3>{_h(_heading(item, w))}: <span lang="{_h(r["language"])}">{_h(r["claim"])}</span></h3>',
           f'<p><span class="verdict {_h(verdict)}">{_h(_verdict(verdict, w))}</span> {_h(facts)}</p>']
    if item.review:
        out.append(f"<p>{_h(_review_line(item.review, w))}</p>")
    if item.same_as_line is not None:
        out.append(f'<p class="same-as">{_h(_same_as(item, w))}</p>')
    out.append(f"<p>{_h(' '.join(explanation(r, w.lang)))}</p>")
    shown, hidden = _shown_evidence(r)
    if not shown:
        out.append(f"<p>{_h(w.gettext('No evidence passage was retrieved.'))}</p>")
    else:
        out.append("<ol>")
        for e in shown:
            out.append(f'<li class="{_h(e["stance"])}"><span class="stance">{_h(_stance(e["stance"], w))}</span> '
                       f"({_h(_probabilities(e, w))})")
            out.append(f'<blockquote lang="{_h(e.get("language") or r["language"])}">{_h(e["text"])}</blockquote>')
            for s in e.get("sources") or []:
                parts = [_h_cite(s), _h(s.get("source") or ""),
                         _h(s.get("published_at") or ""), _h_url(s.get("url"))]
                out.append('<div class="src">' + " · ".join(p for p in parts if p) + "</div>")
            for c in checks(r, e, w.lang):
                out.append(f'<div class="checks">{_h(w.gettext(CHECK, finding=c))}</div>')
            out.append("</li>")
        out.append("</ol>")
        if hidden:
            out.append(f"<p>{_h(_more_neutral(hidden, w))}</p>")
    out.append("</article>")
    return out
