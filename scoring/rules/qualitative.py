"""Qualitative answers matched to a ruleset's levels by whole phrase, never by substring.

A department writes its qualitative actual as free text ("达成预期指标", "没有达成预期指标", "未明显改善").
Substring matching let "没有达成预期指标" inherit the full share of "达成预期指标". Here an answer matches
a level only when, once normalised (full/half width, spaces, quotes, trailing punctuation), it *is* one
of the level's phrases. An answer that is a negation word (未、不、没有、尚未、无、非) in front of a listed
phrase never takes that phrase's level: when the phrase belongs to the top level it takes the lowest
level (the plain reading of "没有达成" is 未达成), otherwise it is left unmatched. Anything else is
unmatched, and validation rejects the row as "无法判定的定性评价" with the phrases the ruleset accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Longest first, so that "没有" and "尚未" are stripped whole rather than as "没" / "未".
NEGATIONS: tuple[str, ...] = ("没有", "尚未", "未", "不", "无", "非")
UNMATCHED_REASON = "无法判定的定性评价"
_TRAILING = "。．.，,；;：:！!？?、…~～"
_DROP = re.compile(r"[\s“”\"'‘’「」『』]")


def normalise(text: object) -> str:
    """Text as compared: NFKC (full width → half width), no spaces or quotes, no trailing punctuation."""
    t = unicodedata.normalize("NFKC", str(text))
    t = _DROP.sub("", t)
    return t.rstrip(_TRAILING + unicodedata.normalize("NFKC", _TRAILING))


@dataclass(frozen=True, slots=True)
class Levels:
    """A qualitative method's levels as normalised phrase → share, plus the lowest and highest shares."""

    phrases: Mapping[str, float]
    lowest: float
    highest: float


def levels_of(params: Mapping[str, Any]) -> Levels:
    """The phrase table of a qualitative method's params (`levels: [{share, match: [...]}, ...]`)."""
    return _levels(_freeze(params.get("levels") or ()))


def _freeze(levels: Sequence[Mapping[str, Any]]) -> tuple[tuple[float, tuple[str, ...]], ...]:
    return tuple((float(lv["share"]), tuple(str(w) for w in lv.get("match") or ())) for lv in levels)


@lru_cache(maxsize=64)
def _levels(frozen: tuple[tuple[float, tuple[str, ...]], ...]) -> Levels:
    phrases: dict[str, float] = {}
    for share, words in frozen:
        for w in words:
            phrases.setdefault(normalise(w), share)  # a phrase listed twice keeps its first level
    phrases.pop("", None)
    shares = [s for s, _ in frozen] or [0.0]
    return Levels(phrases, min(shares), max(shares))


def match_share(text: object, params: Mapping[str, Any]) -> float | None:
    """The share of the weight a qualitative answer earns, or None when no level can be decided."""
    return _match(normalise(text), levels_of(params))


def _match(t: str, lv: Levels) -> float | None:
    if t in lv.phrases:
        return lv.phrases[t]
    for neg in NEGATIONS:
        if t.startswith(neg) and len(t) > len(neg):
            rest = _match(t[len(neg) :], lv)
            # "没有达成预期指标": a negated top-level answer reads as the lowest level; a negated middle or
            # low answer ("不差", "未基本完成") says nothing a reviewer could grade, so it is not decided.
            if rest is not None and rest >= lv.highest and lv.highest > lv.lowest:
                return lv.lowest
            return None
    return None


def hint(params: Mapping[str, Any], per_level: int = 4) -> str:
    """The phrases the ruleset accepts, a few per level with the level's share, for the rejection message:
    "可填：达成预期指标、达成年度指标…（100%）；部分达成、基本达成…（70%）；未达成…（30%）"."""
    parts = []
    for share, words in _freeze(params.get("levels") or ()):
        more = "…" if len(words) > per_level else ""
        parts.append("、".join(words[:per_level]) + more + f"（{share:.0%}）")
    return "可填：" + "；".join(parts)
