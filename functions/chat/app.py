"""The chat group's ASGI app, served by uvicorn behind the Lambda Web Adapter (see run.sh).

Mangum would buffer the whole answer, so this group streams through the adapter instead.
"""

from spidergate.web.app import create_app

app = create_app(["chat"])
