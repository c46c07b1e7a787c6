"""A strict little ``multipart/form-data`` reader (the sandbox needs no python-multipart)."""

from __future__ import annotations

from email.message import Message
from email.utils import collapse_rfc2231_value

from spidergate.local.sandbox.call import BadRequest, UploadedFile


def boundary_of(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


def parse_form(body: bytes, content_type: str) -> tuple[dict[str, list[str]], dict[str, UploadedFile]]:
    """Text fields (every value, in order) and files of a multipart body; malformed is a ``BadRequest``."""
    boundary = boundary_of(content_type)
    if boundary is None:
        raise BadRequest("Content-Type must be multipart/form-data with a boundary.")
    sections = body.split(b"--" + boundary.encode("latin-1"))
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise BadRequest("Malformed multipart body: missing closing boundary.")
    fields: dict[str, list[str]] = {}
    files: dict[str, UploadedFile] = {}
    for section in sections[1:-1]:
        if not section.startswith(b"\r\n") or not section.endswith(b"\r\n"):
            raise BadRequest("Malformed multipart body: bad part framing.")
        head, sep, data = section[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise BadRequest("Malformed multipart body: part without headers.")
        headers = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip()] = value.strip()
        raw_name = headers.get_param("name", header="content-disposition")
        if raw_name is None:
            raise BadRequest("Malformed multipart body: part without a name.")
        name = collapse_rfc2231_value(raw_name)
        filename = headers.get_filename()
        if filename is not None:
            kind = headers.get("content-type", "application/octet-stream").split(";")[0].strip()
            files[name] = UploadedFile(filename=filename, content_type=kind, data=data)
        else:
            fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
    return fields, files
