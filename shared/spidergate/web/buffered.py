"""The HTTP response of a buffered answer: the whole body, then usage settled, then the end."""

from __future__ import annotations

from spidergate.serve.buffered import BufferedAnswer
from spidergate.web.responses import SettledResponse


def settled(answer: BufferedAnswer) -> SettledResponse:
    return SettledResponse(
        answer.body,
        answer.exchange.finish,
        status_code=answer.status,
        headers=answer.headers,
        media_type=answer.media_type,
    )
