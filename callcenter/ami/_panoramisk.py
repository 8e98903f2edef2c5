"""The one place panoramisk is imported (pinned at 1.4; PyPI's 1.4 differs from its master).

Everything else in callcenter imports these names from here, so a version change is one file's
business; the listener's repairs to 1.4 (text decoding, ping watchdog, back-pressure) live in
``callcenter.ami.link``.
"""

from __future__ import annotations

import panoramisk
from panoramisk import fast_agi
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager
from panoramisk.message import Message

PINNED = "1.4"

FastAgiApplication = fast_agi.Application
FastAgiRequest = fast_agi.Request
parse_agi_result = fast_agi.parse_agi_result

__all__ = ["PINNED", "AMIProtocol", "Action", "FastAgiApplication", "FastAgiRequest", "Manager", "Message",
           "panoramisk", "parse_agi_result"]
