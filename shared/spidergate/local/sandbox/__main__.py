"""``python -m spidergate.local.sandbox --port N``: serve the sandbox upstream alone."""

from __future__ import annotations

import argparse

from spidergate.local.sandbox.app import create_sandbox_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m spidergate.local.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    import uvicorn

    # No access log: the sandbox sits on benchmark hot paths; GET /_control/requests shows traffic.
    app = create_sandbox_app()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, ws="none")


if __name__ == "__main__":
    main()
