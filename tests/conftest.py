"""Shared fixtures: the repository, the sample corpus run through every stage in process, the seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from jianghua.runner import process

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "resources" / "sample"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
REAL = REPO.parent / "shared" / "corpus" / "real"


def normalize_texts(texts: list[str], protected=(), min_files: int = 3, min_share: float = 0.1) -> dict:
    """The survey's and normalize's tables for ``texts`` as one corpus of one shard (sources s0, s1, ...)."""
    from jianghua.stages.normalize import normalize_frame
    from jianghua.stages.survey import survey

    decoded = pl.DataFrame({"source_id": [f"s{i}" for i in range(len(texts))], "text": list(texts)})
    corpus = survey([{"decoded": decoded}], min_files, min_share, list(protected))
    return corpus | normalize_frame(decoded, corpus["annotations"], corpus["boilerplate_lines"], "×", 0.9)


@pytest.fixture(scope="session")
def sample_truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_frames() -> dict[str, pl.DataFrame]:
    return process(SAMPLE / "corpus")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed corpus is not at {SEEDS} (it lives in ../shared beside the repository)")
    return SEEDS


@pytest.fixture(scope="session")
def seed_frames(seeds_dir) -> dict[str, pl.DataFrame]:
    return process(seeds_dir)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL / "pages").is_dir():
        pytest.skip(f"the real pages are not at {REAL / 'pages'} (they live in ../shared beside the repository)")
    return REAL


@pytest.fixture(scope="session")
def real_frames(real_dir) -> dict[str, pl.DataFrame]:
    return process(real_dir / "pages")


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the workflow of this repository with its results in ``workdir`` (``env``: more environment variables)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {}))
    result = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                             "--directory", str(workdir), "--cores", "2", *args],
                            capture_output=True, text=True, env=env)
    if check and result.returncode:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result
