"""The service's limits and options (``policyengine serve --help``)."""

from __future__ import annotations

import attrs

from policyengine.decisionlog import DecisionLog

__all__ = ["Settings"]


@attrs.frozen
class Settings:
    """Limits and options of the service (``policyengine serve --help``)."""

    max_body_bytes: int = 1_048_576
    """Largest body of ``POST /v1/evaluate`` (1 MiB); larger is 413."""
    max_batch_bytes: int = 64 * 1_048_576
    """Largest body of ``POST /v1/evaluate/batch`` (64 MiB); larger is 413."""
    max_answer_bytes: int = 64 * 1_048_576
    """Largest answer of ``POST /v1/evaluate`` and of one line of a batch (64 MiB); larger
    is 413 (a body of 1 MiB can ask for 400 MB of answer)."""
    timeout_seconds: float = 10.0
    """Longest one evaluation may take; longer is 503."""
    threads: int = 4
    """Evaluations running at once (worker threads); others wait their turn."""
    decision_log: DecisionLog | None = None
    body_timeout_seconds: float = 60.0
    """Longest wait for the next part of a request's body (as nginx's ``client_body_timeout``);
    longer is 408, and the connection is closed: a client that promises more body than it
    sends (a ``Content-Length`` too large, a chunked body never ended) cannot hold a
    connection, and the memory of what it sent, for ever."""
