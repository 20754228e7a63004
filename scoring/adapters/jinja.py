"""The one module that imports jinja2: render a template from a folder with perfscore's settings.

Every page perfscore writes is rendered the same way: autoescaping on for every value (names and
reasons come from user files), StrictUndefined so a misspelt variable fails instead of printing
nothing, and trim/lstrip blocks so template tags leave no blank lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


@cache
def _environment(folder: Path) -> jinja2.Environment:
    # Cached per folder: the environment also caches its compiled templates. Imported here, on first use:
    # jinja2 is only needed for the HTML overview.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_template(folder: Path, name: str, context: Mapping[str, Any]) -> str:
    """The template `name` in `folder` rendered with `context` (every value autoescaped)."""
    return _environment(folder).get_template(name).render(**context)
