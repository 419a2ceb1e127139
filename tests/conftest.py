"""Shared fixtures: the repository, the sample corpus run through every stage in process, the seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from jianghua import decode, extract, normalize, segment

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "resources" / "sample"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
CONFIG = {"mask_token": "×", "min_files": 3, "min_share": 0.1, "protected": ["同志们："]}


def run_stages(input_dir: Path) -> dict[str, pl.DataFrame]:
    """Every stage's tables for one folder, in process (one shard)."""
    frames = decode.decode_shard(input_dir, decode.walk(input_dir), 64 << 20, 2.0)
    frames |= normalize.normalize_frame(frames["decoded"], CONFIG["mask_token"], CONFIG["min_files"],
                                        CONFIG["min_share"], CONFIG["protected"])
    frames |= segment.segment_frame(frames["normalized"], frames["edits"])
    frames |= extract.extract_frame(frames["documents"], frames["sentences"], frames["edits"], frames["decoded"],
                                    CONFIG["mask_token"])
    return frames


@pytest.fixture(scope="session")
def sample_truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_frames() -> dict[str, pl.DataFrame]:
    return run_stages(SAMPLE / "corpus")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEEDS} (it lives in ../shared beside the repository)")
    return SEEDS


@pytest.fixture(scope="session")
def seed_frames(seeds_dir) -> dict[str, pl.DataFrame]:
    return run_stages(seeds_dir)


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the workflow of this repository with its results in ``workdir``."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                             "--directory", str(workdir), "--cores", "2", *args],
                            capture_output=True, text=True, env=env)
    if check and result.returncode:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result
