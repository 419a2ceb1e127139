import copy

import pytest
import yaml

from jianghua.config import load_config, validate_config
from jianghua.errors import ConfigError

from conftest import REPO


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))


def test_default_config_is_valid(config):
    assert validate_config(config) is config


def test_unknown_key_is_named(config):
    config["normalize"]["mask"] = "X"
    with pytest.raises(ConfigError, match=r"unknown key 'normalize\.mask'.*mask_token"):
        validate_config(config)


def test_unknown_top_level_key_is_named(config):
    config["shard"] = 3
    with pytest.raises(ConfigError, match=r"unknown key 'shard'"):
        validate_config(config)


def test_bad_value_names_key(config):
    broken = copy.deepcopy(config)
    broken["shards"] = 0
    with pytest.raises(ConfigError, match=r"key 'shards': 0 is less than the minimum of 1"):
        validate_config(broken)


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="--configfile"):
        load_config(tmp_path / "nope.yaml")


def test_every_schema_key_is_documented():
    schema = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))

    def walk(node, where):
        for name, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{where}{name} has no description"
            assert sub.get("type") != "object" or sub.get("additionalProperties") is False
            walk(sub, f"{where}{name}.")

    assert schema["additionalProperties"] is False
    walk(schema, "")


def test_shards_auto_is_valid_other_words_are_not(config):
    assert validate_config({**config, "shards": "auto"})["shards"] == "auto"
    with pytest.raises(ConfigError, match=r"key 'shards': 'many' does not match"):
        validate_config({**config, "shards": "many"})
    with pytest.raises(ConfigError, match=r"key 'shard_megabytes': 0 is less than or equal to the minimum of 0"):
        validate_config({**config, "shard_megabytes": 0})


def test_nested_overrides_typed_as_strings_are_read_as_the_schema_wants(config):
    # what Snakemake makes of --config "publish={keep_versions: 5}" and --config "repair={min_confidence: 0.95}"
    typed = validate_config({**config, "publish": {**config["publish"], "keep_versions": "5"},
                             "repair": {**config["repair"], "min_confidence": "0.95"}})
    assert typed["publish"]["keep_versions"] == 5 and typed["repair"]["min_confidence"] == 0.95
    assert validate_config({**config, "shards": "4"})["shards"] == 4
    with pytest.raises(ConfigError, match=r"key 'publish.keep_versions': 'five' is not of type 'integer'\. It is: "):
        validate_config({**config, "publish": {**config["publish"], "keep_versions": "five"}})
    with pytest.raises(ConfigError, match=r"key 'shards': 'two' does not match .*Number of hash shards"):
        validate_config({**config, "shards": "two"})


def test_a_relative_input_dir_that_is_missing_names_the_working_directory(tmp_path, monkeypatch):
    from jianghua.errors import InputError
    from jianghua.inputs import walk
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=f"relative to the working directory {tmp_path}"):
        walk("resources/sample/corpus")
