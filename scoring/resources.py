"""Where the shipped rulesets and indicator library live, in a checkout and when installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.is_dir():
            return path
    return candidates[0]


def rulesets_dir() -> Path:
    """rulesets/ beside the package in a checkout; scoring/rulesets when installed from a wheel."""
    return _first_existing(_PACKAGE.parent / "rulesets", _PACKAGE / "rulesets")


def indicators_dir() -> Path:
    return _first_existing(_PACKAGE.parent / "indicators", _PACKAGE / "indicators")


def indicator_files() -> list[Path]:
    return sorted(indicators_dir().glob("*.yaml"))


def ruleset_files() -> list[Path]:
    return sorted(rulesets_dir().glob("*.yaml"))
