"""The lab's commands of `recoupe`: `models` (build, train, calibrate, evaluate the models), `eval`
(figures on benchmark data) and `bench` (benchmarks).

service/cli/main.py registers them, through `register`, only when the command line does not name
one of the service's own commands: `recoupe serve`, `ingest` or `check` never import the lab, while
`recoupe --help` lists every command. So these modules define arguments only; each command imports
what it runs (torch, scikit-learn, matplotlib) inside its own function.
"""

from __future__ import annotations


def register(sub) -> None:
    from lab.cli import bench, eval_cmd, models_cmds

    models_cmds.register(sub)
    eval_cmd.register(sub)
    bench.register(sub)
