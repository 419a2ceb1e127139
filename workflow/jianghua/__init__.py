"""jianghua: raw scraped Chinese official speeches -> clean, traceable, validated parquet datasets.

The package imports nothing on import: ``jianghua.load`` (the consumer entry point) loads its module when
first used (PEP 562), so that no stage's code is imported by a consumer or by Snakemake parsing the workflow.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("jianghua")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__", "load"]


def __getattr__(name: str):
    if name == "load":
        from jianghua.dataset import load
        return load
    raise AttributeError(f"module 'jianghua' has no attribute '{name}'")
