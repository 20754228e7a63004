"""YAML reading that remembers the line of every mapping, so errors can point at it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

LINE_KEY = "__line__"
FILE_KEY = "__file__"  # set on rules that came from an included fragment, so errors name that file


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that stores each mapping's 1-based start line under LINE_KEY."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=deep)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads on/off/yes/no as booleans, so a rule's `on: project` would become `True: project`.
# Rulesets follow YAML 1.2 here: only true/false (any case) are booleans.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; every mapping gets a LINE_KEY entry with its line number."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass


def file_of(obj: object, default: Path | str) -> Path | str:
    """The file a rule came from: its fragment when included, else `default`."""
    return obj.get(FILE_KEY, default) if isinstance(obj, dict) else default


def line_of(obj: object) -> int | None:
    """The line a mapping started on, when it came from load_yaml."""
    return obj.get(LINE_KEY) if isinstance(obj, dict) else None


def strip_lines(obj: Any) -> Any:
    """A deep copy without LINE_KEY entries (for display and comparison)."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k not in (LINE_KEY, FILE_KEY)}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj
