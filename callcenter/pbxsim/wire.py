"""AMI framing as Asterisk writes it: ``Key: Value`` lines ending in CRLF, a blank line ends a
message. Actions arrive in the same framing (clients may send bare LF; both are accepted)."""

from __future__ import annotations

Headers = list[tuple[str, str]]

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


def encode(headers: Headers) -> bytes:
    return "".join(f"{key}: {value}\r\n" for key, value in headers).encode() + b"\r\n"


def split_messages(buffer: bytearray) -> list[Headers]:
    """Take every complete message out of ``buffer`` (modified in place)."""
    out: list[Headers] = []
    while True:
        text = buffer.replace(b"\r\n", b"\n")
        end = text.find(b"\n\n")
        if end < 0:
            if text.strip() == b"":
                buffer.clear()
            return out
        raw = bytes(text[:end]).decode("utf-8", "replace")
        del buffer[:]
        buffer += text[end + 2:]
        headers: Headers = []
        for line in raw.split("\n"):
            key, sep, value = line.partition(":")
            if sep:
                headers.append((key.strip(), value.strip()))
        if headers:
            out.append(headers)


def first(headers: Headers, key: str, default: str | None = None) -> str | None:
    lowered = key.lower()
    return next((v for k, v in headers if k.lower() == lowered), default)


def all_of(headers: Headers, key: str) -> list[str]:
    lowered = key.lower()
    return [v for k, v in headers if k.lower() == lowered]
