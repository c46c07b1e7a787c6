"""Lambda entry point of the media group (images, speech, transcriptions, uploads), via Mangum."""

from mangum import Mangum

from spidergate.web.app import create_app

handler = Mangum(create_app(["media"]), lifespan="off")
