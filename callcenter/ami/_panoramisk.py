"""The one place panoramisk is imported (pinned at 1.4; PyPI's 1.4 differs from its master).

Everything else in callcenter imports these names from here, so its weaknesses (a blocking
sleep on reconnect, no ping timeout, no resync, fire-and-forget async handlers) are worked
around in one spot and a version change is one file's business.
"""

from __future__ import annotations

import panoramisk
from panoramisk import fast_agi
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager
from panoramisk.message import Message

PINNED = "1.4"

FastAgiApplication = fast_agi.Application
FastAgiRequest = fast_agi.Request
parse_agi_result = fast_agi.parse_agi_result

__all__ = ["PINNED", "AMIProtocol", "FastAgiApplication", "FastAgiRequest", "Manager", "Message",
           "panoramisk", "parse_agi_result"]
