"""Load department data into raw tables: `load_path` is `scoring.io.readers.load` under its older name.

The readers (CSV folder, perfscore workbook, MoF 自评表 layout, lone CSV) and the registry that picks
one per source live in `scoring.io.readers`; the raw tables and the helpers readers share in
`scoring.io.raw`. This module keeps the names other modules and tests import from here.
"""

from __future__ import annotations

from scoring.io.raw import SAMPLE_MARK, RawData, read_text
from scoring.io.raw import build_frame as _frame
from scoring.io.readers import load as load_path
from scoring.io.readers import load_sources

__all__ = ["SAMPLE_MARK", "RawData", "_frame", "load_path", "load_sources", "read_text"]
