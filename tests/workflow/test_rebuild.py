"""Scheduled rebuilds: one changed file reruns only its shard; a killed run resumes; the report escapes text."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter

import polars as pl
import pytest

from jianghua import registry
from jianghua.inputs import shard_of

from conftest import REPO, SAMPLE, snakemake

pytestmark = pytest.mark.slow
# markup inside a title (at its edges it would be stripped as forum noise, like any ASCII run of symbols)
# markup that is no tag (tags are page furniture, which normalize removes): the report must escape it
EVIL_TITLE = "在全市<&>作风建设大会上的讲话"


def _jobs(result) -> dict[str, int]:
    """Job counts per rule from a dry run's job stats table."""
    counts, in_table = {}, False
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
        elif in_table and line.strip() and not line.startswith("-"):
            name, *rest = line.split()
            if name == "total":
                break
            counts[name] = int(rest[-1])
    return counts


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    base = tmp_path_factory.mktemp("rebuild")
    corpus = base / "corpus"
    shutil.copytree(SAMPLE / "corpus", corpus)
    (corpus / "evil.txt").write_text(f"{EVIL_TITLE}\n同志们：\n各级党组织要坚持稳中求进，推动高质量发展。\n", encoding="utf-8")
    work = base / "work"
    config = ["--config", f"input_dir={corpus}", "shards=4"]
    snakemake(work, *config)
    return corpus, work, config


def test_report_holds_its_plots_and_escapes_titles(rebuilt, tmp_path):
    _, work, config = rebuilt
    snakemake(work, *config, "--report", str(tmp_path / "report.zip"))
    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        names = {os.path.basename(n): n for n in archive.namelist()}
        for plot in ("funnel.svg", "encodings.svg", "repairs.svg", "formulations.svg", "validation.svg"):
            assert plot in names and archive.read(names[plot]).startswith(b"<svg")
        page = archive.read(names["documents.html"]).decode("utf-8")
    assert "在全市&lt;&amp;&gt;作风建设大会上的讲话" in page
    assert "<script>" not in page


def _ran(result) -> dict[str, int]:
    """Jobs that ran, per rule, from a run's log."""
    return dict(Counter(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", result.stdout + result.stderr)))


SHARD_RULES = ("decode", "normalize", "segment", "extract")


def test_one_changed_file_reruns_only_its_shard(rebuilt):
    """The survey is corpus-wide and reruns, but what shard stages read of it comes out the same: no other
    shard reruns."""
    corpus, work, config = rebuilt
    root = work / "results" / "published"
    first = (root / "LATEST").read_text().strip()
    changed = "0000_plain.txt"
    # touched, not changed: read again at the plan (its decode job recorded what it read), and nothing reruns
    os.utime(corpus / changed, ns=(10**18, 10**18))
    assert "Nothing to be done" in snakemake(work, *config, "--dry-run").stdout
    with open(corpus / changed, "a", encoding="utf-8") as handle:
        handle.write("同志们，让我们扎实推动各项工作落地见效！\n")
    shard = f"{shard_of(changed, 4):03d}"
    dry = snakemake(work, *config, "--dry-run")
    assert f"results/decode/sources/{shard}.parquet" in dry.stdout and _jobs(dry)["decode"] == 1
    ran = _ran(snakemake(work, *config))
    assert {ran[rule] for rule in SHARD_RULES} == {1} and ran["survey"] == 1
    second = (root / "LATEST").read_text().strip()
    assert second != first and (root / "HISTORY").read_text().split() == [first, second]
    assert "扎实推动各项工作落地见效" in "".join(pl.read_parquet(root / second / "normalized")["text"])
    # a removed file (raw files are not declared inputs: a digest of the shard's entries is a parameter)
    # and a removed one: the survey's counts change, but not what normalize reads of them
    (corpus / changed).unlink()
    snakemake(work, *config)
    # counted from the run's own log file: the console's capture has missed a finished job's line
    logs = sorted((work / ".snakemake" / "log").glob("*.snakemake.log"))
    ran = Counter(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", logs[-1].read_text(encoding="utf-8")))
    assert {ran[rule] for rule in SHARD_RULES} == {1}, ran
    third = (root / "LATEST").read_text().strip()
    assert "扎实推动各项工作落地见效" not in "".join(pl.read_parquet(root / third / "normalized")["text"])
    assert "Nothing to be done" in snakemake(work, *config, "--dry-run").stdout


def test_data_docs_turned_on_after_a_run_are_built_and_the_version_stays(rebuilt):
    _, work, config = rebuilt
    latest = work / "results" / "published" / "LATEST"
    before = latest.read_text()
    snakemake(work, *config, "validate={data_docs: true}")
    logs = sorted((work / ".snakemake" / "log").glob("*.snakemake.log"))
    ran = set(re.findall(r"Finished jobid: \d+ \(Rule: (validate_\w+)\)", logs[-1].read_text(encoding="utf-8")))
    assert ran == {f"validate_{group}" for group in registry.VALIDATION_JOBS}
    for group in registry.VALIDATION_JOBS:
        site = work / "results" / "validation" / "data_docs" / group / "gx" / "uncommitted" / "data_docs" / "local_site"
        assert (site / "index.html").is_file(), group
    assert latest.read_text() == before  # Data Docs shape no published output


def test_interrupted_run_resumes_to_the_same_version(tmp_path):
    reference = tmp_path / "reference"
    snakemake(reference, "--config", f"input_dir={SAMPLE / 'corpus'}")
    work = tmp_path / "killed"
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")
    process = subprocess.Popen([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                                "--directory", str(work), "--cores", "2", "--config", f"input_dir={SAMPLE / 'corpus'}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and not list((work / "results" / "segment").glob("*/*.parquet")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (work / "results" / "published" / "LATEST").exists(), "killed too late to test anything"
    snakemake(work, "--config", f"input_dir={SAMPLE / 'corpus'}", "--unlock")
    snakemake(work, "--config", f"input_dir={SAMPLE / 'corpus'}", "--rerun-incomplete")
    version = (reference / "results" / "published" / "LATEST").read_text().strip()
    assert (work / "results" / "published" / "LATEST").read_text().strip() == version
    for path in sorted((reference / "results" / "published" / version).rglob("*.parquet")):
        resumed = work / "results" / "published" / version / path.relative_to(reference / "results" / "published" / version)
        assert resumed.read_bytes() == path.read_bytes(), path.name


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    work = tmp_path / "work"
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")
    first = subprocess.Popen([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                              "--directory", str(work), "--cores", "2", "--config", f"input_dir={SAMPLE / 'corpus'}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and not list((work / ".snakemake" / "locks").glob("*")):
        time.sleep(0.05)
    second = snakemake(work, "--config", f"input_dir={SAMPLE / 'corpus'}", check=False)
    # Snakemake refuses with its lock, or, when the first run already has jobs under way, with their
    # incomplete outputs; either way the second run writes nothing
    said = (second.stdout + second.stderr).lower()
    assert second.returncode != 0 and ("cannot be locked" in said or "incomplete" in said), said[-2000:]
    assert first.wait(timeout=300) == 0
    root = work / "results" / "published"
    version = (root / "LATEST").read_text().strip()
    assert pl.read_parquet(root / version / "sources").height == 37
