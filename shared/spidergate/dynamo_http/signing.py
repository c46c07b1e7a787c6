"""SigV4 for DynamoDB requests: botocore's signer over frozen credentials (~50 us a request).

Credentials come from botocore's default chain (environment, shared files, container or
instance roles), resolved once; refreshable ones are refreshed off the event loop when due.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from spidergate.dynamo_http.wire import CONTENT_TYPE

SERVICE = "dynamodb"


class Signer:
    """Signs requests to one endpoint; ``credentials`` (a botocore Credentials) skips the chain."""

    def __init__(self, url: str, region: str, session: Callable[[], Any], credentials: Any = None) -> None:
        self.url = url
        self.region = region
        self._session = session
        self._credentials = credentials

    async def frozen(self) -> Any:
        """The credentials to sign with now (``NoCredentialsError`` if the chain finds none)."""
        credentials = self._credentials
        if credentials is None:
            credentials = await asyncio.to_thread(self._resolve)
        refresh_needed = getattr(credentials, "refresh_needed", None)
        if refresh_needed is not None and refresh_needed():
            # A refresh is blocking I/O (STS, the container endpoint): keep it off the loop.
            return await asyncio.to_thread(credentials.get_frozen_credentials)
        return credentials.get_frozen_credentials()

    def headers(
        self, credentials: Any, target: str, body: bytes, timestamp: str | None = None
    ) -> dict[str, str]:
        """The headers of a signed POST of ``body`` to the ``X-Amz-Target`` operation ``target``.

        This is ``SigV4Auth.add_auth`` step by step with botocore's own methods, minus its DEBUG
        log of the canonical request, which holds the session token.
        """
        from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
        from botocore.awsrequest import AWSRequest

        stamp = timestamp or time.strftime(SIGV4_TIMESTAMP, time.gmtime())
        headers = {"X-Amz-Target": target, "Content-Type": CONTENT_TYPE, "X-Amz-Date": stamp}
        if credentials.token:
            headers["X-Amz-Security-Token"] = credentials.token
        request = AWSRequest(method="POST", url=self.url, data=body, headers=headers)
        request.context["timestamp"] = stamp
        auth = SigV4Auth(credentials, SERVICE, self.region)
        signature = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        signed = auth.signed_headers(auth.headers_to_sign(request))
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={auth.scope(request)}, SignedHeaders={signed}, Signature={signature}"
        )
        return headers

    def _resolve(self) -> Any:
        if self._credentials is None:
            found = self._session().get_credentials()
            if found is None:
                from botocore.exceptions import NoCredentialsError

                raise NoCredentialsError()
            self._credentials = found
        return self._credentials
