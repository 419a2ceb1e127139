"""What reruns a stage is what it depends on: every job's modules and data files are declared, and editing any
module, data file or schema reruns exactly the stages that depend on it (and what reads their tables)."""

import os
import shutil
from pathlib import Path

import pytest

from jianghua import registry

from conftest import SAMPLE, snakemake
from test_rebuild import _jobs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("dependencies")
    corpus = base / "corpus"
    corpus.mkdir()
    for name in ("0002_damaged.txt", "0004_compilation.txt", "0006_traditional.txt", "special/empty.txt"):
        (corpus / name).parent.mkdir(exist_ok=True)
        shutil.copy(SAMPLE / "corpus" / name, corpus / name)
    log = base / "dependencies.log"
    config = ["--config", f"input_dir={corpus}", "shards=2"]
    snakemake(base / "work", *config, env={"JIANGHUA_DEPENDENCY_LOG": str(log)})
    return base / "work", config, log


def test_every_job_reads_only_what_its_stage_declares(run):
    _, _, log = run
    seen = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    assert {stage for stage, _, _ in seen} == set(registry.STAGES)
    for stage, kind, name in seen:
        if kind == "data":
            assert name in registry.STAGES[stage].data, f"stage {stage} read {name} without declaring it"
        else:
            allowed = set(registry.code_files(stage)) | {registry.PACKAGE_DIR / "cli.py"}
            assert Path(name).resolve() in allowed, f"stage {stage} loaded {name}, outside its import closure"


def _expected_rules(path: Path) -> set[str]:
    """The rules an edit of ``path`` must rerun: the stages depending on it, and every rule reading what reruns."""
    direct = {name for name in registry.STAGES if path in registry.dependencies(name)}
    rerun, changed = set(), set()
    for stage in registry.TABLE_STAGES:
        if stage.name in direct or set(stage.reads) & changed:
            rerun.add(stage.name)
            changed |= set(stage.writes)
    # a validation job per group of tables, rerun when its code or one of the tables it reads changes
    validated = {f"validate_{group}" for group, group_tables in registry.VALIDATION_JOBS.items()
                 if "validate" in direct or set(registry.validation_reads(group_tables)) & changed}
    rerun |= validated
    # the version id hashes every dependency; sort_table and publish build the version the checkpoint names, so a
    # dry run plans them only once it has run (and every dependency of theirs is one of the version's)
    if path in registry.all_dependencies():
        rerun |= {"version", "latest"}
    if validated or changed & set(registry.STAGES["report"].reads) or "report" in direct:
        rerun.add("report")
    return rerun


def test_editing_a_dependency_reruns_exactly_the_stages_that_depend_on_it(run):
    work, config, _ = run
    files = sorted(set(registry.all_dependencies()) | set(registry.PACKAGE_DIR.rglob("*.py")))
    files = [p for p in files if "__pycache__" not in p.parts]
    wrong = {}
    for path in files:
        before, content = path.stat(), path.read_bytes()
        # an edit: Snakemake compares the checksum of an input newer than the outputs, so a touch is not one
        path.write_bytes(content + b"\n")
        try:
            plan = set(_jobs(snakemake(work, *config, "--dry-run"))) - {"all"}
        finally:
            path.write_bytes(content)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        expected = _expected_rules(path)
        if plan != expected:
            wrong[str(path)] = {"planned, not expected": sorted(plan - expected),
                                "expected, not planned": sorted(expected - plan)}
    assert wrong == {}
    assert _expected_rules(registry.PACKAGE_DIR / "text" / "t2s.py") >= {"normalize", "validate_normalize"}
    assert _expected_rules(registry.PACKAGE_DIR / "cli.py") == set()
