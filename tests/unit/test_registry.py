"""The wiring declared once: the registry against the modules, schemas, suites, data and config it declares."""

import re
import subprocess
import sys

import pytest
import yaml

from jianghua import registry, tables
from jianghua.errors import ConfigError
from jianghua.runner import Settings
from jianghua.stages import validate
from jianghua.stages.normalize import OPERATIONS

PACKAGE = registry.PACKAGE_DIR


def _names(paths):
    return {p.relative_to(PACKAGE).as_posix() for p in paths}


def test_import_closures_are_what_each_stage_runs():
    normalize = _names(registry.code_files("normalize"))
    assert {"stages/normalize.py", "text/t2s.py", "text/outline.py", "text/pinyin.py", "text/repair.py",
            "text/lattice.py", "text/charmodel.py", "text/data.py", "tables.py", "runner.py", "registry.py", "__init__.py",
            "stages/__init__.py", "text/__init__.py"} <= normalize
    assert not {"stages/segment.py", "stages/survey.py", "inputs.py", "cli.py"} & normalize
    decode = _names(registry.code_files("decode"))
    assert {"text/charmodel.py", "inputs.py"} <= decode and "text/repair.py" not in decode
    assert not {"text/t2s.py", "text/repair.py"} & _names(registry.code_files("segment"))


def test_stages_reach_no_other_stage_and_no_test_support():
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        imported = set(registry._imports(path))
        if name.startswith("stages/"):
            own = f"jianghua.stages.{path.stem}"
            assert not {m for m in imported if m.startswith("jianghua.stages.") and m != own}, name
        if name.startswith("text/"):
            assert not {m for m in imported if m.startswith(("jianghua.stages", "jianghua.testing"))}, name
        if name != "cli.py" and not name.startswith("testing/"):
            assert not {m for m in imported if m.startswith("jianghua.testing")}, name
    for stage in registry.STAGES:
        assert not {p for p in registry.code_files(stage) if "testing" in p.parts}, stage


def test_only_the_data_module_opens_data_files():
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("data.py", "registry.py"):
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"resources\.files|data_path\(|/ \"dictionary\"|\"data/", source), path


def test_every_data_file_is_declared_and_every_declared_file_exists():
    declared = {name for stage in registry.STAGES.values() for name in stage.data}
    shipped = {p.name for p in (PACKAGE / "data").iterdir() if p.is_file()}
    assert shipped <= declared
    assert all(registry.data_path(name).is_file() for name in declared)


def test_every_table_has_its_schema_and_its_writer():
    schemas = {p.stem for p in (registry.SCHEMA_DIR / "tables").glob("*.json")}
    assert schemas == set(registry.PUBLISHED_TABLES)
    for table in registry.ALL_TABLES:
        assert tables.spec(table)["stage"] == registry.WRITER[table]
    assert all(tables.spec(table)["stage"] == "publish" for table in registry.PUBLISH_TABLES)
    assert set(registry.schema_files("publish")) == {registry.SCHEMA_DIR / "tables" / f"{t}.json"
                                                     for t in registry.PUBLISH_TABLES}
    suites = {p.stem for p in (registry.SCHEMA_DIR / "expectations").glob("*.json")} - {"parameters"}
    assert suites == set(registry.ALL_TABLES)


def test_read_columns_exist_in_the_schemas():
    for stage in registry.STAGES.values():
        for table, columns in stage.reads.items():
            names = {c["name"] for c in tables.spec(table)["columns"]}
            assert set(columns or ()) <= names, (stage.name, table)
    for table, others in registry.CHECKS_READ.items():
        for other, columns in others.items():
            assert set(columns) <= {c["name"] for c in tables.spec(other)["columns"]}, (table, other)


def test_validation_checks_and_their_reads_are_declared_together():
    assert set(validate.DERIVED) | set(validate.CORPUS_DERIVED) == set(registry.CHECKS_READ)
    assert set(validate.CORPUS_DERIVED) <= registry.CORPUS_TABLES and not set(validate.DERIVED) & registry.CORPUS_TABLES


