"""Names shared by the rendered files (kept apart so pjsip.conf and extensions.conf agree)."""

from callcenter.calls.outbound import AGENTS_CONTEXT

__all__ = ["AGENTS_CONTEXT"]
