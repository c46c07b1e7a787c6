"""Lambda entry point of the public catalog group (models, aliases, providers, health), via Mangum."""

from mangum import Mangum

from spidergate.web.app import create_app

handler = Mangum(create_app(["catalog"]), lifespan="off")
