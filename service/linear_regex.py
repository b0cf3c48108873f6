"""Regular expressions that run over a user's text, in time linear in its length.

Python's `re` backtracks: a pattern such as `\\S+\\.com/` is tried from every
position of a long run of non-space characters, and `[\\w-]*_[\\w-]*_[\\w-]*`
tries every way of cutting a line of underscores, so one article of a few
hundred kilobytes could hold a worker (and, since `re` keeps the GIL, every
thread in it) for minutes. The patterns that read an article's lines, its
passages or a claim are compiled here by RE2 (`google-re2`: Google's
automaton engine, maintained, wheels for CPython on Linux, macOS and
Windows), which guarantees time linear in the input whatever the pattern.
RE2 has no backreferences and no look-around, so the patterns that need
them stay in `re` and are shown linear by `tests/test_regex_linear.py`.

Patterns are written in Python's syntax and translated, so that they keep
Python's meaning: in `re` the classes `\\w`, `\\d` and `\\s` are Unicode-wide,
in RE2 they are ASCII-only. `\\b` has no Unicode form in RE2; only the
`\\b.*` that ends a debris rule is translated (a word end, then anything).
"""

from __future__ import annotations

import re

import re2

# Python's \s for str patterns: the characters for which str.isspace() is true (a test checks it).
SPACES = ("\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}"
          "\\x{205f}\\x{3000}")
WORD = "\\pL\\pN_"  # Python's \w for str patterns: str.isalnum() or "_"
DIGIT = "\\p{Nd}"

_IN_CLASS = {"w": WORD, "s": SPACES, "d": DIGIT}
_OUTSIDE = {"w": f"[{WORD}]", "W": f"[^{WORD}]", "s": f"[{SPACES}]", "S": f"[^{SPACES}]", "d": DIGIT,
            "D": "\\P{Nd}"}
_WORD_END_THEN_ANY = "\\b.*"
# RE2 builds its automaton lazily within a memory budget; past it, it falls back to a slower (still
# linear) engine and logs each time. Unicode-wide, case-folded classes need more than the 8 MiB default.
MAX_MEM = 64 << 20


def _options(*, ignore_case: bool, captures: bool = True):
    options = re2.Options()
    options.max_mem = MAX_MEM
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.never_capture = not captures
    return options


def compile(pattern: str, *, ignore_case: bool = False):  # noqa: A001  (the name `re` users expect)
    """RE2 for a pattern written in Python's `re` syntax (see the module notes for what is translated).

    The result has `re`'s methods (search, match, fullmatch, finditer, findall, sub)."""
    return re2.compile(translate(pattern), _options(ignore_case=ignore_case))


def compile_any(patterns: list[str], *, ignore_case: bool = False):
    """One RE2 (without groups) that matches where any of `patterns` does: one pass, not one per pattern
    (each call into RE2 costs some 30 microseconds of Python wrapping)."""
    either = "|".join(f"(?:{translate(p)})" for p in patterns)
    return re2.compile(either, _options(ignore_case=ignore_case, captures=False))


def translate(pattern: str) -> str:
    """`pattern` with Python's Unicode-wide classes spelt out for RE2; `ValueError` for what RE2 cannot mean alike."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            esc = pattern[i + 1]
            if esc == "b" and not in_class:
                if pattern.endswith(_WORD_END_THEN_ANY, i) and i + len(_WORD_END_THEN_ANY) == len(pattern):
                    out.append(f"(?:[^{WORD}].*)?")  # after a word character: the word ends here, or at a non-word one
                    break
                raise ValueError(f"\\b is ASCII-only in RE2; only a final \\b.* is translated: {pattern!r}")
            if in_class and esc in _IN_CLASS:
                out.append(_IN_CLASS[esc])
            elif in_class and esc in "WSD":
                raise ValueError(f"\\{esc} inside a class has no RE2 translation: {pattern!r}")
            elif not in_class and esc in _OUTSIDE:
                out.append(_OUTSIDE[esc])
            elif esc == "u" and re.fullmatch("[0-9a-fA-F]{4}", pattern[i + 2 : i + 6]):
                out.append(f"\\x{{{pattern[i + 2 : i + 6]}}}")
                i += 4
            else:
                out.append(ch + esc)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            if pattern.startswith("^", i + 1):  # a leading ^ or ] belongs to the class
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):
                out.append("\\]")
                i += 1
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)
