"""Lambda entry point of the brand-scoped dashboard API (behind a Cognito authorizer), via Mangum."""

from mangum import Mangum

from spidergate.web.app import create_app

handler = Mangum(create_app(["dashboard"]), lifespan="off")
