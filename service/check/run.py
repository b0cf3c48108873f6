"""Check a file of claims: read, verify in batches, journal, write the report.

    summary = run_check("claims.csv", "report.html", backend=lambda: LocalBackend.load(config))

A backend answers a batch of claims with Verification-shaped dicts: either
this process's verifier (`LocalBackend`, the models loaded once) or a running
service (`HttpBackend`, POST /v1/verify/batch). The backend is only built when
there is something to check, so a finished run resumed does not load models.

Each batch's results are appended to the journal beside the output before the
next batch starts; a re-run of the same command skips the claims already
journaled. When every claim is done the output is written whole (temporary
file, then rename) and the journal removed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

from service.check.inputs import BadRow, Row, first_of_same_claim, read_claims
from service.check.journal import Journal, journal_path
from service.check.writers import REPORT_ORDER, Checked, ReportInfo, output_format, write_output
from service.errors import InvalidInput, RecoupeError
from service.limits import DEFAULT_TOP_K, MAX_BATCH_CLAIMS, MAX_TOP_K
from service.translations.vocabulary import VERDICTS as VERDICT_WORDS
from service.verdict.types import VERDICTS

DEFAULT_BATCH = 16
MAX_SERVER_BATCH = MAX_BATCH_CLAIMS  # POST /v1/verify/batch takes at most this many claims
BAD_ROWS_PRINTED = 50


class RemoteError(RecoupeError):
    """The server could not be reached, or answered with a problem."""

    status = 502
    kind = "remote-error"


# ---------------------------------------------------------------- backends


class LocalBackend:
    """This process's verifier: the corpus and models loaded once."""

    max_batch = None

    def __init__(self, verifier, *, owned: bool = False):
        self.verifier = verifier
        self.owned = owned  # loaded here, so closed here; a verifier passed in stays open for its owner

    @classmethod
    def load(cls, config) -> "LocalBackend":
        from service.verify import load_verifier

        return cls(load_verifier(config), owned=True)

    def verify_batch(self, claims: list[str], top_k: int) -> list[dict]:
        from service.verdict.records import verification_record
        from service.verify_options import VerifyOptions

        return [verification_record(v) for v in self.verifier.verify_many(claims, VerifyOptions(top_k=top_k))]

    def close(self) -> None:
        if self.owned:
            self.verifier.corpus.close()


class HttpBackend:
    """A running Recoupe service; the same verification through POST /v1/verify/batch."""

    max_batch = MAX_SERVER_BATCH

    def __init__(self, url: str, timeout: float = 600.0):
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"the server URL must start with http:// or https:// (got {url!r})")
        self.base = url.rstrip("/")
        self.timeout = timeout

    def check_ready(self) -> None:
        """Fail before the first batch when the server is unreachable or cannot verify claims."""
        health = self._call("GET", "/v1/health")
        if not isinstance(health, dict) or not (health.get("models") or {}).get("stance"):
            raise RemoteError(f"the server at {self.base} cannot verify claims: its stance model is not loaded "
                              f"(GET /v1/health says {json.dumps(health)[:200]})")

    def verify_batch(self, claims: list[str], top_k: int) -> list[dict]:
        body = self._call("POST", "/v1/verify/batch", {"claims": claims, "top_k": top_k})
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(claims) or not all(map(_looks_verified, results)):
            raise RemoteError(f"the server at {self.base} answered POST /v1/verify/batch with something other "
                              f"than one verification per claim; is it a Recoupe server of this version?")
        return results

    def close(self) -> None:
        pass

    def _call(self, method: str, path: str, body: dict | None = None):
        url = self.base + path
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/json", **({"Content-Type": "application/json"} if data else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise RemoteError(_problem(method, url, exc), detail={"status": exc.code}) from None
        except urllib.error.URLError as exc:
            raise RemoteError(f"cannot reach the Recoupe server at {self.base} ({exc.reason}); check the URL "
                              f"and that the server is running (`recoupe serve`)") from None
        except TimeoutError:
            raise RemoteError(f"the server at {self.base} did not answer {method} {path} within "
                              f"{self.timeout:g} s; try a smaller --batch-size") from None
        except (HTTPException, ConnectionError) as exc:
            reason = str(exc) or type(exc).__name__
            raise RemoteError(f"the connection to {self.base} failed during {method} {path}: {reason}") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise RemoteError(f"the server at {self.base} answered {method} {path} with something that is not "
                              f"JSON; is {self.base} a Recoupe server?") from None


