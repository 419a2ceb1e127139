import json

import polars as pl
import pyarrow.parquet as pq
import pytest

from jianghua import registry, tables
from jianghua.text.data import read_tsv
from jianghua.errors import SchemaError

from conftest import REPO


@pytest.mark.parametrize("table", tables.ALL_TABLES)
def test_schema_is_explicit_and_described(table):
    spec = tables.spec(table)
    assert spec["table"] == table and spec["schema_version"] >= 1
    assert all(c["description"] for c in spec["columns"])
    assert set(spec["keys"]) <= {c["name"] for c in spec["columns"]}
    assert tables.arrow_schema(table).metadata[b"jianghua.schema_version"] == str(spec["schema_version"]).encode()


def test_write_is_atomic_and_carries_versions(tmp_path):
    frame = pl.DataFrame({"source_id": ["a"], "text": ["发展"]})
    path = tmp_path / "decoded" / "000.parquet"
    tables.write(frame, "decoded", path)
    assert [p.name for p in path.parent.iterdir()] == ["000.parquet"]
    meta = pq.read_schema(path).metadata
    assert meta[b"jianghua.table"] == b"decoded" and b"jianghua.version" in meta
    assert tables.read("decoded", path).to_dicts() == [{"source_id": "a", "text": "发展"}]
    assert tables.read("decoded", path, columns=["text"]).to_dicts() == [{"text": "发展"}]


def test_reading_a_file_as_another_table_names_the_file(tmp_path):
    path = tmp_path / "000.parquet"
    tables.write(pl.DataFrame({"source_id": ["a"], "text": ["发展"]}), "decoded", path)
    with pytest.raises(SchemaError, match=rf"{path}: does not hold table 'sources'.*rebuild it"):
        tables.read("sources", path)


def test_conform_names_missing_and_extra_columns():
    with pytest.raises(SchemaError, match=r"missing columns \['text'\], unexpected columns \['body'\]"):
        tables.conform(pl.DataFrame({"source_id": ["a"], "body": ["x"]}), "decoded")


def test_series_builds_declared_types_and_lists_as_polars_would():
    items = [["坚持党的领导", "坚持人民至上"], [], ["自我革命"]]
    built = tables.series("formulations", "items", items)
    assert built.dtype == pl.List(pl.String) and built.name == "items"
    assert built.equals(pl.Series("items", items, pl.List(pl.String)))
    assert tables.series("formulations", "items", []).equals(pl.Series("items", [], pl.List(pl.String)))
    assert tables.series("formulations", "number", [3, None]).dtype == pl.Int64


def test_conform_rejects_nulls_in_required_columns():
    with pytest.raises(SchemaError, match="column 'text' has 1 nulls"):
        tables.conform(pl.DataFrame({"source_id": ["a"], "text": [None]}, schema={"source_id": pl.String, "text": pl.String}), "decoded")


# every table of data/ but the boilerplate rules (ordered by scope, tested below)
KEYED_TABLES = sorted(p.name for p in (registry.PACKAGE_DIR / "data").glob("*.tsv") if p.name != "boilerplate.tsv")


@pytest.mark.parametrize("name", KEYED_TABLES)
def test_data_tables_are_sorted_and_unique(name):
    keys = [row[0] for row in read_tsv(name)]
    assert keys == sorted(keys), f"{name} is not sorted by its first column"
    assert len(keys) == len(set(keys)), f"{name} has duplicate keys"


def test_boilerplate_rules_are_named_uniquely_and_compile():
    import re
    rows = read_tsv("boilerplate.tsv")
    assert len({name for _, name, *_ in rows}) == len(rows)
    assert {scope for scope, *_ in rows} == {"line", "break", "inline"}
    assert all(int(max_chars) >= 0 and prose in ("yes", "no") and re.compile(rx) for _, _, max_chars, prose, rx in rows)


def test_formulation_lexicon_is_complete_and_sourced():
    rows = read_tsv("formulations.tsv")
    assert len(rows) >= 300 and all(len(row) == 8 for row in rows)
    for canonical, kind, number, head, items, variants, scope, source in rows:
        assert kind in ("numbered", "compound") and scope in ("any", "quoted", "name") and source, canonical
        assert (number.isdigit() and head) if kind == "numbered" else not (number or head), canonical
        assert canonical not in variants.split("|"), canonical
    surfaces = [v for row in rows for v in (row[0], *filter(None, row[5].split("|")))]
    assert len(surfaces) == len(set(surfaces)), "a surface form names two entries"


def test_surnames_are_single_or_compound():
    assert {len(row[0]) for row in read_tsv("surnames.tsv")} == {1, 2} and len(read_tsv("surnames.tsv")) >= 300


def test_expectation_ids_are_unique_and_stable():
    for table in tables.ALL_TABLES:
        path = REPO / "schemas" / "expectations" / f"{table}.json"
        suite = json.loads(path.read_text(encoding="utf-8"))
        ids = [e["id"] for e in suite["expectations"]]
        assert len(ids) == len(set(ids)), path.name
        assert suite["name"] == f"jianghua.{path.stem}"
        assert all(e["severity"] in ("critical", "warning") for e in suite["expectations"])
        assert all(e["kind"] in ("structural", "content") for e in suite["expectations"]), path.name
