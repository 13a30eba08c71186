"""Client factories and small helpers shared by the end-to-end SDK tests.

Everything here drives the *official* SDKs; nothing is stubbed. Hosts are the real ECS
endpoint names, which the ``ecs_sim`` fixture intercepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from alibabacloud_ecs20140526.client import Client as NewClient
from alibabacloud_tea_openapi.exceptions import ClientException as NewClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient

AK = "LTAI5tTestAccessKeyId"
SECRET = "test-access-key-secret"

REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
API_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
EVENT_ID = re.compile(r"^e-[0-9a-z]{20}$")


def legacy_client(sim: Any, *, region: str | None = None, **kwargs: Any) -> AcsClient:
    """A legacy ``AcsClient`` for the simulator's (or the given) region."""
    return AcsClient(AK, SECRET, region or sim.region, **kwargs)


def legacy_call(client: AcsClient, request: Any) -> dict[str, Any]:
    """``do_action_with_exception`` and the JSON body as a dict."""
    raw = client.do_action_with_exception(request)
    assert isinstance(raw, bytes)
    body: dict[str, Any] = json.loads(raw)
    return body


def legacy_error(client: AcsClient, request: Any) -> ServerException:
    """Send a request that must fail; return the SDK's ServerException."""
    try:
        client.do_action_with_exception(request)
    except ServerException as exc:
        return exc
    raise AssertionError(f"{request.get_action_name()} was expected to fail but succeeded")


def new_client(
    sim: Any,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    client_class: type[NewClient] = NewClient,
) -> NewClient:
    """A new-SDK ``Client``; without ``endpoint`` it uses the SDK's own endpoint map."""
    config = Config(access_key_id=AK, access_key_secret=SECRET, region_id=region or sim.region)
    if endpoint is not None:
        config.endpoint = endpoint
    if protocol is not None:
        config.protocol = protocol
    return client_class(config)


class Recording:
    """Mix into any new-generation (darabonba) client, before it, to keep every raw response
    (``{"body", "headers", "statusCode"}``): ``class RecordingSlb(Recording, SlbClient)``.

    The body is the JSON exactly as it came over the wire, before the SDK maps it into its
    response model, so tests can round-trip it through the model themselves.
    """

    def __init__(self, config: Config) -> None:
        super().__init__(config)  # type: ignore[call-arg]
        self.raw: list[dict[str, Any]] = []

    def call_api(self, params: Any, request: Any, runtime: Any) -> dict[str, Any]:
        result: dict[str, Any] = super().call_api(params, request, runtime)  # type: ignore[misc]
        self.raw.append(result)
        return result

    @property
    def last_body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.raw[-1]["body"]
        return body


class RecordingClient(Recording, NewClient):
    """The new ECS client, keeping every raw response (see :class:`Recording`)."""


def round_trip(rec: Recording, model: Any) -> dict[str, Any]:
    """The last raw body, which must survive the new SDK's response model unchanged."""
    body = rec.last_body
    assert model().from_map(body).to_map() == body
    return body


def new_error(call: Any, *args: Any, **kwargs: Any) -> NewClientException:
    """Call a new-SDK method that must fail with a 4xx; return the ClientException."""
    try:
        call(*args, **kwargs)
    except NewClientException as exc:
        return exc
    raise AssertionError(f"{getattr(call, '__name__', call)} was expected to fail")


def snapshot(sim: Any) -> dict[str, Any]:
    """Everything a refused call must leave unchanged: events (state, history) and instances."""
    return {
        "events": [
            (
                e.event_id,
                e.instance_id,
                e.event_type,
                str(e.state),
                e.not_before,
                e.finish_time,
                tuple((t, str(s)) for t, s in e.history),
            )
            for e in sim.events()
        ],
        "instances": [(i.instance_id, str(i.status)) for i in sim.instances],
    }


def make_mixed_history(
    sim: Any, a: str, b: str, c: str, *, failure: str, executing: str
) -> dict[str, str]:
    """Events in every reachable state and several types, published 10 minutes apart.

    ``failure`` ends Executed; ``executing`` (a failure type) stays Executing for a day.
    Returns the event id by state.
    """
    avoided = sim.create_events("SystemMaintenance.Reboot", a, "+2h")[0]
    sim.reboot_instance(a)
    sim.advance("10m")
    canceled = sim.create_events("SystemMaintenance.Stop", b, "+5h")[0]
    sim.cancel_events(canceled.event_id)
    sim.advance("10m")
    executed = sim.create_events(failure, c, "+1m")[0]
    sim.advance("10m")
    scheduled = sim.create_events("SystemMaintenance.Redeploy", c, "+1d")[0]
    still_executing = sim.create_events(executing, b, "+1d")[0]
    return {
        "Avoided": avoided.event_id,
        "Canceled": canceled.event_id,
        "Executed": executed.event_id,
        "Scheduled": scheduled.event_id,
        "Executing": still_executing.event_id,
    }


#: The module ``ecs_sdk_helpers`` that inner pytest runs (pytester) import to call both SDKs
#: against their simulator: ``legacy_client``, ``legacy_call`` (no retry) and ``new_client``.
SDK_HELPERS = """
import json


def legacy_client(sim, key="AK", secret="SECRET"):
    from aliyunsdkcore.client import AcsClient

    return AcsClient(key, secret, sim.region, auto_retry=False)


def legacy_call(sim, name, **params):
    import importlib

    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    request = getattr(module, f"{name}Request")()
    for key, value in params.items():
        getattr(request, f"set_{key}")(value)
    return json.loads(legacy_client(sim).do_action_with_exception(request))


def new_client(sim):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id="AK", access_key_secret="SECRET",
                         region_id=sim.region, endpoint=sim.endpoint))
"""
