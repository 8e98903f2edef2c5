"""logger.conf for Asterisk 20: the queue_log the service reads after downtime.

app_queue writes one line per queue event to ``<astlogdir>/<queue_log_name>``
(``/var/log/asterisk/queue_log`` by default) when ``queue_log = yes``; the service reads it from
``CALLCENTER_QUEUE_LOG`` to record the calls it missed while it was down or cut off.
"""

from __future__ import annotations

QUEUE_LOG_NAME = "queue_log"
DEFAULT_QUEUE_LOG = f"/var/log/asterisk/{QUEUE_LOG_NAME}"


def render_logger() -> str:
    return "\n".join([
        "; logger.conf: Asterisk's logs.",
        "; Rendered by `callcenter dialplan render`; callcenter reads the queue_log after downtime.",
        "",
        "[general]",
        "queue_log = yes  ; app_queue logs every queue event (epoch|callid|queue|agent|event|data…)",
        "queue_log_to_file = yes  ; to the file even when a realtime queue_log backend is configured",
        f"queue_log_name = {QUEUE_LOG_NAME}  ; {DEFAULT_QUEUE_LOG}: set CALLCENTER_QUEUE_LOG to it",
        "",
        "[logfiles]",
        "console => notice,warning,error",
        "messages.log => notice,warning,error",
        "",
    ])
