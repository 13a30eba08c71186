"""How calls reach the API layer: in-process interception and the loopback server."""