def test_validation_jobs_check_every_table_once_as_soon_as_their_stages_are_done():
    grouped = [stage for group in registry.VALIDATION_GROUPS for stage in group]
    assert grouped == [s.name for s in registry.TABLE_STAGES]  # every table stage once, in the order they run
    assert [t for group in registry.VALIDATION_JOBS.values() for t in group] == list(registry.ALL_TABLES)
    order = {s.name: k for k, s in enumerate(registry.TABLE_STAGES)}
    for group, stages in zip(registry.VALIDATION_JOBS.values(), registry.VALIDATION_GROUPS):
        # a job waits on no stage after its own: each table its checks read is written by one of them or earlier
        last = max(order[s] for s in stages)
        assert all(order[registry.WRITER[t]] <= last for t in registry.validation_reads(group)), stages
    assert registry.validation_reads(registry.VALIDATION_JOBS["normalize"]) == [
        "normalized", "edits", "repairs", "decoded", "sources"]


def test_operations_are_the_schema_counts_and_the_edit_labels():
    normalized = [c["name"] for c in tables.spec("normalized")["columns"] if c["name"].startswith("n_")]
    assert sorted(normalized) == sorted(f"n_{op}" for op in OPERATIONS)
    label = re.compile(validate.shared_parameters()["operation_label"])
    assert label.match("pinyin+t2s") and label.match("space") and not label.match("t2s+bogus")


def _config_keys(node, prefix=""):
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _config_keys(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_every_config_key_is_read_by_a_stage_and_declared_keys_exist():
    config = yaml.safe_load(registry.DEFAULT_CONFIG.read_text(encoding="utf-8"))
    keys = set(_config_keys(config))
    read = {key for stage in registry.STAGES for key in registry.stage_settings(config, stage)}
    # shard_megabytes only sizes "shards: auto", which the workflow resolves before any stage runs; resources
    # are what the rules ask of the machine
    assert keys - read == {"shard_megabytes"} | {k for k in keys if k.startswith("resources.")}
    for stage in registry.STAGES.values():
        for declared in stage.config:
            assert any(k == declared or k.startswith(f"{declared}.") for k in keys), (stage.name, declared)


def test_settings_hold_only_declared_keys():
    config = yaml.safe_load(registry.DEFAULT_CONFIG.read_text(encoding="utf-8"))
    settings = Settings.of(config, "extract")
    assert dict(settings) == {"normalize.mask_token": config["normalize"]["mask_token"]}
    with pytest.raises(ConfigError, match="stage 'extract' reads config key 'normalize.protected_lines'.*registry.py"):
        settings["normalize.protected_lines"]
    assert set(Settings.of(config, "normalize")) == {f"{section}.{k}" for section in ("normalize", "repair")
                                                     for k in config[section]}


def test_the_version_covers_every_dependency():
    every = set(registry.all_dependencies())
    assert set((registry.SCHEMA_DIR / "tables").glob("*.json")) <= every
    assert set((registry.SCHEMA_DIR / "expectations").glob("*.json")) <= every
    assert {registry.data_path(n) for s in registry.STAGES.values() for n in s.data} <= every
    assert not {p for p in every if "testing" in p.parts or p.name == "cli.py"}


def test_parsing_the_workflow_and_loading_tables_import_no_stage():
    """A stage module that fails to import must not break ``snakemake -n`` nor a consumer's ``jianghua.load``."""
    code = ("import sys\n"
            "for stage in ('decode', 'normalize', 'segment', 'extract', 'reuse', 'validate', 'publish', 'report'):\n"
            "    sys.modules[f'jianghua.stages.{stage}'] = None  # importing it now raises ImportError\n"
            "from jianghua import registry, config, inputs\n"
            "assert registry.all_dependencies()\n"
            "import jianghua\n"
            "assert callable(jianghua.load)\n"
            "print('ok', sorted(m for m in sys.modules if m.startswith('jianghua.stages.') and sys.modules[m]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok []"
