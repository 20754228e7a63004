"""Build a tests/data/forms/*.yaml cell grid into the xlsx a province prints (merged ranges included).

python tests/data/forms/form_builder.py tests/data/forms/02-….yaml /tmp/02.xlsx
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import openpyxl
import yaml


def load_form(path: Path) -> dict[str, Any]:
    """The form description: rows, merged ranges, expected figures."""
    form: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return form


def build_form(path: Path, out: Path) -> Path:
    """Write the grid as one worksheet: text cells as printed (numbers stay text, as a typed form keeps them)."""
    form = load_form(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "自评表"
    for r, row in enumerate(form["rows"], start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=str(value))
    for rng in form.get("merged") or ():
        ws.merge_cells(rng)
    wb.save(out)
    return out


if __name__ == "__main__":
    build_form(Path(sys.argv[1]), Path(sys.argv[2]))
