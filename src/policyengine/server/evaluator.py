"""The service's evaluations: packs, a date and a language for typed facts, in a worker thread
under the time limit, and their decisions logged once the answer is ready."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from policyengine import api
from policyengine.exceptions import InputError, TimeLimitError
from policyengine.facts import Community, Jurisdiction
from policyengine.limits import check_time, time_limit
from policyengine.pack import Pack
from policyengine.results import Result
from policyengine.server.errors import ServiceError, problem
from policyengine.server.settings import Settings

__all__ = ["Decided", "Evaluator"]

Decided = list[tuple[Community | Jurisdiction, Sequence[Result]]]
"""The decisions behind one answer: each subject with its results."""


class Evaluator:
    """Evaluations as the service runs them: typed facts, packs, a date, a language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.limiter = anyio.CapacityLimiter(settings.threads)
        self.lang_given = "lang" in inspect.signature(api.evaluate).parameters

    def results(
        self,
        subject: Community | Jurisdiction,
        packs: Sequence[Pack],
        as_of: dt.date | None,
        lang: str,
    ) -> list[Result]:
        """Evaluate (in a worker thread); :meth:`logged` appends the decisions once their
        answer is given."""
        extra: dict[str, Any] = {"lang": lang} if self.lang_given else {}
        results = []
        for pack in packs:
            check_time()  # under a time limit (a worker thread's), stop between packs
            results.append(api.evaluate(subject, pack, as_of=as_of, **extra))
        return results

    def keep(
        self, decided: Decided, subject: Community | Jurisdiction, results: Sequence[Result]
    ) -> None:
        """Hold an answer's decisions for :meth:`logged`, where there is a decision log (a
        result not held is freed as soon as it is said)."""
        if self.settings.decision_log is not None:
            decided.append((subject, results))

    def logged(self, decided: Decided) -> None:
        """Append the decisions of an answer to the decision log, if there is one: only once
        the answer is ready, so that a request answered 503 (past the time limit) leaves no
        decision nobody received."""
        log = self.settings.decision_log
        if log is None:
            return
        try:
            for subject, results in decided:
                for result in results:
                    log.record(result, subject)
        except OSError as exc:  # the decision log could not be written (a full disk)
            raise ServiceError(
                503, f"the decision could not be logged: {exc.strerror or exc}"
            ) from None

    @staticmethod
    def guarded(work: Callable[[], bytes], where: str = "facts") -> bytes:
        """Run the work here; a document deeper than Python's stack, or an argument the
        library refuses, is a 422."""
        try:
            return work()
        except RecursionError:
            raise ServiceError(
                422,
                "the facts document has problems",
                problems=[problem(where, None, "is nested too deeply to evaluate")],
            ) from None
        except InputError as exc:
            raise ServiceError(422, "bad request", problems=[problem("", None, str(exc))]) from None

    async def run(self, work: Callable[[], bytes], where: str = "facts") -> bytes:
        """Run CPU-bound work in a worker thread, within the time limit.

        The thread stops itself at the limit (:func:`policyengine.limits.time_limit`,
        checked between communities), so that work past it neither runs on nor keeps
        memory, and its slot among ``--threads`` is given back only when it has stopped.
        """
        seconds = self.settings.timeout_seconds

        def limited() -> bytes:
            with time_limit(seconds):
                answer = self.guarded(work, where)
                check_time()  # finished, but past the limit: the answer is a 503 all the same
                return answer

        try:
            return await anyio.to_thread.run_sync(limited, limiter=self.limiter)
        except TimeLimitError:
            raise ServiceError(
                503, f"the evaluation took longer than the limit of {seconds:g} s"
            ) from None
