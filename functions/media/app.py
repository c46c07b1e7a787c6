"""The media group's ASGI app (images, speech, transcriptions, uploads), served by uvicorn behind
the Lambda Web Adapter (see run.sh) in response-stream mode, so a long transcription or a slow
image gets the function's 300 s instead of API Gateway's buffered 29 s.
"""

from spidergate.web.app import create_app

app = create_app(["media"])
