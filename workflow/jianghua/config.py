"""Load and validate the pipeline configuration against ``schemas/config.schema.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from jianghua.errors import ConfigError
from jianghua.registry import DEFAULT_CONFIG, SCHEMA_DIR

SCHEMA_PATH = SCHEMA_DIR / "config.schema.yaml"


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "<top level>"


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """``value`` with the strings the schema wants as numbers or booleans read as YAML scalars: Snakemake
    passes the values inside a nested ``--config "publish={keep_versions: 5}"`` as strings."""
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                value[key] = _coerce(item, properties[key])
        return value
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if isinstance(value, str) and set(types) & {"integer", "number", "boolean"}:
        try:
            read = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        fits = {"integer": isinstance(read, int) and not isinstance(read, bool),
                "number": isinstance(read, (int, float)) and not isinstance(read, bool),
                "boolean": isinstance(read, bool)}
        if any(fits.get(t, False) for t in types):
            return read
    return value


def validate_config(config: dict[str, Any], schema_path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """Validate ``config`` (with defaults already merged) and return it; raise ConfigError naming the key.

    Strings where the schema wants a number or a boolean are read in place first (``config`` is Snakemake's
    own dict), so that overrides work as users type them."""
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    _coerce(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return config
    lines = []
    for error in errors:
        where = _key_path(error)
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            for key in unknown:
                name = f"{where}.{key}" if where != "<top level>" else key
                allowed = ", ".join(sorted(error.schema.get("properties", {})))
                lines.append(f"unknown key '{name}': remove it or use one of: {allowed}")
        else:
            lines.append(f"key '{where}': {error.message}. It is: {error.schema.get('description', '')} "
                         f"(see {schema_path.name})")
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` applied key by key (nested mappings merge, other values replace)."""
    out = dict(base)
    for key, value in overrides.items():
        out[key] = merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) else value
    return out


def load_config(path: str | Path = DEFAULT_CONFIG, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read a YAML config file, apply ``overrides`` and validate the result."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist: pass --configfile with an existing file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(config).__name__}")
    return validate_config(merged(config, overrides or {}))
