"""The package's shape: stages as subpackages importing downwards, no cycles, small modules, light start-up."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "camhs_rom"
STAGES = ["core", "instruments", "stats", "ingest", "study1", "study2", "synthetic", "replication", "robustness", "report", "consortium"]
MAX_LINES = 400


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_stage_subpackage():
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(STAGES)
    assert [p.name for p in PACKAGE.glob("*.py")] == ["__init__.py"]
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert init.read_text(encoding="utf-8") == "", f"{init} should be empty (imports stay lazy and cheap)"


def test_the_layering_contract_holds():
    """import-linter's layers contract in pyproject.toml: a stage imports only from layers below it."""
    command = Path(sys.executable).with_name("lint-imports")  # installed beside this Python by the test extra
    done = subprocess.run([str(command), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph("camhs_rom", cache_dir=None)
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or imported == "camhs_rom":
                continue
            assert not graph.chain_exists(importer=imported, imported=module), f"cycle: {module} -> {imported} -> ... -> {module}"


def test_package_modules_import_each_other_at_the_top():
    """Imports inside functions were how cycles hid; the package's own modules are imported at the top."""
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("camhs_rom")):
                        pytest.fail(f"{path.relative_to(ROOT)}:{inner.lineno} imports camhs_rom inside {node.name}()")


def test_no_module_is_longer_than_the_limit():
    long = {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_each_rule_its_script_and_its_steps_function_share_one_name():
    rules = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for name, body in re.findall(r"^[ \t]*rule (\w+):\n(.*?)(?=^[ \t]*rule |\Z)", smk.read_text(encoding="utf-8"), flags=re.M | re.S):
            script = re.search(r'script:\s*\n\s*"\.\./scripts/(\w+)\.py"', body)
            if script:
                rules[name] = script.group(1)
    assert len(rules) >= 20
    for rule, script in rules.items():
        assert script == rule, f"rule {rule} runs scripts/{script}.py"
        text = (ROOT / "workflow" / "scripts" / f"{script}.py").read_text(encoding="utf-8")
        assert re.search(rf"^from camhs_rom\.\w+\.steps import {rule}$", text, flags=re.M), f"scripts/{script}.py does not call a steps function named {rule}"


def test_workflow_scripts_are_thin_adapters_of_a_stage_steps_module():
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        imports = re.findall(r"^from (camhs_rom\.[\w.]+) import", text, flags=re.M)
        steps = [m for m in imports if m != "camhs_rom.core.runner"]
        assert steps and all(re.fullmatch(r"camhs_rom\.\w+\.steps", m) for m in steps), f"{script.name} imports {imports}"
        assert "run_step(" in text, f"{script.name} does not run its step through camhs_rom.core.runner.run_step"


@pytest.mark.e2e
def test_workflow_start_up_imports_no_analysis_library(tmp_path):
    """Every snakemake call (a dry run, each job's DAG) parses the workflow: it stays light."""
    work = tmp_path / "w"
    work.mkdir()
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, work / name)
    for name in ("workflow", "notebooks"):
        shutil.copytree(ROOT / name, work / name)
    shutil.copytree(ROOT / "data" / "instruments", work / "data" / "instruments")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--quiet"], cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "camhs_rom.core.schemas" in imported  # the check below looked at the workflow's own imports
    heavy = sorted(m for m in imported if m.split(".")[0] in {"scipy", "statsmodels", "matplotlib", "seaborn", "pingouin", "sklearn", "factor_analyzer"})
    assert not heavy, f"the workflow's start-up imports {heavy[:10]}"


def _anchors(markdown: str) -> set[str]:
    """GitHub-style anchors of a Markdown file's headings."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_readme_and_docs_links_resolve():
    """Every relative link of the README and docs/ names a file (and heading) that exists."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.exists(), f"{page.name}: link to {target} ({resolved} does not exist)"
            if anchor and resolved.suffix == ".md":
                assert anchor in _anchors(resolved.read_text(encoding="utf-8")), f"{page.name}: link to {target}: no such heading"


def test_readme_stays_a_front_page():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


def test_report_jobs_do_not_build_the_rfc3987_grammar():
    """A report job imports nbformat/papermill after camhs_rom has loaded jsonschema without the
    rfc3987 grammar (about a second of CPU per job otherwise)."""
    code = "import sys, camhs_rom.report.steps, nbformat, papermill; print('rfc3987_syntax' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def test_every_notebook_cell_has_a_fixed_id():
    """nbformat 4.5 gives a cell without an id a random one when the notebook is read, and the id is written into
    report.html: a cell without one makes every run's report differ."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        missing = [k for k, cell in enumerate(cells) if not cell.get("id")]
        assert not missing, f"{path.name}: cells {missing} have no id"
        assert len({cell["id"] for cell in cells}) == len(cells), f"{path.name}: an id is used twice"
