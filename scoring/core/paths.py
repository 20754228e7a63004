"""Output paths derived from data or ruleset fields (部门名称, ruleset name): sanitised and proven inside a folder.

A department named ``../../etc/x`` or a ruleset named ``/../../x`` must never choose where perfscore writes.
`safe_name` turns any text into one harmless file-name component; `inside` joins it to the chosen folder and
proves the result is still in that folder; `distinct_names` gives departments that share a name distinct files
by suffixing their codes. Paths the user typed (``-o``) are the user's choice and are not confined.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from scoring.core.atomic import OutputError

# A file name is at most 255 bytes on common file systems; leave room for a code suffix, an extension and the
# atomic writer's temporary-name decoration.
MAX_NAME_BYTES = 150
# Separators and the characters Windows forbids in names; replaced so the name reads the same.
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
# Names Windows reserves for devices, with or without an extension (CON, nul.txt, COM1…).
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE)


def _truncate(text: str, max_bytes: int) -> str:
    """Cut to at most `max_bytes` of UTF-8 without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def safe_name(text: str, *, max_bytes: int = MAX_NAME_BYTES, fallback: str = "_") -> str:
    """One file-name component with the same readable text: no separators, control characters, leading dots,
    reserved device names or excess length. ``safe_name("../a/b")`` is ``"_a_b"``."""
    s = unicodedata.normalize("NFC", str(text))
    # Control and format characters (NUL, \\x0b, bidi overrides that disguise an extension) go; whitespace runs
    # (newlines, tabs) become one space.
    s = "".join(" " if ch.isspace() else ch for ch in s if ch.isspace() or unicodedata.category(ch)[0] != "C")
    s = _FORBIDDEN.sub("_", s)
    s = re.sub(r" {2,}", " ", s)
    # Leading dots would hide the file or name a parent ("..") ; trailing dots and spaces Windows drops.
    s = s.strip(" ").lstrip(".").rstrip(". ")
    if _RESERVED.match(s):
        s = "_" + s
    s = _truncate(s, max_bytes).rstrip(". ")
    return s or fallback


def inside(folder: Path, name: str) -> Path:
    """`folder / name` after proving it names a direct child of `folder` (raises OutputError otherwise)."""
    if not name or name != Path(name).name or name in (".", ".."):
        raise OutputError(f"输出文件名「{name!r}」不是单个文件名 / not a single file name")
    base = folder.resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise OutputError(f"输出文件「{name!r}」会写到文件夹 {folder} 之外，已拒绝 / would escape the output folder")
    return folder / name


def distinct_names(names: Sequence[str], codes: Sequence[str], suffix: str = "") -> list[str]:
    """Safe file names for items named `names` with codes `codes`: a name shared by several items (after
    sanitising, case-insensitively, as Windows and macOS compare) gets ``-<code>`` on every one of them."""
    bases = [safe_name(n, max_bytes=MAX_NAME_BYTES - 40) for n in names]
    counts = Counter(b.casefold() for b in bases)
    out = [
        f"{b}-{safe_name(c, max_bytes=36)}" if counts[b.casefold()] > 1 else b
        for b, c in zip(bases, codes, strict=True)
    ]
    # Codes too could sanitise alike (X/1 and X_1): number whatever is still shared.
    used: set[str] = set()
    final = []
    for name in out:
        candidate, k = name, 1
        while candidate.casefold() in used:
            k += 1
            candidate = f"{name}-{k}"
        used.add(candidate.casefold())
        final.append(candidate)
    return [n + suffix for n in final]
