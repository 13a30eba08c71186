"""Live mode: the ``ecs_sim`` handle against a real account, and the guard in front of it.

With ``pytest --ecs-live`` nothing is intercepted: ``ecs_sim`` is a
:class:`~pytest_ecs_events.live.handle.LiveEcs`, backed by real calls through
``aliyun-python-sdk-core``. Nothing here imports pytest: the plugin's glue is
:mod:`pytest_ecs_events.plugin.live`. One module, one job:

- ``credentials``: the AccessKey (secret never shown) and the ``Scrubber`` of every text;
- ``settings``: the run's options, parsed and checked;
- ``errors``: what live mode raises, and the two outcomes the plugin turns into skip / fail;
- ``guard``: ``LiveGuard`` sees every call before it is sent: only known actions, only
  instances of the allowlist, only events this run created, never ``TriggerRealOps``;
- ``client``: ``LiveClient.call``, the only way out;
- ``records``: the API's JSON records as ``Instance`` and ``SystemEvent``;
- ``events``: reading and cancelling events (batched, paged);
- ``journal``: every simulated event on disk before and after it is created;
- ``cleanup``: ``settle`` a journal (end of session, the next run after a crash,
  ``ecs-sim live-cleanup``);
- ``session``: one process's client, guard, journal and output;
- ``waiting``: ``advance()`` waits for the real cloud;
- ``handle``: ``LiveEcs``.

The names this package had as one module (``pytest_ecs_events.live.LiveEcs``, ...) still
work for one release, with a DeprecationWarning naming their module now.
"""

from __future__ import annotations

from ..core.lazy import moved_exports

_MOVED = {
    "credentials": ["ACCESS_KEY_ID_ENV", "ACCESS_KEY_SECRET_ENV", "SECURITY_TOKEN_ENV",
                    "Credentials", "CredentialsMissing", "Scrubber"],
    "settings": ["DEFAULT_JOURNAL_DIR", "DEFAULT_TIMEOUT", "LiveSettings", "parse_endpoint",
                 "parse_instance_map", "parse_timeout"],
    "errors": ["LiveApiError", "LiveConnectionError", "LiveGuardError"],
    "guard": ["EVENT_ACTIONS", "INSTANCE_ACTIONS", "READ_ACTIONS", "LiveGuard"],
    "client": ["IDS_PER_CALL", "LiveCall", "LiveClient", "indexed"],
    "events": ["ACTIVE_SIMULATED_STATES", "ALL_STATES", "CancelReport", "cancel_events",
               "describe_events", "find_intent_events", "scheduled_count"],
    "cleanup": ["SettleReport", "cleanup_journals", "settle"],
    "session": ["SIMULATED_EVENT_QUOTA", "LiveSession"],
    "handle": ["LiveEcs"],
}  # fmt: skip

__getattr__, __dir__ = moved_exports(__name__, globals(), {
    **{name: f"{__name__}.{module}" for module, names in _MOVED.items() for name in names},
    "API_VERSION": "pytest_ecs_events.api.protocol",
    # pytest glue (it needs a pytest item): read by name only when this old name is read,
    # so nothing in live/ imports the plugin
    "prepare_handle": "pytest_ecs_events.plugin.live",
})  # fmt: skip
