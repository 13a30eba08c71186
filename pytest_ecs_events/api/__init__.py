"""The ECS OpenAPI layer: parameters in, JSON body or API error out. Imports only ``core``.

- :mod:`.protocol`: facts of the protocol (API version, protocol parameters, content type);
- :mod:`.messages`: :class:`ApiRequest` and :class:`ApiResponse`, what a transport passes;
- :mod:`.dispatch`: :class:`EcsApi`, which answers one request, and error bodies;
- :mod:`.registry` and :mod:`.actions`: the implemented actions;
- :mod:`.params`, :mod:`.paging`, :mod:`.render`: reading parameters, paging, JSON shapes;
- :mod:`.signatures`: the two signature schemes; :mod:`.calls`: :class:`ApiCall` records;
- :mod:`.faults`: injected API errors and transport faults;
- :mod:`.speedups`: every hot-path cache and fast path (see ``docs/performance.md``).

Names load on first use: a transport that needs only :mod:`.messages` does not load the
dispatcher and the simulation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.lazy import lazy_exports

if TYPE_CHECKING:
    from .calls import ApiCall
    from .dispatch import EcsApi
    from .messages import ApiRequest, ApiResponse
    from .registry import ACTIONS

__all__ = ["ACTIONS", "ApiCall", "ApiRequest", "ApiResponse", "EcsApi"]

__getattr__, __dir__ = lazy_exports(__name__, globals(), {
    "ACTIONS": ".dispatch",  # through the dispatcher, which registers every action first
    "ApiCall": ".calls",
    "ApiRequest": ".messages",
    "ApiResponse": ".messages",
    "EcsApi": ".dispatch",
})  # fmt: skip
