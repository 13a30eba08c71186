"""Read-only questions parsed once, and their answers kept while the simulation holds.

Benchmarks: P1 and P2 (``benchmarks/run.py``; ``docs/performance.md``, "What makes the hot
path fast"). Pollers ask the same question again and again. Every Describe* action is
registered with ``query_action`` as a *preparer*: it reads and validates the parameters once
and returns a *query* over the simulation. :class:`AnswerCache` keeps each distinct
(action, parameters) question's :class:`PreparedQuery`, whose last answer is reused, as a body
and as :func:`~.json_output.json_tail` bytes, until the simulation's ``(mutations, now)``
stamp moves. When the query does run again, :class:`LastPage` lets it return its previous
body object if the page it finds is the same, so that answer's JSON is reused too.

The invalidation rule is that one stamp: anything that changes an answer must bump the
simulation's ``mutations`` counter or move its clock (the core does, for every change it
makes), and an event's rendering must be a new object whenever the event changed
(:mod:`.render_cache`).

Guarded by ``tests/property/test_answer_cache.py``: polled after every step of random
scripts, each kept answer is byte for byte what a dispatcher keeping nothing computes.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...core.simulation import Simulation
from .json_output import json_tail

__all__ = ["AnswerCache", "KeptAnswer", "LastPage", "PreparedQuery", "SameAnswer", "SameInputs"]

#: A read-only action's parsed question: computes the body from the simulation (called
#: under the simulation's lock). Returning the previous body object again says it is
#: unchanged, and its JSON is reused (see :class:`LastPage`).
Query = Callable[[Simulation], dict[str, Any]]
#: A question's key: the action's name and its business parameters.
QuestionKey = tuple[str, frozenset[tuple[str, str]]]

#: How many distinct questions are kept before the cache starts afresh.
MAX_QUESTIONS = 256


class PreparedQuery:
    """A read-only question, parsed once: its query, and its last answer (as a body and as
    :func:`~.json_output.json_tail` bytes) with that answer's stamp (the simulation's
    ``(mutations, now)`` when it was computed)."""

    __slots__ = ("body", "query", "stamp", "tail")

    def __init__(self, query: Query) -> None:
        self.query = query
        self.stamp: tuple[int, datetime] | None = None
        self.body: dict[str, Any] = {}
        self.tail = b"}"

    def answer(self, sim: Simulation) -> tuple[dict[str, Any], bytes]:
        """The body and its JSON tail, computed again only once the simulation changed."""
        with sim.lock:
            stamp = (sim.mutations, sim.clock.now)
            if self.stamp != stamp:
                body = self.query(sim)
                if body is not self.body:  # the same object: unchanged (see LastPage)
                    self.body, self.tail = body, json_tail(body)
                self.stamp = stamp
            return self.body, self.tail


class AnswerCache:
    """The prepared questions of one dispatcher, by (action, business parameters)."""

    def __init__(self) -> None:
        self.questions: dict[QuestionKey, PreparedQuery] = {}
        self._lock = threading.Lock()

    def get(self, key: QuestionKey) -> PreparedQuery | None:
        return self.questions.get(key)

    def keep(self, key: QuestionKey, query: Query) -> PreparedQuery:
        """Keep ``query`` for ``key``; past :data:`MAX_QUESTIONS`, forget the others first."""
        prepared = PreparedQuery(query)
        with self._lock:
            if len(self.questions) >= MAX_QUESTIONS:
                self.questions = {}
            self.questions[key] = prepared
        return prepared


class LastPage:
    """A query's last body, and the total and renderings it was built from.

    A poll whose state moved elsewhere (the clock, another instance) mostly finds the same
    page. The query then returns the very same body object, and :class:`PreparedQuery` keeps
    its JSON, instead of building both again. Renderings are compared by identity: an event's
    rendering is a new object whenever the event changed (see :mod:`.render_cache`).
    """

    __slots__ = ("_items", "_total", "body")

    def __init__(self) -> None:
        self._total = -1
        self._items: list[object] = []
        self.body: dict[str, Any] = {}

    def get(self, total: int, items: list[Any]) -> dict[str, Any] | None:
        """The last body if it was built from this total and these very renderings."""
        last = self._items
        if total == self._total and len(items) == len(last) and all(map(operator.is_, items, last)):
            return self.body
        return None

    def keep(self, total: int, items: list[Any], body: dict[str, Any]) -> dict[str, Any]:
        self._total, self._items, self.body = total, items, body
        return body


class KeptAnswer:
    """A query's last body, kept while the area it reads holds: the area's store object and
    its ``revision`` (a counter the core moves on every change the query can show, e.g.
    ``CloudAssistant.revision``). A state moved elsewhere (the clock, another area) then
    costs one comparison, and :class:`PreparedQuery` reuses the body's JSON."""

    __slots__ = ("_owner", "_revision", "body")

    def __init__(self) -> None:
        self._owner: object = None
        self._revision = -1
        self.body: dict[str, Any] = {}

    def get(self, owner: object, revision: int) -> dict[str, Any] | None:
        """The last body if it was computed from this very store at this revision."""
        if owner is self._owner and revision == self._revision:
            return self.body
        return None

    def keep(self, owner: object, revision: int, body: dict[str, Any]) -> dict[str, Any]:
        self._owner, self._revision, self.body = owner, revision, body
        return body


class SameInputs:
    """A query's last body, kept while what it was computed from is equal: a small value the
    query reads cheaply from the simulation, of which the body is a function (the instance
    types in use, for DescribeInstanceTypes). For large answers of static tables, where
    building and encoding the body is the cost and the inputs rarely change."""

    __slots__ = ("_inputs", "body")

    def __init__(self) -> None:
        self._inputs: object = None
        self.body: dict[str, Any] = {}

    def get(self, inputs: object) -> dict[str, Any] | None:
        """The last body if it was computed from inputs equal to ``inputs``."""
        if self._inputs is not None and inputs == self._inputs:
            return self.body
        return None

    def keep(self, inputs: object, body: dict[str, Any]) -> dict[str, Any]:
        self._inputs, self.body = inputs, body
        return body


class SameAnswer:
    """A query's last body, returned again when the new one is equal to it, so that
    :class:`PreparedQuery` reuses its JSON instead of encoding the same answer again.

    For small answers built afresh from records with no revision of their own (SLB's): the
    comparison costs less than the encoding. Only for bodies of strings, ints, lists and
    dicts: ``==`` would take ``1``, ``1.0`` and ``True`` for one another, JSON does not.
    """

    __slots__ = ("body",)

    def __init__(self) -> None:
        self.body: dict[str, Any] | None = None

    def same(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body``, or the last body when it is equal (the very object returned before)."""
        last = self.body
        if last is not None and last == body:
            return last
        self.body = body
        return body
