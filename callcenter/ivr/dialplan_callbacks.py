"""The contexts the callbacks area's Originate lands in (contract C6; R6-R9, R12, R14, R18, R21).

The callbacks executor rings the agent first: the owner's phone ``PJSIP/<ext>`` or a
department's queue through ``Local/<queue>@callcenter-queues``; when the agent answers, the
Originate continues in ``callcenter-callback`` at the customer's number, which is dialled over
the trunk with the ``callback`` announcement played to the customer before the bridge. A repair
follow-up (CC_SURVEY=1) hands the customer to the satisfaction survey when the agent hangs up.
"""

from __future__ import annotations

from collections.abc import Mapping

from callcenter.hotline import Hotline

PROMPT = "callcenter/zh/{}"
CALLBACK_DIAL_SECONDS = 45
QUEUE_RING_SECONDS = 60


def globals_section(env: Mapping[str, str]) -> list[str]:
    trunk = env.get("CALLCENTER_TRUNK") or "trunk"
    number = env.get("CALLCENTER_CENTRE_NUMBER") or ""
    return [
        "[globals]",
        f"CALLCENTER_TRUNK={trunk}  ; the PJSIP endpoint of the provider's trunk (CALLCENTER_TRUNK)",
        f"CALLCENTER_CENTRE_NUMBER={number}  ; caller ID shown on callbacks (CALLCENTER_CENTRE_NUMBER)",
        "",
    ]


def callback_contexts(hotline: Hotline) -> list[str]:
    lines = ["; Callbacks (service: callbacks area, AMI Originate): the agent leg through a department",
             "; queue; 'r' rings instead of music, so the Local channel answers only when a member does.",
             "[callcenter-queues]"]
    for dept in hotline.departments:
        lines.append(f"exten => {dept.queue},1,Queue({dept.queue},r,,,{QUEUE_RING_SECONDS})  ; {dept.name}")
        lines.append(" same => n,Hangup()")
    survey = "${IF($[\"${CC_SURVEY}\" = \"1\"]?F(callcenter-survey^s^1))}"
    lines += [
        "",
        "; The agent has answered the callback: dial the customer (the Originate's extension).",
        "[callcenter-callback]",
        "exten => _X.,1,Set(__CC_CALLBACK_ID=${CC_CALLBACK_ID})  ; inherited by the customer's leg (survey)",
        " same => n,ExecIf($[\"${CALLCENTER_CENTRE_NUMBER}\" != "
        "\"\"]?Set(CALLERID(num)=${CALLCENTER_CENTRE_NUMBER}))",
        (f" same => n,Dial(PJSIP/${{EXTEN}}@${{CALLCENTER_TRUNK}},{CALLBACK_DIAL_SECONDS},"
        f"A({PROMPT.format('callback')}){survey})  ; A(): the customer hears the callback announcement"),
        " same => n,Hangup()",
        "",
        "; R21: after a repair follow-up the customer rates the service on the keypad (1-5). The score is",
        "; sent as the AMI UserEvent CallcenterSurvey (class user) for whoever records it.",
        "[callcenter-survey]",
        f"exten => s,1,Read(CC_SURVEY_SCORE,{PROMPT.format('survey')},1,,2,8)",
        " same => n,UserEvent(CallcenterSurvey,CallbackID: ${CC_CALLBACK_ID},Score: ${CC_SURVEY_SCORE})",
        f" same => n,Playback({PROMPT.format('survey_thanks')})",
        " same => n,Hangup()",
        "",
    ]
    return lines
