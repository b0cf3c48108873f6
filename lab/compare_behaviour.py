"""Do two versions of the code give the same answers? A refactoring of the
verdict layer must not move a verdict, a probability or the order of the
evidence: this runs the same verifications under a baseline commit and under
the working tree, in one run, and diffs the JSON answers.

    .venv/bin/python lab/compare_behaviour.py              # baseline 304c111
    .venv/bin/python lab/compare_behaviour.py --baseline COMMIT

What runs, in each version, one after the other (never both at once: two cores):
- `recoupe eval seeds`: every seed claim through a fresh index of seeds/;
- POST /v1/verify for every seed claim (default options), and a set of
  calls with filters (languages, sources, dates) and top_k variations,
  POST /v1/verify/batch, and a few refused requests (their problem bodies);
- `recoupe verify --json` on two claims;
- where the shared benchmark data is beside the repository, `recoupe eval scifact` on a
  subset (50 abstracts, 20 claims): the pool evaluation's Verifier, with candidates computed
  beforehand, on claims the seeds do not have.
Both versions read the same models folder and a copy each of the same index
(the demo corpus in data/, without its desk file: each version opens its own
desk, in its own schema), so the only difference is the code. The baseline is checked out into a temporary
git worktree, removed at the end. Timings and request ids are left out of
the comparison; everything else must be equal. Exit status 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "304c111"
# Keys whose values differ from run to run whatever the code: left out of the comparison.
VOLATILE = {"timings_ms", "timings", "timings_s", "request_id", "written_at", "started_at", "finished_at", "out_dir",
            "seconds", "elapsed_s", "plots"}

# Fields holding words rendered for a person, not decisions.
RENDERED = ("explanation", "checks", "title", "errors")

# Run inside each version's tree (its own `service` package first on sys.path).
CHILD = r'''
import contextlib, io, json, os, sys, tempfile
from pathlib import Path

out_path = Path(sys.argv[1])
import service
assert Path(service.__file__).resolve().parent.parent == Path.cwd().resolve(), service.__file__

from service.api import create_app
from service.cli.main import main as cli
from service.config import load_config

claims = [json.loads(line)["claim"] for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
result = {"service": str(Path(service.__file__).parent)}

with tempfile.TemporaryDirectory() as tmp:
    with contextlib.redirect_stdout(io.StringIO()):
        rc = cli(["eval", "seeds", "--out", tmp])
    result["eval_seeds_rc"] = rc
    result["eval_seeds"] = json.loads((Path(tmp) / "results.json").read_text(encoding="utf-8"))

app = create_app(load_config())
client = app.test_client()
calls = [("/v1/verify", {"claim": c}) for c in claims]
first = claims[0]
for top_k in (1, 3, 10, 25, 50):
    calls.append(("/v1/verify", {"claim": first, "top_k": top_k}))
for claim in claims[:6]:
    calls += [
        ("/v1/verify", {"claim": claim, "languages": ["en"]}),
        ("/v1/verify", {"claim": claim, "languages": ["fr"], "top_k": 5}),
        ("/v1/verify", {"claim": claim, "sources": ["002_2d02040bb30b1af3.txt"]}),
        ("/v1/verify", {"claim": claim, "sources": ["000_c9a7ba25d01f7fbf.txt", "003_525ca13e8105f9df.txt"],
                        "top_k": 3}),
        ("/v1/verify", {"claim": claim, "date_from": "2020-09"}),
        ("/v1/verify", {"claim": claim, "date_to": "2020-08-31"}),
    ]
calls += [
    ("/v1/verify/batch", {"claims": claims[:8]}),
    ("/v1/verify/batch", {"claims": claims[8:20], "top_k": 4, "languages": ["fr"]}),
    ("/v1/verify", {"claim": "  Kim   Kardashian a 189\u00a0millions d\u2019abonn\u00e9s sur Instagram  "}),
    ("/v1/verify", {"claim": "\ufdfa" * 115, "top_k": 2}),  # 115 characters sent, 2,070 once NFKC-normalised
    ("/v1/verify", {"claim": ""}),
    ("/v1/verify", {"claim": "   "}),
    ("/v1/verify", {"claim": "?!"}),
    ("/v1/verify", {"claim": "a" * 1001}),
    ("/v1/verify", {"claim": first, "top_k": 0}),
    ("/v1/verify", {"claim": first, "top_k": 51}),
    ("/v1/verify", {"claim": first, "top_k": "3"}),
    ("/v1/verify", {"claim": first, "date_from": "2021", "date_to": "2020"}),
    ("/v1/verify/batch", {"claims": [first] * 65}),
    ("/v1/verify/batch", {"claims": []}),
]
answers = []
for path, body in calls:
    r = client.post(path, json=body)
    answers.append({"path": path, "body": body, "status": r.status_code, "json": r.get_json()})
result["api"] = answers

cli_out = []
for claim in (claims[0], claims[3]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli(["verify", "--json", "-k", "7", claim])
    cli_out.append({"claim": claim, "rc": rc, "json": json.loads(buf.getvalue())})
result["cli_verify"] = cli_out

shared = sys.argv[3]
if shared:
    with tempfile.TemporaryDirectory() as tmp:
        with contextlib.redirect_stdout(io.StringIO()):
            rc = cli(["eval", "scifact", "--data", shared, "--limit", "50", "--claims", "20", "--out", tmp,
                      "--cache", str(Path(tmp) / "cache")])
        pool = json.loads((Path(tmp) / "results.json").read_text(encoding="utf-8"))
    result["eval_scifact_subset"] = {"rc": rc, "verdict": pool.get("verdict")}
out_path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
'''


INDEX_FILES = ("recoupe.sqlite3", "passages.faiss", "passages.faiss.json")  # the index, not the desk nor caches


SHARED_DATA = REPO.parent / "shared" / "data"  # the benchmark data beside the repository (read-only)


def run_version(tree: Path, out: Path, claims_file: Path) -> dict:
    data = out.parent / f"data-{out.stem}"
    data.mkdir()
    for name in INDEX_FILES:
        shutil.copy2(REPO / "data" / name, data / name)
    env = {**os.environ, "PYTHONPATH": str(tree), "RECOUPE_MODELS_DIR": str(REPO / "models"),
           "RECOUPE_DATA_DIR": str(data), "RECOUPE_RATE_LIMIT_VERIFY": "",
           "RECOUPE_RATE_LIMIT_READS": "", "RECOUPE_RATE_LIMIT_WRITES": ""}
    log = out.with_suffix(".log")
    with open(log, "w") as err:  # the request log and progress bars: shown only when the run fails
        shared = str(SHARED_DATA) if (SHARED_DATA / "scifact").is_dir() else ""
        done = subprocess.run([sys.executable, "-c", CHILD, str(out), str(claims_file), shared], cwd=tree, env=env,
                              stdout=err, stderr=err)
    if done.returncode:
        sys.stderr.write(log.read_text()[-6000:])
        raise SystemExit(f"the run in {tree} failed ({done.returncode})")
    return json.loads(out.read_text(encoding="utf-8"))


def stable(value):
    """`value` without the keys that change from run to run."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def differences(old, new, where: str = "") -> list[str]:
    """Every place where two JSON values differ, as 'path: old -> new'."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in list(old) + [k for k in new if k not in old]:
            if k not in new:
                out.append(f"{where}.{k}: only in the baseline")
            elif k not in old:
                out.append(f"{where}.{k}: new field ({json.dumps(new[k], ensure_ascii=False)[:120]})")
            else:
                out += differences(old[k], new[k], f"{where}.{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} items -> {len(new)}"]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{where}[{i}]")]
    if old != new:
        return [f"{where}: {json.dumps(old, ensure_ascii=False)[:200]} -> {json.dumps(new, ensure_ascii=False)[:200]}"]
    return []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    parser.add_argument("--words", type=int, default=20, help="rendered-word differences to print (default 20)")
    parser.add_argument("--keep", help="write both answers (JSON) into this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recoupe-compare-") as tmp:
        tmp = Path(tmp)
        tree = tmp / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), args.baseline], cwd=REPO,
                       check=True)
        try:
            claims_file = REPO / "tests" / "data" / "seed_claims.jsonl"
            print(f"baseline {args.baseline} ...", flush=True)
            old = run_version(tree, tmp / "old.json", claims_file)
            print("working tree ...", flush=True)
            new = run_version(REPO, tmp / "new.json", claims_file)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            for name, value in (("baseline.json", old), ("working_tree.json", new)):
                (Path(args.keep) / name).write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    old.pop("service"), new.pop("service")
    found = differences(stable(old), stable(new))
    # The words a person reads (rendered at the edge from the typed values) are reported apart: they
    # change with the catalogues; what is decided must not.
    words = [d for d in found if any(f".{k}" in d.split(":")[0] for k in RENDERED)]
    # A field added to an answer (every old field still there, with its value) is reported, not a change.
    added = [d for d in found if ": new field (" in d]
    found = [d for d in found if d not in words and d not in added]
    answered = sum(1 for a in new["api"] if a["status"] == 200)
    pool = (new.get("eval_scifact_subset") or {}).get("verdict") or {}
    print(f"{len(pool.get('claims', []))} SciFact claims through the pool evaluation; " if pool else
          "no shared data: the pool evaluation was not compared; ", end="")
    print(f"{len(new['eval_seeds'].get('verdict', {}).get('claims', []) or [])} seed claims evaluated; "
          f"{len(new['api'])} API calls ({answered} answered 200); {len(new['cli_verify'])} CLI verifications")
    if added:
        fields = sorted({d.split(": new field")[0].rsplit(".", 1)[-1] for d in added})
        print(f"{len(added)} field(s) added, in {len(fields)} name(s): {', '.join(fields)} (every old field kept)")
    if words:
        print(f"{len(words)} difference(s) in rendered words only (explanation, checks, problem messages):")
        for line in words[:args.words]:
            print("  " + line)
        if len(words) > args.words:
            print(f"  ... {len(words) - args.words} more (--words N shows more)")
    if found:
        print(f"{len(found)} difference(s):")
        for line in found:
            print("  " + line)
        return 1
    print("identical: verdicts, confidences, probabilities, evidence and its order, stances, findings, reasons, "
          "statuses" + ("" if words else ", words and error bodies"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
