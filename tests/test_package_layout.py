"""Serving apart from the lab: `service/` runs when Recoupe serves, ingests and checks; `lab/` trains,
measures and builds the models. If these break, a server needs the training stack (torch, transformers,
scikit-learn, matplotlib: about 2 GB more to install, seconds more to start) or the two packages grow
back into each other."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, need_stance_model

# Installed with the `lab` extra (pyproject.toml), never needed to answer a request.
TRAINING_LIBRARIES = ("torch", "transformers", "sentence_transformers", "sklearn", "matplotlib", "onnx", "lab")
# The command line is the one edge of the service that reaches the lab: service/cli/main.py registers
# the lab's commands (`recoupe models`, `eval`, `bench`, defined in lab/cli) inside a function, and only
# when the command line does not name one of the service's.
CLI = REPO / "service" / "cli"
LAB_COMMANDS = "lab.cli"


def _imports(path: Path):
    """(module imported, whether the import is inside a function) for every import in a source file."""
    tree = ast.parse(path.read_text(), str(path))

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, inside
            elif isinstance(child, ast.ImportFrom) and not child.level:
                yield child.module or "", inside
            yield from visit(child, inside)

    yield from visit(tree, False)


def test_no_service_module_imports_the_lab():
    offenders = []
    for path in sorted((REPO / "service").rglob("*.py")):
        for module, in_function in _imports(path):
            if module.split(".")[0] != "lab":
                continue
            if path.is_relative_to(CLI) and in_function and module == LAB_COMMANDS:
                continue
            offenders.append(f"{path.relative_to(REPO)} imports {module}"
                             + (f" (the command line reaches the lab through {LAB_COMMANDS} only, inside a function)"
                                if path.is_relative_to(CLI) else " (only the command line may)"))
    assert not offenders, offenders


def test_the_index_never_imports_retrieval():
    # Data flows ingest -> index -> retrieve: retrieval reads the index (and builds its shards), not the reverse.
    offenders = [f"{path.relative_to(REPO)} imports {module}"
                 for path in sorted((REPO / "service" / "index").rglob("*.py"))
                 for module, _ in _imports(path) if module.startswith("service.retrieve")]
    assert not offenders, offenders


def test_the_rule_sees_an_import_of_the_lab(tmp_path):
    # The check above must be able to fail: a module-level and a nested import are both found.
    sample = tmp_path / "sample.py"
    sample.write_text("import lab.stance.train\n\ndef f():\n    from lab.bench import data\n")
    assert list(_imports(sample)) == [("lab.stance.train", False), ("lab.bench", True)]


def _loaded_by(code: str) -> list[str]:
    """The training libraries and lab modules in sys.modules after running `code` in a fresh process."""
    code += f"\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {TRAINING_LIBRARIES!r})))"
    return json.loads(subprocess.run([sys.executable, "-c", "import json, sys\n" + code], cwd=REPO, check=True,
                                     capture_output=True, text=True).stdout)


def test_building_the_command_line_of_a_service_command_imports_no_lab():
    # What `recoupe serve` (or ingest, check...) does before running: its parser, with every service command.
    loaded = _loaded_by("from service.cli.main import _parser\n"
                        "args = _parser(['--config', 'x.toml', 'serve']).parse_args(['serve'])\n"
                        "assert args.func.__module__ == 'service.cli.serve_cmd'")
    assert loaded == []


def test_the_whole_command_line_imports_the_lab_commands_but_no_training_library():
    # `recoupe --help` and the lab's commands: lab/cli's argument definitions, nothing they run.
    loaded = _loaded_by("from service.cli.main import _parser\n"
                        "_parser().parse_args(['models', 'train-stance', '--max-hours', '1'])")
    assert LAB_COMMANDS in loaded
    assert [m for m in loaded if m.split(".")[0] != "lab"] == [], loaded
    assert {m.split(".")[1] for m in loaded if "." in m} <= {"cli", "evaluate"}, loaded


def test_answering_a_verification_imports_no_training_library(config, embedder, tmp_path):
    """The app over the seeds verifies a claim over HTTP in a fresh process; afterwards none of the
    training libraries (nor the lab) is in sys.modules."""
    need_stance_model(config)
    from service.corpus import Corpus

    corpus = Corpus(config.with_overrides(data_dir=tmp_path), embedder)
    corpus.ingest_paths([REPO / "seeds"])
    corpus.close()
    code = f"""
import json, sys
from service.api import create_app
from service.config import Config

config = Config(data_dir={str(tmp_path)!r}, rate_limit_verify="", rate_limit_writes="", rate_limit_reads="")
client = create_app(config).test_client()
answer = client.post("/v1/verify", json={{"claim": "Kim Kardashian ne publiera pas sur Instagram mercredi"}})
assert answer.status_code == 200, answer.get_data(as_text=True)
print(json.dumps({{"verdict": answer.get_json()["verdict"],
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in {TRAINING_LIBRARIES!r})}}))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["verdict"], result
    assert result["loaded"] == [], f"a verification imported {result['loaded']}"
