"""``python -m pytest_ecs_events serve ...``: the same as the ``ecs-sim`` command."""

import sys

from .cli import main

sys.exit(main())
