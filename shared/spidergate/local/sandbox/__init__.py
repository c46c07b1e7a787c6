"""A deterministic fake upstream speaking the OpenAI and Anthropic wire formats, with fault injection.

Run alone with ``python -m spidergate.local.sandbox --port 8090``; in tests, build it with
``create_sandbox_app()`` (in-process) or start it with ``spidergate.local.stack.start_sandbox``.
"""

from spidergate.local.sandbox.app import SandboxApp, create_sandbox_app
from spidergate.local.sandbox.state import SandboxState

__all__ = ["SandboxApp", "SandboxState", "create_sandbox_app"]
