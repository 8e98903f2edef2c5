"""The log's line format: text (the default) or one JSON object per line for log collectors
(``--log-format json`` or CALLCENTER_LOG_FORMAT=json). Phone numbers are masked either way unless
CALLCENTER_LOG_PII=1 (R17, ``callcenter.privacy``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping

from callcenter import privacy
from callcenter.errors import ConfigError

FORMATS = ("text", "json")
SETTING = "CALLCENTER_LOG_FORMAT"


class JsonFormatter(logging.Formatter):
    def __init__(self, mask: bool) -> None:
        super().__init__()
        self._mask = mask

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if self._mask:
            message = privacy.mask_log_line(message)
        entry = {"time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": message}
        return json.dumps(entry, ensure_ascii=False)


def chosen(value: str | None, env: Mapping[str, str]) -> str:
    wanted = (value or env.get(SETTING) or "text").strip().lower()
    if wanted not in FORMATS:
        raise ConfigError(SETTING if value is None else "--log-format",
                          f"{wanted!r} is not a log format; choose text or json")
    return wanted


def apply(fmt: str, env: Mapping[str, str], root: logging.Logger | None = None) -> None:
    """Give the root logger's handlers the chosen format (text keeps what main() set up)."""
    if fmt != "json":
        return
    for handler in (root or logging.getLogger()).handlers:
        handler.setFormatter(JsonFormatter(mask=not privacy.log_pii(env)))
