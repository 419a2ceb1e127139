"""The one way to read data tables: the package's ``data/`` folder and OpenCC's dictionaries.

Every name read is recorded in ``OPENED``, so that a test can check that each stage declares in
``jianghua.registry`` every data file it reads (which is what reruns it when the file changes).
"""

from __future__ import annotations

from functools import cache

from jianghua.registry import data_path

OPENED: set[str] = set()


def read_text(name: str) -> str:
    """The text of a data file named as in ``jianghua.registry`` (``formulations.tsv``, ``opencc:TSPhrases.txt``)."""
    OPENED.add(name)
    return data_path(name).read_text(encoding="utf-8")


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a tab-separated data file (``#`` lines are comments)."""
    return [line.split("\t") for line in read_text(name).splitlines() if line and not line.startswith("#")]


@cache
def opencc_table(name: str) -> dict[str, str]:
    """An OpenCC dictionary (``TSCharacters.txt``, ``TSPhrases.txt``): each entry -> its first candidate."""
    table = {}
    for line in read_text(f"opencc:{name}").splitlines():
        source, targets = line.split("\t")
        table[source] = targets.split(" ")[0]
    return table
