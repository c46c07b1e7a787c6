#!/bin/sh
# Handler of the chat and media functions (each directory ships the same copy; a test keeps them
# equal). The Lambda Web Adapter's /opt/bootstrap (AWS_LAMBDA_EXEC_WRAPPER) runs this script,
# waits for AWS_LWA_READINESS_CHECK_PATH to answer on AWS_LWA_PORT, then proxies every
# invocation to uvicorn and streams the response back (AWS_LWA_INVOKE_MODE=response_stream).
set -eu

task_root="${LAMBDA_TASK_ROOT:-$(cd "$(dirname "$0")" && pwd)}"
cd "$task_root"
# The exec wrapper skips the managed runtime's bootstrap, so put the function code and the
# layers (/opt/python) on the path here; the runtime's own directory stays last.
export PYTHONPATH="$task_root:/opt/python${LAMBDA_RUNTIME_DIR:+:$LAMBDA_RUNTIME_DIR}"

# uvicorn runs outside the Lambda bootstrap that makes stdout unbuffered: without this, the EMF
# metric lines powertools prints would sit in an 8 KB buffer (late, or lost with the sandbox).
export PYTHONUNBUFFERED=1

level="$(printf '%s' "${LOG_LEVEL:-INFO}" | tr '[:upper:]' '[:lower:]')"

# --loop auto / --http auto choose uvloop and httptools when they are installed (asyncio and h11
# otherwise). No access log: API Gateway writes one, and each request already logs one line.
exec python -m uvicorn app:app \
    --host 127.0.0.1 \
    --port "${AWS_LWA_PORT:-8080}" \
    --loop auto \
    --http auto \
    --no-access-log \
    --log-level "$level"
