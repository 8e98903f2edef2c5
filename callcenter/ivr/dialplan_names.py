"""Names shared by the rendered files (kept apart so pjsip.conf and extensions.conf agree)."""

from callcenter.calls.outbound import AGENTS_CONTEXT

# `callcenter doctor`'s test extension and the FastAGI script it runs.
DOCTOR_CONTEXT = "callcenter-doctor"
DOCTOR_EXTENSION = "probe"
DOCTOR_SCRIPT = "doctor"

__all__ = ["AGENTS_CONTEXT", "DOCTOR_CONTEXT", "DOCTOR_EXTENSION", "DOCTOR_SCRIPT"]
