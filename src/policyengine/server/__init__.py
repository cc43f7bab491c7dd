"""The HTTP service (``policyengine serve``; extra ``[server]``): see :mod:`.app`."""

from __future__ import annotations
