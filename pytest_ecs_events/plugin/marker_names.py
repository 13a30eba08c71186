"""What the plugin needs of its markers at every start-up: their names, their help texts and
the error a misused one raises. Parsing them (:mod:`.markers`, with the catalog and the clock)
loads only when a test uses one, so a run that never does pays nothing for it."""

from __future__ import annotations

__all__ = ["EVENT_MARKER", "EVENT_MARKER_HELP", "SIM_MARKER", "SIM_MARKER_HELP", "MarkerError"]

SIM_MARKER = "ecs_sim"
EVENT_MARKER = "ecs_event"

SIM_MARKER_HELP = (
    "ecs_sim(now=None, region=None, instances=None, credentials=None, "
    "execution_duration=None, seed=None, account_id=None, patch_time=None, "
    "strict_commands=None, load_balancers=None): configure the "
    "ecs_sim fixture for this test: start time, default region, instances (ids, or dicts of "
    "add_instance keywords with an instance_id), accepted "
    "AccessKey pairs, how long maintenance events stay Executing, whether time.time() and "
    "datetime.now() follow the virtual clock (needs time-machine), whether a Cloud Assistant "
    "command no on_command() script matches fails the test, Server Load Balancer "
    "instances (dicts of add_load_balancer keywords)."
)
EVENT_MARKER_HELP = (
    "ecs_event(event_type, instance=None, instances=None, not_before='+1h', platform=False, "
    "state=None, reason=None): create a simulated system event (or, with platform=True, a "
    "platform event) before the test body runs."
)


class MarkerError(Exception):
    """A marker used wrongly; the message names the marker and the bad value."""
