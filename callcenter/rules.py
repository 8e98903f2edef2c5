"""The numbers of the hotline's rules (../DOMAIN.md), in one place.

Every default here can be overridden in the hotline file; this module only says what the
service standards themselves say, and cites the rule each number comes from.
"""

from __future__ import annotations

# R1: Chinese ringback is 1 s on / 4 s off, a 5 s cycle; "within three rings" means
# answered before the fourth ring begins, i.e. ring time < 3 x 5 s.
RING_CYCLE_SECONDS = 5.0
RULE_RINGS = 3

# R6: an unresolved inquiry is answered within half an hour.
INQUIRY_REPLY_MINUTES = 30
# R7: a complaint gets a (manager's) reply within 48 hours.
COMPLAINT_REPLY_HOURS = 48
# R9: a dropped call is called back at once.
DROPPED_CALLBACK_MINUTES = 0
# Abandoned calls (caller gave up before an answer) are called back within ten minutes.
ABANDONED_CALLBACK_MINUTES = 10
# R11: a second visitor kept waiting three minutes must be handed over; holds longer than
# this are flagged.
LONG_HOLD_SECONDS = 180
# Abandons shorter than this are reported apart (a misdial, not a lost customer).
SHORT_ABANDON_SECONDS = 5
# 15秒接通率: the answer rate within 15 s used by Chinese public hotlines.
FIFTEEN_SECOND_WINDOW = 15.0


def rule_window_seconds(ring_cycle_seconds: float = RING_CYCLE_SECONDS,
                        rule_rings: int = RULE_RINGS) -> float:
    """Seconds of ringing that still count as "within the rule" (R1): strictly less than this."""
    return ring_cycle_seconds * rule_rings
