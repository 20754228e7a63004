"""Lazy imports for start-up time: a module or function that is imported only when first used.

`perfscore --help` and `perfscore ruleset list` must start in a few times a bare interpreter (issue 15),
while pandas alone costs 14×. Modules written against pandas keep their code as is and bind the name
lazily; mypy sees the real import under `TYPE_CHECKING`:

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy_module("pandas")
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable
from typing import Any


class _LazyModule(types.ModuleType):
    """Stands for a module until an attribute is read; then imports it (sys.modules stays untouched
    until then, so `"pandas" in sys.modules` tells whether anything really used pandas)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__lazy_target: types.ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_LazyModule__"):
            raise AttributeError(attr)
        target = self.__lazy_target
        if target is None:
            target = self.__lazy_target = importlib.import_module(self.__name__)
        return getattr(target, attr)


def lazy_module(name: str) -> Any:
    """A stand-in for `import name` that imports on first attribute access."""
    return _LazyModule(name)


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for `from module import name` (a function) that imports on first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
