"""What to check in a 5,000-word transcript: the time `ClaimFinder.extract` takes (split, embed every
sentence, score, rank), best of three, with the machine's load beside it.

    python -m lab.bench.extract_speed [--words 5000] [--out reports/bench/extract-speed.json]

The transcript is the first CheckThat! 2020 task 5 test transcripts (debates and speeches, one
sentence a line, read from the shared data folder) cut at the word count, paragraphs by speaker;
without that folder, the seeds' French articles repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from service.config import REPO_ROOT

TARGET_S = 5.0


def transcript(words: int) -> tuple[str, str]:
    from lab.stance.data import resolve_data_dir

    try:
        from lab.checkworthy.data import read_task5

        rows = read_task5(resolve_data_dir())["test"]
        source = "CheckThat! 2020 task 5 test transcripts"
    except Exception:  # noqa: BLE001 (no shared data: the seeds)
        rows, source = None, "the seeds' articles, repeated"
    lines, n = [], 0
    if rows:
        for r in rows:
            lines.append(r.text)
            n += len(r.text.split())
            if n >= words:
                break
        return "\n\n".join(lines), source
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "seeds").glob("*.txt"))]
    while n < words:
        for text in seeds:
            lines.append(text)
            n += len(text.split())
    return "\n\n".join(lines), source


def run(config, words: int = 5000, repeats: int = 3) -> dict:
    from service.checkworthy.extract import load_finder

    text, source = transcript(words)
    finder = load_finder(config)
    finder.extract("Le chômage a baissé de 2 % en 2023.")  # models loaded and warm
    runs, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = finder.extract(text)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"words": len(text.split()), "sentences": result.total, "source": source,
            "seconds_best": round(min(runs), 2), "seconds_all": [round(r, 2) for r in runs],
            "stages_ms_last": result.timings_ms,
            # CPU seconds of this process (every thread): on a busy machine, the wall time measures the
            # neighbours; CPU time / cores is what the same work takes on the machine alone.
            "cpu_seconds_best": round(min(cpu), 2), "idle_estimate_s": round(min(cpu) / min(2, os.cpu_count()), 2), "target_s": TARGET_S, "meets_target": min(runs) < TARGET_S,
            "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "embedder": finder.embedder.name}


def main(argv=None) -> None:
    from service.config import load_config

    p = argparse.ArgumentParser(prog="python -m lab.bench.extract_speed")
    p.add_argument("--words", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=str(REPO_ROOT / "reports" / "bench" / "extract-speed.json"))
    args = p.parse_args(argv)
    report = run(load_config(), args.words, args.repeats)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
