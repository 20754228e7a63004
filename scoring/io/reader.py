"""What an input reader is: a name, what it reads, how it recognises a source, and how it reads one.

A reader turns one department source (a file, or a folder for folder readers) into raw tables:
(table, rows as read) pairs, adding notices (skipped samples, uncached formulas …) to a list.
The registry that chooses among readers is `scoring.io.readers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scoring.core.errors import DataError
from scoring.io.raw import Columns
from scoring.model.tables import Table

ReadFunc = Callable[[Path, list[DataError]], Iterable[tuple[Table, pd.DataFrame | Columns]]]
"""A reader yields each table it found as a DataFrame, or as `Columns` that `load_sources` gathers with the other
sources' into one DataFrame per table (cheaper than a DataFrame a file when files are small)."""


def _anything(path: Path) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Reader:
    """One input format. `load` gives a source to the first registered reader that claims its suffix (or,
    for a folder, is a folder reader) and `recognises` it."""

    name: str
    title: str  # what it reads, in Chinese, for help and error hints
    read: ReadFunc
    suffixes: tuple[str, ...] = ()  # lower-case file suffixes it reads: (".xlsx", ".xlsm")
    folder: bool = False  # reads a folder, not a file
    recognises: Callable[[Path], bool] = _anything  # a look inside, among readers claiming the same suffix
    in_folders: bool = True  # picked up when met while walking a folder of departments

    def claims(self, path: Path) -> bool:
        """Whether the source is of this reader's kind by its name alone (no file is opened)."""
        return path.is_dir() if self.folder else (path.is_file() and path.suffix.lower() in self.suffixes)
