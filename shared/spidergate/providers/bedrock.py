"""Amazon Bedrock adapter: OpenAI chat through Converse / ConverseStream on an injected boto3 client.

boto3 is synchronous, so each call runs in a worker thread; a stream is read one event per
thread hop, which keeps the event loop free and lets ``finally`` close the upstream connection
when the client goes away.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from spidergate.providers.base import (
    Adapter,
    Completion,
    StreamPiece,
    Target,
    UpstreamError,
    retry_after_seconds,
)
from spidergate.providers.bedrock_request import build_converse_request
from spidergate.providers.bedrock_response import completion_id, to_completion
from spidergate.providers.bedrock_stream import BedrockStreamTranslator
from spidergate.providers.legacy_functions import is_legacy, legacy_body, legacy_piece
from spidergate.providers.remote_images import inline_remote_images

if TYPE_CHECKING:
    from botocore.exceptions import BotoCoreError, ClientError

ClientFactory = Callable[[Target], Any]
"""Returns the ``bedrock-runtime`` client for a target's key (see ``bedrock_client``)."""

# AWS error codes -> HTTP statuses the router classifies (PROVIDERS.md section 5).
ERROR_STATUS = {
    "ValidationException": 400,
    "UnrecognizedClientException": 401,
    "ExpiredTokenException": 401,
    "InvalidSignatureException": 401,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ModelTimeoutException": 408,
    "ModelErrorException": 424,
    "ThrottlingException": 429,
    "ServiceQuotaExceededException": 429,
    "ModelNotReadyException": 429,
    "InternalServerException": 500,
    "ModelStreamErrorException": 500,
    "ServiceUnavailableException": 503,
}
# Whole messages only: a ValidationException can quote the client's own text.
_INPUT_TOO_LONG = re.compile(
    r"Input is too long for requested model\.?|prompt is too long: [\d,]+ tokens > [\d,]+ maximum"
)
_END = object()


class BedrockAdapter(Adapter):
    """Chat (buffered and streamed) against Bedrock's Converse API."""

    def __init__(
        self, http: httpx.AsyncClient, client_factory: ClientFactory, *, allow_private_images: bool = False
    ) -> None:
        super().__init__(http)
        self.client_factory = client_factory
        self.allow_private_images = allow_private_images  # image URLs fetched for inlining

    async def chat(self, target: Target, request: dict[str, Any]) -> Completion:
        """One buffered completion."""
        request = await inline_remote_images(self.http, request, allow_private=self.allow_private_images)
        params = build_converse_request(target, request)
        response = await asyncio.to_thread(self._call, target, "converse", params)
        completion = to_completion(response, target.model.model)
        if is_legacy(request):
            legacy_body(completion.body)
        return completion

    async def chat_stream(self, target: Target, request: dict[str, Any]) -> AsyncIterator[StreamPiece]:
        """Streamed completion; the event stream is closed however the consumer stops."""
        request = await inline_remote_images(self.http, request, allow_private=self.allow_private_images)
        params = build_converse_request(target, request)
        response = await self._open_stream(target, params)
        stream = response["stream"]
        try:
            events = iter(stream)
            translator = BedrockStreamTranslator(completion_id(response), target.model.model)
            legacy = is_legacy(request)
            while (event := await asyncio.to_thread(_next_event, events)) is not _END:
                for piece in translator.feed(event):
                    yield legacy_piece(piece) if legacy else piece
            for piece in translator.close():
                yield piece
        finally:
            stream.close()

    async def _open_stream(self, target: Target, params: dict[str, Any]) -> Any:
        """Start ConverseStream; if the consumer leaves meanwhile, the stream is closed once it opens."""
        future = asyncio.get_running_loop().run_in_executor(
            None, self._call, target, "converse_stream", params
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(_close_abandoned)
            raise

    def _call(self, target: Target, operation: str, params: dict[str, Any]) -> Any:
        """Run one client operation (in a worker thread), mapping botocore failures."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self.client_factory(target)
            return getattr(client, operation)(**params)
        except (BotoCoreError, ClientError) as exc:
            raise bedrock_error(exc, streaming=False) from exc


def _close_abandoned(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result()["stream"].close()


def _next_event(events: Iterator[dict[str, Any]]) -> Any:
    """The next stream event or ``_END`` (a StopIteration cannot cross into an asyncio future)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return next(events, _END)
    except (BotoCoreError, ClientError) as exc:
        raise bedrock_error(exc, streaming=True) from exc


def bedrock_error(exc: BotoCoreError | ClientError, *, streaming: bool) -> UpstreamError:
    """The one mapping of botocore failures to ``UpstreamError``.

    Error codes give the status (stream exception events arrive camel-cased, e.g.
    ``throttlingException``); an error event inside a stream is kind "stream".
    """
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EventStreamError,
        NoCredentialsError,
        NoRegionError,
        ParamValidationError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error") or {}
        raw_code = str(error.get("Code") or "")
        code = raw_code[:1].upper() + raw_code[1:]
        message = str(error.get("Message") or "")
        meta = exc.response.get("ResponseMetadata") or {}
        status = ERROR_STATUS.get(code) or int(meta.get("HTTPStatusCode") or 500)
        headers = httpx.Headers(meta.get("HTTPHeaders") or {})
        upstream_code = code
        if code == "ValidationException" and _INPUT_TOO_LONG.fullmatch(message.strip()):
            upstream_code = "context_length_exceeded"
        return UpstreamError(
            status,
            "stream" if isinstance(exc, EventStreamError) else "http",
            f"Bedrock {code or 'error'} ({status}): {message}",
            code=upstream_code,
            error_type=code or None,
            retry_after=retry_after_seconds(headers),
            raw=message,
            upstream_message=message,
        )
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return UpstreamError(None, "timeout", f"Bedrock timed out ({detail})")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | NoRegionError):
        return UpstreamError(None, "config", f"Bedrock client cannot be set up ({detail})")
    if isinstance(exc, ParamValidationError):
        return UpstreamError(
            400, "http", f"Bedrock refused the request shape ({detail})", code="validation_error"
        )
    return UpstreamError(
        None, "stream" if streaming else "connection", f"Bedrock connection failed ({detail})"
    )
