"""Names shared by the rendered files (kept apart so pjsip.conf and extensions.conf agree)."""

AGENTS_CONTEXT = "callcenter-agents"
