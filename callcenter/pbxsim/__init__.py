"""pbxsim: an embedded stand-in for Asterisk 20 (AMI server, FastAGI client, simulated calls).

Debian ships no Asterisk, so the demo, the integration tests and the benchmarks talk to this
instead. It speaks AMI on a local TCP port exactly as the recorded traces in
``tests/data/ami-traces`` show, runs the hotline's call flow natively, and calls the service's
FastAGI server where the dialplan would. It is a test double, not a PBX: no media, no SIP.
"""

from callcenter.pbxsim.pbx import Pbx, PbxConfig
from callcenter.pbxsim.queue_state import QueueConfig

__all__ = ["Pbx", "PbxConfig", "QueueConfig"]
