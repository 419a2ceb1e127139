"""The sample corpus on a one-node SLURM cluster (tools/slurm-one-node.sh starts and stops the daemons): the same
version id and byte-identical published parquet as a run with --cores 2. Runs where SLURM, munge and the
executor plugin are installed and the user is root; skipped, saying which is missing, elsewhere."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, snakemake

pytestmark = pytest.mark.slow
SCRIPT = REPO / "tools" / "slurm-one-node.sh"
MISSING = [tool for tool in ("slurmctld", "slurmd", "munged", "sbatch") if shutil.which(tool) is None]


def _parquet(version_dir: Path) -> dict[str, str]:
    return {p.relative_to(version_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(version_dir.rglob("*.parquet"))}


@pytest.mark.skipif(bool(MISSING), reason=f"SLURM is not installed here (no {', '.join(MISSING)}): "
                                          "apt-get install slurm-wlm munge")
@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm is not installed (pip install snakemake-executor-plugin-slurm)")
@pytest.mark.skipif(os.geteuid() != 0, reason="a one-node SLURM needs root (slurmd starts the jobs as their user)")
def test_one_node_slurm_publishes_the_same_version_and_bytes(tmp_path):
    local = tmp_path / "local"
    snakemake(local, "--config", f"input_dir={SAMPLE / 'corpus'}")
    cluster = tmp_path / "slurm"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(["bash", str(SCRIPT), str(cluster), "--config", f"input_dir={SAMPLE / 'corpus'}"],
                            capture_output=True, text=True, env=env, timeout=3600)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert "one-node SLURM up" in result.stdout
    version = (local / "results/published/LATEST").read_text().strip()
    assert (cluster / "results/published/LATEST").read_text().strip() == version
    expected = _parquet(local / "results/published" / version)
    assert expected and _parquet(cluster / "results/published" / version) == expected
    # the jobs went through SLURM (all but the local rules); the executor deletes their logs once they succeed
    submitted = (result.stdout + result.stderr).count("has been submitted with SLURM jobid")
    assert submitted >= 2 * len(list((local / "results/decode/sources").glob("*.parquet"))), submitted
