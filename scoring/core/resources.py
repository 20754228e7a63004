"""Where the shipped rulesets and indicator library live, in a checkout and when installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # scoring/


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.is_dir():
            return path
    return candidates[0]


def rulesets_dir() -> Path:
    """scoring/rulesets when installed from a wheel; rulesets/ beside the package in a checkout."""
    return _first_existing(_PACKAGE / "rulesets", _PACKAGE.parent / "rulesets")


def indicators_dir() -> Path:
    return _first_existing(_PACKAGE / "indicators", _PACKAGE.parent / "indicators")


def indicator_files() -> list[Path]:
    return sorted(indicators_dir().glob("*.yaml"))


def ruleset_files() -> list[Path]:
    return sorted(rulesets_dir().glob("*.yaml"))
