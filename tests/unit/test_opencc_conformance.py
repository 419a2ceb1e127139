"""OpenCC's own test cases (../shared/external/opencc_t2s_cases.json) against the normalize stage's T->S."""

import json

import polars as pl
import pytest
from opencc import OpenCC

from jianghua.text.t2s import convert_t2s

from conftest import REPO

CASES = REPO.parent / "shared" / "external" / "opencc_t2s_cases.json"


@pytest.fixture(scope="module")
def results():
    if not CASES.exists():
        pytest.skip(f"OpenCC's cases are not at {CASES} (they live in ../shared beside the repository)")
    cases = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    reference = OpenCC("t2s")
    ours = convert_t2s(pl.Series([c["input"] for c in cases])).to_list()
    return [(c, out, reference.convert(c["input"])) for c, out in zip(cases, ours)]


def pass_counts(results, profile):
    rows = [(c["expected"][profile], ours, theirs) for c, ours, theirs in results if profile in c["expected"]]
    return len(rows), sum(e == o for e, o, _ in rows), sum(e == t for e, _, t in rows), \
        [e for e, o, t in rows if e == t and e != o]


def test_t2s_passes_at_least_50_of_55_and_loses_nothing(results):
    total, ours, package, lost = pass_counts(results, "t2s")
    assert total == 55 and package == 28
    assert ours >= 50 and lost == []


@pytest.mark.parametrize("profile", ["hk2s", "tw2s"])
def test_other_profiles_lose_nothing_the_package_passes(results, profile):
    total, ours, package, lost = pass_counts(results, profile)
    assert ours >= package and lost == []
