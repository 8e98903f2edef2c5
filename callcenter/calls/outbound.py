"""The dialplan contexts of the service's own agent-first calls (callbacks, click to call), by
which the tracker knows them as outbound from the AMI stream alone (live and in replay alike).

The callbacks executor and the desk originate into ``CALLBACK_CONTEXT`` (the agent answers, the
customer is dialled from there); a department's callback rings its agent first through the Local
channel ``Local/<queue>@CALLBACK_QUEUES_CONTEXT``. ``callcenter dialplan render`` writes both, and
``AGENTS_CONTEXT``, where the agents' own phones dial.
"""

CALLBACK_CONTEXT = "callcenter-callback"
CALLBACK_QUEUES_CONTEXT = "callcenter-queues"
# The softphones' own context (pjsip.conf endpoints): a call that starts there is an agent dialling
# out (a colleague, a customer), never a caller waiting for the hotline.
AGENTS_CONTEXT = "callcenter-agents"
