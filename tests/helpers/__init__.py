"""Helpers the plugin's own tests share (both SDKs, the ecs-sim server)."""
