"""The non-file parts of a multipart/form-data body, via python-multipart's parser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from python_multipart.multipart import MultipartParser, parse_options_header

from inbound.webhooks.payload import DECODE_ERROR, DecodeError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


def form_fields(body: bytes, boundary: str) -> list[tuple[str, str]]:
    """``(name, value)`` for each part without a filename; file parts are skipped."""
    parts: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    header_name = bytearray()
    header_value = bytearray()
    data = bytearray()

    def on_part_begin() -> None:
        headers.clear()
        data.clear()

    def on_header_field(chunk: bytes, start: int, end: int) -> None:
        header_name.extend(chunk[start:end])

    def on_header_value(chunk: bytes, start: int, end: int) -> None:
        header_value.extend(chunk[start:end])

    def on_header_end() -> None:
        headers[header_name.decode("latin-1").lower()] = header_value.decode("utf-8", "replace")
        header_name.clear()
        header_value.clear()

    def on_part_data(chunk: bytes, start: int, end: int) -> None:
        data.extend(chunk[start:end])

    def on_part_end() -> None:
        name, is_file = _disposition(headers.get("content-disposition", ""))
        if name and not is_file:
            parts.append((name, data.decode("utf-8", "replace")))

    callbacks: MultipartCallbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    try:  # the parser raises its own error classes for malformed input (and boundaries)
        parser = MultipartParser(boundary.encode("latin-1"), callbacks)
        parser.write(body)
        parser.finalize()
    except Exception as error:
        raise DecodeError(DECODE_ERROR, f"The multipart body is malformed: {error}.") from None
    return parts


def _disposition(header: str) -> tuple[str, bool]:
    _, options = parse_options_header(header)
    name = options.get(b"name", b"").decode("utf-8", "replace")
    return name, b"filename" in options
