"""Server Load Balancer (Slb, 2014-05-15): load balancers and their backends, simulated.

The third RPC product of the simulator. Its actions are registered under the ``"slb"`` key of
``api/registry.py`` when this package is imported (the simulator does), and the shared
dispatcher (``api/dispatch.py``) serves them: same parameters, signatures, faults and request
ids as ECS. The load balancers, their backends and the backends' health are account state,
in ``core/load_balancers.py``; ``backend_servers`` reads the JSON ``BackendServers``
parameter.
"""

from __future__ import annotations

from . import actions  # noqa: F401  (registers the handlers under "slb")
from .backend_servers import parse_backend_servers

__all__ = ["parse_backend_servers"]
