"""jianghua: raw scraped Chinese official speeches -> clean, traceable, validated parquet datasets."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("jianghua")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

from jianghua.publish import load  # noqa: E402  (the consumer entry point)

__all__ = ["__version__", "load"]
