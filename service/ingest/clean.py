"""Strip page debris from article text, keeping every other line as written.

Scraped articles carry the page around them: app-store badges, comment forms,
"read also" links, widget script URLs. None of it is a claim, and left in it
would come back as "evidence" for any query sharing a word with it. Cleaning
works on whole lines: a debris line goes, any other line keeps its words and
only has its whitespace normalised, so the stored text still reads like the
source and passage offsets point at something a person can recognise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service import linear_regex

# Each rule must match a whole line (stripped, case-insensitive). Adding a rule
# is one line in the right group; keep them anchored to the full line so a real
# sentence that merely mentions "commentaire" survives.
DEBRIS_RULES: list[str] = [
    # App-store / download badges that survived extraction as their image file name.
    r"download_on_the_app_store_badge\w*",
    r"(get_it_on_)?google_play_badge\w*",
    # Any other lone asset name standing in for an image (underscored tokens, no spaces).
    r"[\w-]*_[\w-]*_[\w-]*(\.(png|jpe?g|gif|svg|webp))?",
    r"[\w-]+\.(png|jpe?g|gif|svg|webp)",
    # Comment forms under the article (WordPress and friends, English and French).
    r"leave a (reply|comment)( to \w.*)?",
    r"your email address will not be published\b.*",
    r"required fields are marked \*",
    r"this site uses akismet to reduce spam\b.*",
    r"(laisser|ajouter) un commentaire|laisser une r[ée]ponse",
    r"votre adresse (e-?mail|de messagerie) ne sera pas publi[ée]e\b.*",
    r"les champs obligatoires sont indiqu[ée]s avec \*",
    r"ce site utilise akismet pour r[ée]duire les ind[ée]sirables\b.*",
    # Navigation and "more articles" blocks around the story.
    r"derni[èe]res? (nouvelles|infos|actualit[ée]s|actus)",
    r"[àa] lire (aussi|[ée]galement)\b.*",
    r"lire (aussi|[ée]galement)\s*[:—–-].*",
    r"(d[ée]couvrir|voir) plus d['’]articles sur\s*:?.*",
    r"sur le m[êe]me (sujet|th[èe]me)\s*:?",
    r"(articles? )?(similaires|li[ée]s|recommand[ée]s)\s*:?",
    r"related( posts| articles| stories)?\s*:?",
    r"(partager|partagez) (cet article|sur \w+)\s*:?",
    r"share (this|on \w+)\b.*",
    r"(click|cliquez) (to|pour) (share|partager)\b.*",
    r"publicit[ée]|advertisement|sponsoris[ée]",
    # Lines made only of URLs and punctuation: embed scripts such as
    # https://platform.twitter.com/widgets.js left behind by a removed tweet.
    r"(\s*(https?://\S+|www\.\S+|[.,;:·|•–—-]))+",
    # Credit-only lines. A caption that says who/when/where is kept (it can
    # carry a fact); a bare "© AFP" says nothing about the story.
    r"(©|\(c\)|cr[ée]dits?( photo)?\s*:|photo\s*:)\s*[^.]{0,80}",
]
# One RE2 for all rules: in `re`, rules such as the asset-name one take cubic time on a long line of
# underscores, and one pass per line is cheaper than one per rule.
_DEBRIS = linear_regex.compile_any(DEBRIS_RULES, ignore_case=True)

# Some exports prefix the story with its date ("date 2020-09 Hier, ..."). It is
# metadata, not text: lifted into published_at so it never becomes a passage.
_DATE_MARKER = re.compile(r"^\s*date\s*:?\s*(\d{4}(?:-\d{2}){0,2})\b[\s:—–-]*", re.IGNORECASE)

# Invisible characters that break exact matching and carry no meaning.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# U+00A0 and U+202F are kept: French typography puts them in "1 200" and before
# ";:!?", and the segmenter relies on them. Other exotic spaces become plain ones.
_KEPT_SPACES = "\u00a0\u202f"

# A headline is one short line without a sentence boundary inside it.
_HEADLINE_MAX_CHARS = 200
_INNER_SENTENCE_END = re.compile(r"[a-zà-ÿ0-9]{2}[.!?…][»”\"']?\s+[«“\"]?[A-ZÀ-Ý]")


@dataclass
class Cleaned:
    text: str
    title: str | None = None  # the headline line, when one was taken from the text
    published_at: str | None = None  # from a leading "date YYYY-MM" marker


def normalise_line(line: str) -> str:
    """NFC, no invisible characters, single spaces (typographic no-break spaces kept)."""
    line = unicodedata.normalize("NFC", line).translate(_INVISIBLE)
    line = "".join(" " if (ch.isspace() and ch not in _KEPT_SPACES) else ch for ch in line)
    line = re.sub(r" *([\u00a0\u202f]) *", r"\1", line)
    return re.sub(r" {2,}", " ", line).strip()


def is_debris(line: str) -> bool:
    line = line.strip()
    return bool(line) and _DEBRIS.fullmatch(line) is not None


def line_key(line: str) -> str:
    """What two lines must share to count as the same line (case, spacing, end punctuation aside)."""
    line = unicodedata.normalize("NFKC", line).casefold()
    line = re.sub(r"\s+", " ", line).strip()
    return line.rstrip(" .…:;!?")


def looks_like_headline(line: str) -> bool:
    return len(line) <= _HEADLINE_MAX_CHARS and not _INNER_SENTENCE_END.search(line)


def clean_article(raw: str, *, title: str | None = None, take_title_line: bool = False) -> Cleaned:
    """Clean one article's raw text.

    `title` is the known headline (metadata, JSON field): body lines echoing it
    are dropped. With `take_title_line` (plain-text files) the first line becomes
    the headline when it looks like one; a first line that is clearly a paragraph
    stays in the body, since dropping it would lose content.
    """
    lines = [normalise_line(line) for line in raw.splitlines()]
    lines = ["" if is_debris(line) else line for line in lines]

    published_at = None
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is not None and (m := _DATE_MARKER.match(lines[first])):
        published_at = m.group(1)
        lines[first] = lines[first][m.end() :]

    title_line = None
    first = next((i for i, line in enumerate(lines) if line), None)
    if take_title_line and first is not None and looks_like_headline(lines[first]):
        title_line = lines[first]
        lines[first] = ""

    # Titles echoed in the body, captions printed twice: keep one copy of each line.
    seen = {line_key(t) for t in (title, title_line) if t}
    kept: list[str] = []
    for line in lines:
        if line:
            key = line_key(line)
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)

    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    return Cleaned(text=text, title=title_line, published_at=published_at)
