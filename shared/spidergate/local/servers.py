"""Servers for local runs and tests: moto, the sandbox and the gateway, on loopback ports.

Threads share this process (a test can reach into the sandbox's state); processes keep a server
off the caller's GIL (benchmarks, the gateway as deployed). Every start returns a ``Running``.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from spidergate.local.sandbox import SandboxState, create_sandbox_app

HOST = "127.0.0.1"
GATEWAY_APP = "spidergate.web.app:create_app"
GATEWAY_HEALTH = "/api/gate/v1/health"


@dataclass
class Running:
    """A server started here: where it listens and how to stop it (``stop`` is idempotent)."""

    name: str
    host: str
    port: int
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._stop()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_or_free(preferred: int | None, host: str = HOST) -> int:
    """``preferred`` when it is free, else a free port."""
    return preferred if preferred and port_is_free(preferred, host) else free_port(host)


def wait_until_ready(url: str, timeout: float = 10.0, alive: Callable[[], bool] | None = None) -> None:
    """Poll ``url`` until it answers anything below 500.

    ``TimeoutError`` after ``timeout`` seconds; ``RuntimeError`` as soon as ``alive()`` is false
    (the server process died).
    """
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while True:
            try:
                if client.get(url).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if alive is not None and not alive():
                raise RuntimeError(f"the server behind {url} exited before it was ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not become ready within {timeout:.0f} s")
            time.sleep(0.05)


def start_moto(
    port: int = 0,
    host: str = HOST,
    *,
    serial: bool = True,
    observe: Callable[[dict[str, Any]], None] | None = None,
) -> Running:
    """A moto server in a background thread (``port=0``: any free port), werkzeug's log quieted.

    This is ``moto.server.ThreadedMotoServer``'s setup, plus ``serial``: apply one request at a
    time. moto runs a TransactWriteItems step by step on shared dicts, so two concurrent requests
    can lose each other's writes; DynamoDB applies each request atomically, and serving them one
    at a time restores that (clients stay concurrent; only moto's work is queued).
    """
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from spidergate.local import moto_cognito, moto_fixes

    moto_fixes.apply()  # item-level transaction rollback, canonical numbers (see the module)
    moto_cognito.apply()  # the temporary-password challenge as Cognito sends it
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_app: Any = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Any:
        if observe is not None:
            observe(environ)  # e.g. benchmarks counting DynamoDB round trips by X-Amz-Target
        with lock:
            return moto_app(environ, start_response)

    wsgi = one_at_a_time if serial else moto_app
    server = make_server(host, port, wsgi, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    return Running("moto", host, int(server.port), stop)


def start_sandbox(
    port: int = 0, host: str = HOST, *, process: bool = False, state: SandboxState | None = None
) -> Running:
    """The sandbox upstream under uvicorn: in a background thread, or in its own ``process``.

    A process keeps the sandbox off the caller's GIL (benchmarks); a thread lets a test share
    ``state`` with it. ``port=0`` picks a free port.
    """
    if process:
        if state is not None:
            raise ValueError("a sandbox in another process cannot share in-process state")
        return _sandbox_process(port or free_port(host), host)
    import uvicorn

    config = uvicorn.Config(
        create_sandbox_app(state),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    bound = int(server.servers[0].sockets[0].getsockname()[1])

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return Running("sandbox", host, bound, stop)


def _sandbox_process(port: int, host: str) -> Running:
    cmd = [sys.executable, "-m", "spidergate.local.sandbox", "--host", host, "--port", str(port)]
    return serve_process("sandbox", cmd, host, port, "/_control/health")


def start_gateway(
    env: Mapping[str, str],
    port: int = 0,
    host: str = HOST,
    *,
    app: str = GATEWAY_APP,
    ready_path: str = GATEWAY_HEALTH,
    timeout: float = 30.0,
) -> Running:
    """The gateway (``app``, an app factory) under uvicorn in its own process, with ``env`` added.

    ``env`` is usually ``LocalStack.env``; the child also inherits this process's environment.
    Returns once ``ready_path`` answers; raises if the process exits first.
    """
    port = port or free_port(host)
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", host, "--port", str(port),
           "--log-level", "warning", "--no-access-log", "--ws", "none"]  # fmt: skip
    return serve_process("gateway", cmd, host, port, ready_path, env=env, timeout=timeout)


def serve_process(
    name: str,
    cmd: list[str],
    host: str,
    port: int,
    ready_path: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Running:
    """Run ``cmd`` (a server listening on ``host:port``) until ``ready_path`` answers below 500."""
    child_env = {**os.environ, **env} if env is not None else None
    proc = subprocess.Popen(cmd, env=child_env)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    running = Running(name, host, port, stop)
    try:
        wait_until_ready(f"{running.url}{ready_path}", timeout, alive=lambda: proc.poll() is None)
    except BaseException:
        running.stop()
        raise
    return running
