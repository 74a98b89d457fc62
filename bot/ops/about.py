"""The installed drillbot's version, for `--version`, the start-up line, /about and metrics."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def drillbot_version() -> str:
    try:
        return version("drillbot")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"
