"""`recoupe bench fuzz`: schemathesis over the OpenAPI document, against a real server with the verifier loaded.

The server is `recoupe serve` on a copy of the configured index (so that the
generated writes and deletes touch no real corpus), with an API key the
fuzzer sends, and rate limits off (the fuzzer would otherwise mostly meet
429s). Checks: no 5xx, every status documented, the documented content
type, every body valid against its documented schema.

Target (issue 12): 0 server errors and 0 schema violations over >= 5,000
requests with the verifier loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from lab.bench.latency import served
from service.errors import InvalidInput
from lab.bench.scratch import scratch_index

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SERVER_ERRORS = {"ST101", "ST102"}  # a 5xx, a 5xx on an undeclared Content-Type
# undocumented status, missing / undocumented / malformed Content-Type, body against its schema, not JSON
SCHEMA_CHECKS = {"ST103", "ST104", "ST105", "ST106", "ST108", "ST109"}


def schemathesis_command() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if not exe.exists():
        raise InvalidInput("schemathesis is not installed: pip install -e '.[test]'")
    return [str(exe)]


def run(config, *, max_examples: int = 100, seed: int | None = None, threads: int = 4, log=print) -> dict:
    with scratch_index(config, "fuzz") as (tmp, data_dir, key):
        report_path = Path(tmp) / "report.json"
        with served(replace(config, data_dir=data_dir, api_key=key), threads, log=log) as server:
            command = [*schemathesis_command(), "--no-color", "run", f"{server.url}/v1/openapi.json", "--checks", CHECKS,
                       "-n", str(max_examples), "-H", f"X-API-Key: {key}", "--report", "json",
                       "--report-json-path", str(report_path), "--continue-on-failure"]
            if seed is not None:
                command += ["--seed", str(seed)]
            proc = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
            server.check_running()
        if not report_path.exists():
            raise InvalidInput(f"schemathesis wrote no report (exit {proc.returncode}):\n{proc.stdout[-3000:]}"
                               f"{proc.stderr[-2000:]}")
        report = json.loads(report_path.read_text())
    failures = report.get("failures", [])
    server_errors = sum(f["count"] for f in failures if f.get("code") in SERVER_ERRORS)
    violations = sum(f["count"] for f in failures if f.get("code") in SCHEMA_CHECKS)
    cases = report["test_cases"]["generated"]
    return {
        "schemathesis": report.get("schemathesis_version"), "seed": report.get("seed"),
        "max_examples": max_examples, "test_cases": cases, "operations": report["operations"]["tested"],
        "server_errors": server_errors, "schema_violations": violations,
        "failures": failures, "errors": report.get("errors", []), "warnings": report.get("warnings", {}),
        "seconds": round(report.get("running_time", 0), 1),
        "output_tail": proc.stdout[-4000:] if failures or report.get("errors") else "",
        "targets": {"no_server_error": server_errors == 0, "no_schema_violation": violations == 0,
                    "at_least_5000_requests": cases >= 5000},
    }
