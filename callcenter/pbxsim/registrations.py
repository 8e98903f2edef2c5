"""The agents' phones registering and unregistering with chan_pjsip, as Asterisk 20.20.1 reports
it (the ``unregistered_phone`` live capture): a phone that is not registered has no contact, its
device is UNAVAILABLE and app_queue does not ring its members (Status 5). Phones are registered
unless a scenario or a test takes them off (``unregister``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.pbxsim.queues import member_status_changed

if TYPE_CHECKING:
    from callcenter.pbxsim.pbx import Pbx

SYSTEM = "system,all"


def _contact(pbx: Pbx, endpoint: str, status: str, roundtrip: int) -> None:
    port = pbx.contact_ports.setdefault(endpoint, 30000 + pbx.rng.randrange(30000))
    pbx.emit("ContactStatus", SYSTEM, [
        ("URI", f"sip:{endpoint}@127.0.0.1:{port}"), ("ContactStatus", status), ("AOR", endpoint),
        ("EndpointName", endpoint), ("RoundtripUsec", str(roundtrip))])


def _peer(pbx: Pbx, endpoint: str, status: str) -> None:
    pbx.emit("PeerStatus", SYSTEM, [("ChannelType", "PJSIP"), ("Peer", f"PJSIP/{endpoint}"),
                                     ("PeerStatus", status)])


def register(pbx: Pbx, endpoint: str) -> None:
    """The phone's REGISTER is accepted and its first qualify answered: ContactStatus NonQualified,
    PeerStatus Reachable, ContactStatus Reachable, then the device and its queue members are back
    (NOT_INUSE, Status 1)."""
    if endpoint not in pbx.unregistered:
        return
    pbx.unregistered.discard(endpoint)
    _contact(pbx, endpoint, "NonQualified", 0)
    _peer(pbx, endpoint, "Reachable")
    _contact(pbx, endpoint, "Reachable", 300 + pbx.rng.randrange(300))
    member_status_changed(pbx, f"PJSIP/{endpoint}")


def unregister(pbx: Pbx, endpoint: str) -> None:
    """REGISTER with Expires: 0 (or the registration ran out): PeerStatus Unreachable, the device
    UNAVAILABLE with its queue members (Status 5), then ContactStatus Removed."""
    if endpoint in pbx.unregistered:
        return
    pbx.unregistered.add(endpoint)
    _peer(pbx, endpoint, "Unreachable")
    member_status_changed(pbx, f"PJSIP/{endpoint}")
    _contact(pbx, endpoint, "Removed", 0)
    pbx.contact_ports.pop(endpoint, None)  # a new registration comes from a new port
