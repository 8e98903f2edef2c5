"""The desk page's words: Chinese first, English second (``?lang=en``)."""

from __future__ import annotations

from collections.abc import Callable

TEXTS: dict[str, tuple[str, str]] = {
    "desk": ("坐席工作台", "Agent desk"),
    "acting_for": ("主管代为操作：{name}（工号 {id}），所有操作均记录在审计中",
                   "Supervisor acting for {name} ({id}); every action is audited"),
    "state": ("状态", "State"), "queues": ("队列", "Queues"), "log_in": ("签入", "Log in"),
    "log_out": ("签出", "Log out"), "pause": ("暂停", "Pause"), "resume": ("恢复接听", "Resume"),
    "connecting": ("连接中…", "Connecting…"),
    "pop": ("来电弹屏", "Incoming call"), "caller": ("来电号码", "Caller"), "address": ("地址", "Address"),
    "department": ("部门", "Department"), "open_tickets": ("未结工单", "Open tickets"),
    "last_calls": ("最近通话", "Last calls"), "callbacks_owed": ("待回访", "Callbacks owed"),
    "ticket": ("当前工单", "Current ticket"), "owner": ("首问负责人", "Owner (first contact)"),
    "caller_name": ("客户姓名", "Name"), "phone": ("联系电话", "Phone"), "category": ("类别", "Category"),
    "summary": ("事项", "Matter"), "preferred_time": ("方便上门时间", "Convenient time"),
    "urgent": ("紧急", "Urgent"), "visit_at": ("承诺时间", "Promised time"),
    "save": ("保存更正", "Save"), "confirm": ("确认工单", "Confirm ticket"),
    "assign": ("派单到部门", "Assign to department"), "close": ("结单", "Close"),
    "outcome": ("处理结果", "Outcome"), "transfer": ("转交负责人", "Transfer ownership"),
    "transfer_to": ("转交给", "Transfer to"), "transfer_reason": ("转交原因（必填）", "Reason (required)"),
    "owner_changes": ("负责人变更记录", "Ownership changes"), "call_customer": ("拨打客户", "Call customer"),
    "my_tickets": ("我的工单", "My tickets"), "my_callbacks": ("我的回访", "My callbacks"),
    "quality": ("今日服务质量", "Today's quality"), "me": ("我", "Me"), "team": ("团队合计", "Team total"),
    "three_ring_pct": ("三声内接听率", "Answered within 3 rings"), "answered": ("接听数", "Answered"),
    "late": ("超三声接听", "Late answers"), "hung_up_first": ("坐席先挂机", "Agent hung up first"),
    "findings": ("质检发现", "Quality findings"), "audit": ("操作记录", "Actions"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    "repair": ("报修", "Repair"), "complaint": ("投诉", "Complaint"), "inquiry": ("咨询", "Inquiry"),
    "suggestion": ("建议", "Suggestion"), "praise": ("表扬", "Praise"), "billing": ("缴费", "Fees"),
    "release": ("放行", "Move-out release"), "other": ("其他", "Other"),
}


def desk_translator(lang: str) -> Callable[..., str]:
    def d(key: str, **values: object) -> str:
        zh, en = TEXTS.get(key) or CATEGORIES.get(key) or (key, key)
        text = en if lang == "en" else zh
        return text.format(**values) if values else text

    return d
