"""The AMI byte stream → raw messages (header dicts), incrementally, for live traffic and replay.

Asterisk frames each message as ``Key: Value`` lines ending in CRLF, closed by an empty line;
the first line of a session is the banner (``Asterisk Call Manager/9.0.0``). Real streams are
clean, but the service must survive what a broken proxy, a truncated capture or a flood can do,
so the parser also accepts LF-only or bare-CR line ends, skips garbage and binary noise
(counting it), starts a new message when an ``Event:``/``Response:`` line shows up inside another
one (a missing blank line), and never lets one unterminated message grow without bound.
"""

from __future__ import annotations

import codecs
import logging
import operator
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

BANNER_PREFIX = "Asterisk Call Manager/"
# A message that never ends is dropped past this size: one AMI event is a few hundred bytes.
MAX_MESSAGE_CHARS = 256 * 1024
_STARTERS = frozenset(("Event", "Response"))
_KEY_TAIL = re.compile(r"[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(slots=True)
class RawMessage:
    """One AMI message as received: its headers (first value wins), its text, its position."""

    headers: dict[str, str]
    raw: str
    index: int  # 0-based position among the messages after the banner (trace sidecars count so)


@dataclass(slots=True)
class FramingStats:
    messages: int = 0
    garbage_lines: int = 0
    dropped_messages: int = 0  # fragments with neither Event nor Response, oversize messages


class AmiFramer:
    """Feed bytes as they arrive; get back the complete messages they finish."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self.banner: str | None = None
        self.stats = FramingStats()

    def feed(self, data: bytes) -> list[RawMessage]:
        text = self._pending + self._decoder.decode(data)
        if "\r" in text:
            # A CR at the very end may be half of a CRLF split across reads: keep it for later.
            keep_cr = text.endswith("\r")
            text = text[:-1] if keep_cr else text
            text = text.replace("\r\n", "\n").replace("\r", "\n") + ("\r" if keep_cr else "")
        chunks = text.split("\n\n")
        self._pending = chunks.pop()
        if len(self._pending) > MAX_MESSAGE_CHARS:
            log.warning("AMI: dropping %d characters without a message end", len(self._pending))
            self.stats.dropped_messages += 1
            self._pending = ""
        out: list[RawMessage] = []
        for chunk in chunks:
            if chunk:
                self._parse_chunk(chunk, out)
        return out

    def flush(self) -> list[RawMessage]:
        """End of stream: whatever is left is parsed as a last (possibly truncated) message."""
        rest = (self._pending + self._decoder.decode(b"", final=True)).replace("\r", "\n")
        self._pending = ""
        out: list[RawMessage] = []
        for chunk in rest.split("\n\n"):
            if chunk.strip():
                self._parse_chunk(chunk, out)
        return out

    def _parse_chunk(self, chunk: str, out: list[RawMessage]) -> None:
        lines = chunk.split("\n")
        try:  # the fast path: a clean message, every line "Key: Value", no key twice
            headers = dict(map(_split_header, lines))
        except ValueError:
            pass
        else:
            first = lines[0]
            starts = first.startswith("Event: ") or (first.startswith("Response: "
                                                                      "") and "Event" not in headers)
            if starts and len(headers) == len(lines):
                out.append(RawMessage(headers, chunk, self.stats.messages))
                self.stats.messages += 1
                return
        self._parse_slowly(chunk, lines, out)

    def _parse_slowly(self, chunk: str, lines: list[str], out: list[RawMessage]) -> None:
        headers: dict[str, str] = {}
        start = 0
        for position, line in enumerate(lines):
            key, sep, value = line.partition(": ")
            if not sep:
                odd_key = self._odd_line(line)
                if odd_key is None:
                    continue
                key, value = odd_key, ""
            elif not (key.isascii() and key.isalnum()) and not _plain_key(key):
                salvaged = _KEY_TAIL.search(key)
                self.stats.garbage_lines += 1
                if salvaged is None:
                    continue
                key = salvaged.group(0)
            if key in _STARTERS and headers and (key == "Event" or "Event" not in headers):
                # A new Event (or a Response after a Response) inside a message: the blank line
                # before it was lost. OriginateResponse events carry a Response header of their own.
                self._emit(headers, "\n".join(lines[start:position]), out)
                headers = {}
                start = position
            if key not in headers:
                headers[key] = value
        if headers:
            self._emit(headers, "\n".join(lines[start:]) if start else chunk, out)

    def _odd_line(self, line: str) -> str | None:
        """A line without ``": "``: the banner, an empty-valued header, or garbage."""
        if line.startswith(BANNER_PREFIX) or BANNER_PREFIX in line:
            self.banner = line[line.index(BANNER_PREFIX):].strip()
            return None
        if line.endswith(":") and _plain_key(line[:-1]):
            return line[:-1]
        if line.strip():
            self.stats.garbage_lines += 1
        return None

    def _emit(self, headers: dict[str, str], raw: str, out: list[RawMessage]) -> None:
        if "Event" not in headers and "Response" not in headers:
            self.stats.dropped_messages += 1
            log.debug("AMI: dropping a fragment without Event/Response: %.80r", raw)
            return
        out.append(RawMessage(headers, raw, self.stats.messages))
        self.stats.messages += 1


_split_header = operator.methodcaller("split", ": ", 1)


def _plain_key(key: str) -> bool:
    return bool(key) and key.isascii() and key.replace("-", "").replace("_", "").isalnum()