def _problem(method: str, url: str, exc: urllib.error.HTTPError) -> str:
    """The server's problem+json title (and first field error) in one line."""
    try:
        raw = exc.read()
    except (OSError, HTTPException):
        raw = b""
    finally:
        exc.close()
    try:
        problem = json.loads(raw)
        title = problem["title"]
    except (ValueError, KeyError, TypeError):
        text = " ".join(raw.decode("utf-8", errors="replace").split())[:200]
        return f"the server answered {method} {url} with HTTP {exc.code} {exc.reason}" + (f": {text}" if text else "")
    return f"the server answered {method} {url} with HTTP {exc.code}: {title}"


def _looks_verified(result) -> bool:
    return (isinstance(result, dict) and result.get("verdict") in VERDICTS
            and isinstance(result.get("evidence"), list) and isinstance(result.get("claim"), str))


# ---------------------------------------------------------------- the run


@dataclass
class Summary:
    output: Path
    journal: Path
    verdicts: Counter = field(default_factory=Counter)
    claims: int = 0  # usable rows in the input
    bad_rows: list[BadRow] = field(default_factory=list)
    from_journal: int = 0  # done by an earlier, interrupted run
    checked: int = 0  # sent through the models by this run
    batches: int = 0
    elapsed_s: float = 0.0
    finished: bool = False  # False: stopped early; the journal holds what is done

    @property
    def rate(self) -> float:
        return self.checked / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def table(self) -> str:
        rows = [(VERDICT_WORDS.get(v, v), self.verdicts[v]) for v in REPORT_ORDER]
        rows += [("claims", self.claims), ("bad rows (skipped)", len(self.bad_rows))]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {count:>6}" for name, count in rows]
        lines.insert(len(REPORT_ORDER), "-" * (width + 8))
        lines.append(f"checked now {self.checked} ({self.from_journal} from an earlier run) in "
                     f"{self.elapsed_s:.1f} s, {self.rate:.2f} claims/s")
        lines.append(f"wrote {self.output}" if self.finished else
                     f"stopped early: {self.from_journal + self.checked} of {self.claims} claims are saved in "
                     f"{self.journal}; run the same command again to resume")
        return "\n".join(lines)


