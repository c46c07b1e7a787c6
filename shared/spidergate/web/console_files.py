"""The brand console's built files (``make console`` writes them to ``console_dist`` beside this
module), read once per container and kept in memory.

Bodies go out uncompressed: behind API Gateway a gzipped body would leave Lambda base64-encoded and
reach the browser decoded only for the API's binary media types (compression belongs to API Gateway's
own ``MinimumCompressionSize``, which negotiates with the client)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from spidergate.errors import GatewayError

DIST = Path(__file__).with_name("console_dist")
INDEX = "index.html"
# Vite names assets <name>-<content hash>.<ext>: a name never changes content, so cache it for good.
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
_ASSET_NAME = re.compile(r"assets/[A-Za-z0-9_.-]+")


class ConsoleNotBuilt(GatewayError):
    status = 503
    type = "api_error"
    code = "console_not_built"


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    content_type: str
    cache_control: str


def _content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed == "text/javascript":  # both are right; keep one
        guessed = "application/javascript"
    return (
        f"{guessed}; charset=utf-8"
        if guessed.startswith("text/") or guessed.endswith("javascript")
        else guessed
    )


def _load(path: Path, name: str) -> StaticFile:
    cache = NO_CACHE if name == INDEX else IMMUTABLE
    return StaticFile(path.read_bytes(), _content_type(name), cache)


class ConsoleFiles:
    """``index.html`` and ``assets/*`` of one build; anything else is not found (``None``)."""

    def __init__(self, root: Path = DIST) -> None:
        self.root = root
        self._files: dict[str, StaticFile] | None = None

    def _all(self) -> dict[str, StaticFile]:
        if self._files is None:
            if not (self.root / INDEX).is_file():
                raise ConsoleNotBuilt("The console is not built into this deployment: run `make console`.")
            files = {INDEX: _load(self.root / INDEX, INDEX)}
            assets = self.root / "assets"
            for path in sorted(assets.iterdir()) if assets.is_dir() else []:
                if path.is_file():
                    files[f"assets/{path.name}"] = _load(path, f"assets/{path.name}")
            self._files = files
        return self._files

    def get(self, name: str) -> StaticFile | None:
        """The file at ``name`` (``""`` is the index); ``None`` for anything the build does not hold."""
        name = name or INDEX
        if name != INDEX and not _ASSET_NAME.fullmatch(name):
            return None
        return self._all().get(name)
