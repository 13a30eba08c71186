"""The simulator settings the loopback server's tests and the fault tests share.

The fixtures ``sim`` and ``server`` (``tests/conftest.py``) build them; a test module that
needs other settings says so by parametrising the fixture indirectly with one of these.
"""

from __future__ import annotations

import pytest

START = "2030-01-01T00:00:00Z"

#: ``sim`` unless parametrised: two instances, not intercepting (the server's tests call it
#: over loopback, and the plugin's ``ecs_sim`` may intercept in the same test).
DEFAULT_SIM = {"now": START, "instances": ["i-a", "i-b"]}

#: The fault tests: one instance (``TotalCount`` is 1), a fixed seed, and intercepting, so
#: the SDKs' calls to the real endpoint names reach it.
ONE_INSTANCE_INTERCEPTING = pytest.mark.parametrize(
    "sim",
    [pytest.param({"instances": ["i-a"], "seed": 1, "intercept": True}, id="i-a")],
    indirect=True,
)

#: A server that holds a timed-out call for 5 s before closing it unanswered (longer than
#: any client timeout of the fault tests).
HOLDING_SERVER = pytest.mark.parametrize(
    "server", [pytest.param({"timeout_hold": 5.0}, id="hold-5s")], indirect=True
)
