"""The durable_rules adapter: one durable ruleset for compiled conditions, facts asserted in batches, actions drained.

This is the only module that imports ``durable`` (ruff's banned-api rule enforces it). What the
conditions and facts look like is decided in ``scoring.rules.conditions`` (pure, tested as JSON);
this module only talks to durable's C engine (``durable_rules_engine``, pinned at 2.0.28), through
the same calls durable's own ``engine.Ruleset`` makes, and drives the action queue itself, because
of these measured traits (see /work/shared/notes/durable-rules.md):

* Ruleset names are process-global → each engine gets ``perfscore-<content hash>-<counter>``,
  and its C ruleset is deleted when the engine is closed or collected.
* A fact no rule matches raises MessageNotHandledException → a catch-all rule ``done`` matches
  every fact (every prepared fact carries ``#idx``); it is also the completion marker: each batch
  must fire it once per fact.
* ``post`` lets only the first matching rule fire → facts are asserted, so every rule fires.
* Without an ``id`` a fact's identity is a 32-bit hash of its content → every fact gets a
  unique ``id`` from a per-engine counter (identical rows stay distinct).
* Large ``assert_facts`` batches can leave actions pending (through durable's Python host, whose
  background timer runs them later) → there is no host and no timer thread here: facts go in
  batches of ``batch_size`` (100 measured fastest), this module drains the action queue after each
  batch (``start_action_for_state`` / ``complete_and_start_action``), and the run fails loudly
  unless every fact's catch-all action ran. A batch holding an already-seen id stops at that
  fact (code 2, the rest not asserted): ids come from a per-engine counter, and any non-zero
  code is an error.
* Memory grows with asserted facts → each batch is retracted as soon as it has been drained;
  no rule joins two facts, so facts never need to coexist and memory stays flat.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

# durable's C engine, reached through durable's own Python host module (which imports it)
from durable.engine import durable_rules_engine as _dre

from scoring.core.errors import PerfscoreError
from scoring.rules.conditions import (
    MAX_LOGIC_NODES,
    CompiledRuleSpec,
    Conditions,
    FactError,
    Match,
    RulePlan,
    exists,
    to_json,
)

# Re-exported: callers that only run rules need not know where conditions are compiled.
__all__ = ["MAX_LOGIC_NODES", "CompiledRuleSpec", "DurableError", "FactError", "Match", "RuleEngine", "RulePlan"]

DEFAULT_BATCH = 100
_MESSAGE = re.compile(r'^\{"([^"]+)":\{"m":\{"#idx":(\d+),')
_LOCK = threading.RLock()  # the C engine keeps global tables; one caller at a time
_COUNTER = itertools.count(1)


class DurableError(PerfscoreError):
    """durable_rules did something it should not: a rule it could not build, a lost action."""


class RuleEngine:
    """One durable ruleset for a list of rules; ``run`` returns every (rule, fact) that matches.

    ``schema`` (kind → field → type) is optional: without it, values are still kept in typed slots
    so that a mistyped value never matches; with it, a mistyped value raises FactError.
    """

    def __init__(
        self,
        rules: Sequence[CompiledRuleSpec],
        *,
        schema: Mapping[str, Mapping[str, type]] | None = None,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.conditions = Conditions(rules, schema)
        self.rules = self.conditions.rules
        self.plan: tuple[RulePlan, ...] = self.conditions.plan
        self.batch_size = batch_size
        definition: dict[str, Any] = {key: {"all": [{"m": c}]} for key, c in self.conditions.conditions.items()}
        definition["done"] = {"all": [{"m": exists("#idx")}]}  # catch-all and completion marker
        text = to_json(definition)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        self.name = f"perfscore-{digest}-{next(_COUNTER)}"
        with _LOCK:
            try:
                handle: int = _dre.create_ruleset(self.name, text)
            except _dre.error as exc:
                raise DurableError(f"durable_rules 无法建立规则集：{exc}") from exc
        self._handle: int | None = handle
        self._ids = itertools.count(1)
        self._finalizer = weakref.finalize(self, _delete_ruleset, handle)

    # -- lifecycle

    def close(self) -> None:
        """Delete the C ruleset (also done when the engine is garbage collected)."""
        self._finalizer()
        self._handle = None

    def __enter__(self) -> RuleEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def resident_facts(self) -> int:
        """How many facts durable holds right now (0 between runs: every batch is retracted)."""
        if self._handle is None:
            return 0
        with _LOCK:
            try:
                return len(json.loads(_dre.get_facts(self._handle, None)))
            except _dre.error:  # no state yet: nothing was ever asserted
                return 0

    # -- facts

    def run(self, facts: Sequence[Mapping[str, object]]) -> list[Match]:
        """Every (rule, fact) that matches, ordered by fact index then rule order."""
        if self._handle is None:
            raise RuntimeError("RuleEngine 已关闭")
        handle = self._handle
        found: set[tuple[int, int]] = set()
        batch: list[tuple[int, str]] = []
        with _LOCK:
            for i, fact in enumerate(facts):
                text = self.conditions.prepare(i, fact, next(self._ids))
                if text is None:
                    continue
                batch.append((i, text))
                if len(batch) == self.batch_size:
                    self._run_batch(handle, batch, found)
                    batch = []
            if batch:
                self._run_batch(handle, batch, found)
        return [Match(self.rules[r].rule_id, i) for i, r in sorted(found)]

    def _run_batch(self, handle: int, batch: list[tuple[int, str]], found: set[tuple[int, int]]) -> None:
        text = "[" + ",".join(t for _, t in batch) + "]"
        markers: set[int] = set()
        try:
            try:
                code, state = _dre.assert_facts(handle, text)
            except (_dre.error, UnicodeError) as exc:
                raise _rejected(batch, exc) from None
            if code != 0:
                raise DurableError(f"durable_rules 拒绝了事实（代码 {code}）")
            self._drain(handle, state, found, markers)
        except BaseException:
            with contextlib.suppress(_dre.error, UnicodeError):
                _dre.retract_facts(handle, text)
            raise
        _dre.retract_facts(handle, text)  # facts never join, so none need to outlive their batch
        expected = {i for i, _ in batch}
        if markers != expected:
            lost = sorted(expected - markers)[:5]
            raise DurableError(f"durable_rules 未对全部事实执行动作（缺少 {len(expected - markers)} 条，如 {lost}）")

    def _drain(self, handle: int, state: int, found: set[tuple[int, int]], markers: set[int]) -> None:
        started = _dre.start_action_for_state(handle, state)
        message: str | None = None if started is None else started[1]
        while message is not None:
            try:
                key, index = self._read(message)
            except Exception:
                _dre.abandon_action(handle, state)
                raise
            if key == "done":
                markers.add(index)
            else:
                found.add((index, self.conditions.rule_of_key[key]))
            message = _dre.complete_and_start_action(handle, state)

    @staticmethod
    def _read(message: str) -> tuple[str, int]:
        m = _MESSAGE.match(message)
        if m:
            return m.group(1), int(m.group(2))
        data = json.loads(message)
        key = next(iter(data))
        return key, int(data[key]["m"]["#idx"])


def _rejected(batch: list[tuple[int, str]], exc: BaseException) -> PerfscoreError:
    """Why durable refused a batch, naming the fact when it is one durable cannot read.

    The one such fact found: a string holding a lone UTF-16 surrogate (text decoded with
    surrogateescape), which cannot be encoded as the UTF-8 durable reads.
    """
    for index, text in batch:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return FactError(
                "字符串含有无法编码的字符（孤立的代理字符），规则引擎无法读取；请检查源文件的编码", index=index
            )
    return DurableError(f"durable_rules 拒绝了事实：{exc}")


def _delete_ruleset(handle: int) -> None:
    with _LOCK, contextlib.suppress(_dre.error):
        _dre.delete_ruleset(handle)
