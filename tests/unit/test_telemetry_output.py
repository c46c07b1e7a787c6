"""Telemetry reaches CloudWatch: an EMF line leaves the process per request, logs are written once."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from spidergate.settings import Settings
from spidergate.telemetry import LAMBDA_RUNTIME_HANDLER, configure_logging

# Emits one request's metrics with stdout on a pipe (block-buffered, as under the Web Adapter),
# then waits for stdin to close without writing or flushing anything else.
CHILD = textwrap.dedent(
    """
    import sys
    from spidergate.settings import Settings
    from spidergate.telemetry import Telemetry
    from spidergate.usage.record import RequestRecord

    record = RequestRecord(
        request_id="req_1", brand_id="brd_1", agent_id="agt_1", endpoint="chat",
        requested_model="fast", alias="fast", started_at=0.0, status=200,
    )
    Telemetry(Settings(stage="dev", emit_metrics=True)).request(record)
    sys.stdin.read()
    """
)


def test_a_metric_line_is_flushed_per_request_while_the_process_lives() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "no EMF line reached the pipe while the process was alive"
        line = child.stdout.readline()
        blob = json.loads(line)
        names = {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
        assert {"Requests", "Latency"} <= names
        assert child.poll() is None  # still running: the line was flushed, not written at exit
    finally:
        child.stdin.close()
        child.wait(timeout=30)


class LambdaLoggerHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Stands in for the managed runtime's root handler (same class name)."""


assert LambdaLoggerHandler.__name__ == LAMBDA_RUNTIME_HANDLER


def _own(root: logging.Logger) -> list[logging.Handler]:
    """The root's handlers other than pytest's capture handlers."""
    return [h for h in root.handlers if not type(h).__module__.startswith("_pytest")]


@pytest.fixture
def bare_root() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    root.handlers = []
    try:
        yield root
    finally:
        root.handlers = saved
        root.setLevel(level)


def test_under_the_managed_runtime_each_log_line_is_written_once_as_json(bare_root: logging.Logger) -> None:
    stream = io.StringIO()
    bare_root.addHandler(LambdaLoggerHandler(stream))
    configure_logging(Settings(log_level="INFO"))
    configure_logging(Settings(log_level="INFO"))  # a second app in the same process
    assert len(_own(bare_root)) == 1
    logging.getLogger("spidergate.test").info("hello")
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == "hello"


def test_outside_lambda_one_json_handler_is_added(bare_root: logging.Logger) -> None:
    configure_logging(Settings(log_level="WARNING"))
    configure_logging(Settings(log_level="WARNING"))
    (handler,) = _own(bare_root)
    assert isinstance(handler, logging.StreamHandler)
    assert bare_root.level == logging.WARNING
