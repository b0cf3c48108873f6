"""Ray is an optional extra: the single-machine server and CLI never import it."""

from __future__ import annotations

import subprocess
import sys


def test_single_machine_serving_does_not_import_ray():
    code = ("import sys; import service.cli.main, service.cli.serve_cmd, service.api, service.verify, "
            "service.retrieve.shards, service.retrieve.sharded; "
            "from service.api import create_app; create_app(); "
            "service.cli.main._parser(); "
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