def run_check(
    input_path: str | Path,
    output_path: str | Path,
    *,
    backend: Callable[[], object],
    fmt: str | None = None,
    top_k: int = DEFAULT_TOP_K,
    batch_size: int = DEFAULT_BATCH,
    organization: str = "Recoupe",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    stop_after_batches: int | None = None,
    date: str | None = None,
    language: str | None = None,
) -> Summary:
    """Check every claim of `input_path` and write `output_path`; see the module docstring.

    `backend` is called (once) only when there are claims left to check.
    `stop_after_batches` stops cleanly after that many batches, leaving the
    journal for a later run (what an interruption does, without the signal).
    `language` ("fr", "en"): the report's; None: the claims' most common (check/language.py).
    """
    log = log or _stderr
    input_path, output_path = Path(input_path), Path(output_path)
    fmt = output_format(output_path, fmt)
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"--top-k must be between 1 and {MAX_TOP_K}")
    if batch_size < 1:
        raise InvalidInput("--batch-size must be 1 or more")
    if output_path.resolve() == input_path.resolve():
        raise InvalidInput("the output file must not be the input file")
    if not output_path.parent.is_dir():
        raise InvalidInput(f"the output folder {output_path.parent} does not exist")

    started = time.perf_counter()
    rows: list[Row] = []
    summary = Summary(output_path, journal_path(output_path))
    for item in read_claims(input_path):
        (rows if isinstance(item, Row) else summary.bad_rows).append(item)
    summary.claims = len(rows)
    if not rows and not summary.bad_rows:
        raise InvalidInput(f"{input_path.name} holds no claims")
    _report_bad_rows(summary.bad_rows, log)

    # a claim repeated in the file is checked once, on its first row; the repeats share that row's result
    first = [rows[i] for i in first_of_same_claim([r.claim for r in rows])]
    journal = Journal(summary.journal, {"top_k": top_k})
    done = journal.load()
    todo = [r for r, f in zip(rows, first) if r is f and done.get(r.key, {}).get("claim") != r.claim]
    distinct = sum(1 for r, f in zip(rows, first) if r is f)
    summary.from_journal = distinct - len(todo)
    if summary.from_journal:
        log(f"resuming: {summary.from_journal} of {distinct} claims are already done in {summary.journal}")

    if todo:
        finished = _check_rows(todo, backend, journal, done, summary, top_k, batch_size, progress, stop_after_batches,
                               distinct, log)
        if not finished:
            summary.verdicts = Counter(done[f.key]["result"]["verdict"] for f in first
                                       if done.get(f.key, {}).get("claim") == f.claim)
            summary.elapsed_s = time.perf_counter() - started
            return summary

    items = [Checked(r, done[f.key]["result"], same_as_line=None if r is f else f.line_no) for r, f in zip(rows, first)]
    summary.verdicts = Counter(i.result["verdict"] for i in items)
    info = ReportInfo(input_path.name, date or dt.date.today().isoformat(), top_k, summary.bad_rows, organization,
                      language)
    write_output(output_path, fmt, items, info)
    journal.remove()
    summary.finished = True
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _check_rows(todo, make_backend, journal, done, summary, top_k, batch_size, progress, stop_after, total,
                log) -> bool:
    """Send `todo` through the backend batch by batch, journaling each; False when stopped early."""
    from tqdm import tqdm

    backend = make_backend()
    try:
        if getattr(backend, "max_batch", None):
            batch_size = min(batch_size, backend.max_batch)
        if hasattr(backend, "check_ready"):
            backend.check_ready()
        bar = tqdm(total=total, initial=total - len(todo), unit="claim", desc="checking", file=sys.stderr,
                   dynamic_ncols=True, disable=None if progress else True)
        try:
            for start in range(0, len(todo), batch_size):
                if stop_after is not None and summary.batches >= stop_after:
                    return False
                batch = todo[start:start + batch_size]
                results = backend.verify_batch([r.claim for r in batch], top_k)
                records = [{"key": r.key, "line": r.line_no, "id": r.id, "claim": r.claim, "result": res}
                           for r, res in zip(batch, results)]
                journal.append(records)
                done.update((rec["key"], rec) for rec in records)
                summary.checked += len(batch)
                summary.batches += 1
                bar.update(len(batch))
        finally:
            bar.close()
    except BaseException:
        saved = summary.from_journal + summary.checked
        if saved:
            log(f"{saved} of {total} claims are saved in {summary.journal}; run the same command again to resume")
        raise
    finally:
        backend.close()
    return True


def _report_bad_rows(bad: list[BadRow], log) -> None:
    if not bad:
        return
    log(f"{len(bad)} row{'s' if len(bad) > 1 else ''} skipped:")
    for b in bad[:BAD_ROWS_PRINTED]:
        log(f"  {b}")
    if len(bad) > BAD_ROWS_PRINTED:
        log(f"  ... and {len(bad) - BAD_ROWS_PRINTED} more (all are listed in .md and .html reports)")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
