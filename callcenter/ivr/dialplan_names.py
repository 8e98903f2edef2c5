"""Names shared by the rendered files (kept apart so pjsip.conf and extensions.conf agree)."""

AGENTS_CONTEXT = "callcenter-agents"
# Where the service's own agent-first calls (callbacks, click to call) continue once the agent has
# answered: the customer is dialled from here. A call that runs in it is outbound.
CALLBACK_CONTEXT = "callcenter-callback"
# A department's callback rings the agent through a Local channel into this context's queue.
CALLBACK_QUEUES_CONTEXT = "callcenter-queues"
