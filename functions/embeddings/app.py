"""Lambda entry point of the embeddings group (POST /embeddings), via Mangum."""

from mangum import Mangum

from spidergate.web.app import create_app

handler = Mangum(create_app(["embeddings"]), lifespan="off")
