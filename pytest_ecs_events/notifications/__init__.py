"""Notifications: the payloads the cloud pushes for each change (:mod:`.payloads`, pure), and
who receives them: in-process callbacks (:mod:`.subscribers`) and webhooks (:mod:`.webhooks`).
"""
