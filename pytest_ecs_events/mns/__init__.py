"""The simulated MNS (Message Service) wire layer: REST routes, XML in and out, signatures.

Queue state and timing live in :mod:`pytest_ecs_events.core.queues`; this package turns
an HTTP request of the MNS SDK (``aliyun-mns-sdk``) into an operation on it and the answer
back into MNS's XML. Pure: no pytest, no HTTP stack; the transports call
:meth:`MnsService.handle`. See ``docs/mns.md``.
"""

from __future__ import annotations

from .service import OPERATIONS, MnsReply, MnsRequest, MnsService

__all__ = ["OPERATIONS", "MnsReply", "MnsRequest", "MnsService"]
