"""The error hierarchy: every message names the file, key or row at fault and says how to fix it."""


class JianghuaError(Exception):
    """Base class of every error the package raises on purpose."""


class ConfigError(JianghuaError):
    """The configuration is invalid; the message names the key and the fix."""


class SchemaError(JianghuaError):
    """A table does not match its declared Arrow schema."""


class InputError(JianghuaError):
    """An input folder or file cannot be used at all (not a per-file reject)."""


class ValidationFailed(JianghuaError):
    """A critical data-quality expectation failed; publishing stops."""
