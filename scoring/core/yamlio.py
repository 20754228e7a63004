"""YAML reading that remembers the line and column of every value, so errors can point at it.

Rulesets are written by people and may come from anywhere, so reading is bounded: a file larger than
MAX_BYTES, or a document whose aliases would expand to more than MAX_NODES values (a "billion laughs"
bomb), is refused before anything walks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

LINE_KEY = "__line__"
FILE_KEY = "__file__"  # set on rules that came from an included fragment, so errors name that file

MAX_BYTES = 2_000_000  # the largest shipped ruleset is ~15 kB; two megabytes is generous
MAX_NODES = 200_000  # values after alias expansion; a shipped ruleset has a few thousand

Path_ = tuple[str | int, ...]


class YamlLimitError(ValueError):
    """A document refused for its size or alias expansion (message in Chinese, line when one is to blame)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Positions:
    """1-based (line, column) of every value and every mapping key, by its path in the document."""

    values: Mapping[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: Mapping[Path_, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path_, *, key: bool = False) -> tuple[int, int] | None:
        """Where `path` is written: its key when `key`, else its value; else the nearest enclosing value."""
        if key and path in self.keys:
            return self.keys[path]
        for n in range(len(path), -1, -1):
            if path[:n] in self.values:
                return self.values[path[:n]]
        return None


# libyaml's parser when PyYAML was built with it: 7× faster, and `ruleset list` parses every ruleset (issue 15)
if TYPE_CHECKING:
    from yaml import SafeLoader as _SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
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
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded (memoised: a bomb costs O(nodes))."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise YamlLimitError("YAML 别名引用了自身（递归别名），无法展开", node.start_mark.line + 1)
        busy.add(key)
        n = 1
        if isinstance(node, yaml.MappingNode):
            n += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n += sum(size(v) for v in node.value)
        busy.discard(key)
        sizes[key] = min(n, MAX_NODES + 1)  # saturate: the bound is all that matters
        return sizes[key]

    return size(root)


def _positions(root: yaml.Node) -> Positions:
    values: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}

    def mark(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def walk(node: yaml.Node, path: Path_) -> None:
        values.setdefault(path, mark(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark.line)
                keys.setdefault((*path, name), mark(k))
                walk(v, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    walk(root, ())
    return Positions(values, keys)


def read_yaml(path: Path) -> tuple[Any, Positions]:
    """Parse a YAML file within the size limits; mappings carry LINE_KEY, and every value's position is returned."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlLimitError(f"文件过大（{size:,} 字节，上限 {MAX_BYTES:,} 字节）")
    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, Positions()
        if _expanded_size(node) > MAX_NODES:
            raise YamlLimitError(f"YAML 别名展开后超过 {MAX_NODES:,} 个值（疑似“别名炸弹”），已拒绝")
        data = loader.construct_document(node)
        return data, _positions(node)
    finally:
        loader.dispose()


def parse_yaml_text(text: str) -> Any:
    """A YAML snippet (a spreadsheet cell, say) under the same rules and limits as a file, without LINE_KEY entries."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlLimitError(f"文字过长（上限 {MAX_BYTES:,} 字节）")
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_NODES:
            raise YamlLimitError(f"YAML 别名展开后超过 {MAX_NODES:,} 个值（疑似“别名炸弹”），已拒绝")
        return strip_lines(loader.construct_document(node))
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; every mapping gets a LINE_KEY entry with its line number."""
    return read_yaml(path)[0]


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
