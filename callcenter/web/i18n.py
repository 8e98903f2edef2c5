"""Chinese first, English second: the page texts and the ``?lang=en`` switch (kept in the session)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

LANGS = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("客服热线", "Hotline"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "user_id": ("工号", "Staff ID"),
    "password": ("密码", "Password"),
    "bad_login": ("工号或密码错误", "Wrong staff ID or password"),
    "login_wait": ("尝试次数过多，请 {seconds} 秒后再试", "Too many attempts; try again in {seconds} s"),
    "login_busy": ("登录繁忙，请稍后再试", "Too many logins at once; try again shortly"),
    "back_home": ("返回首页", "Back to the start"),
    "change_password": ("修改密码", "Change password"),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "repeat_password": ("再次输入新密码", "New password again"),
    "password_changed": ("密码已修改，其他已登录的地方均已退出",
                         "Password changed; every other session was ended"),
    "passwords_differ": ("两次输入的新密码不一致", "The two new passwords differ"),
    "wrong_current": ("当前密码错误", "The current password is wrong"),
    "accounts": ("账号管理", "Accounts"),
    "reset_password": ("重置密码", "Reset password"),
    "disable": ("停用", "Disable"),
    "enable": ("启用", "Enable"),
    "disabled": ("已停用", "disabled"),
    "active": ("正常", "active"),
    "new_password_for": ("{who} 的新密码(只显示这一次，请当面交给本人)：",
                         "New password for {who} (shown once; hand it over in person):"),
    "account_disabled": ("{who} 已停用，其登录已全部结束",
                         "{who} is disabled; every session of theirs ended"),
    "account_enabled": ("{who} 已启用", "{who} is enabled"),
    "name": ("姓名", "Name"),
    "supervisor": ("主管", "Supervisor"),
    "role": ("角色", "Role"),
    "status": ("状态", "Status"),
    "reports": ("接听时效报表", "Answer-time report"),
    "calls": ("通话记录", "Calls"),
    "call": ("通话详情", "Call detail"),
    "wallboard": ("实时监控", "Wallboard"),
    "desk": ("坐席工作台", "Agent desk"),
    "spot_checks": ("每日抽检", "Spot checks"),
    "followups": ("跟进报表", "Follow-ups"),
    "from": ("开始日期", "From"),
    "to": ("结束日期", "To"),
    "by": ("分组", "Group by"),
    "by_agent": ("按坐席", "by agent"),
    "by_queue": ("按队列", "by queue"),
    "by_hour": ("按时段", "by hour"),
    "by_day": ("按日期", "by day"),
    "show": ("查询", "Show"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export XLSX"),
    "ring_chart": ("接听前振铃声数分布", "Rings heard before answer"),
    "sl_chart": ("各时段服务水平(三声内，不含放弃)", "Service level by hour (3 rings, abandons excluded)"),
    "no_calls": ("该时段没有通话", "No calls in this period"),
    "definitions": ("指标说明", "Definitions"),
    "started": ("开始时间", "Started"),
    "caller": ("主叫号码", "Caller"),
    "queue": ("队列", "Queue"),
    "agent": ("坐席", "Agent"),
    "ring_seconds": ("振铃(秒)", "Ring (s)"),
    "rings": ("声数", "Rings"),
    "call_state": ("状态", "State"),
    "listen_in": ("监听", "Listen in"),
    "wait_seconds": ("等待(秒)", "Wait (s)"),
    "talk_seconds": ("通话(秒)", "Talk (s)"),
    "talk_time": ("通话时长(分:秒)", "Talk (m:ss)"),
    "greeting": ("问候", "Greeting"),
    "outcome": ("结果", "Outcome"),
    "answered": ("已接听", "answered"),
    "abandoned": ("放弃", "abandoned"),
    "other": ("其他", "other"),
    "hangup_first": ("先挂机", "Hung up first"),
    "holds": ("保持", "Holds"),
    "legs": ("振铃记录", "Ring attempts"),
    "timeline": ("时间线", "Timeline"),
    "journal": ("原始事件", "Raw events"),
    "recordings": ("录音", "Recordings"),
    "transcript": ("转写文本", "Transcript"),
    "findings": ("质检发现", "Quality findings"),
    "no_transcript": ("暂无转写", "No transcript yet"),
    "total_calls": ("共 {n} 通", "{n} calls"),
    "waiting": ("等待中", "Waiting"),
    "ringing": ("振铃中", "Ringing"),
    "talking": ("通话中", "Talking"),
    "agents_state": ("坐席状态", "Agents"),
    "today": ("今日指标", "Today"),
    "alerts": ("提醒", "Alerts"),
    "ring_no": ("第{n}声", "ring {n}"),
    "reviewed": ("已审阅", "Reviewed"),
    "mark_reviewed": ("标记已审阅", "Mark reviewed"),
    "day": ("日期", "Day"),
    "prev_page": ("上一页", "Previous"),
    "next_page": ("下一页", "Next"),
    "forbidden": ("无权查看", "Not allowed"),
    "fu_tickets": ("工单(按类别与状态)", "Tickets by category and status"),
    "fu_callbacks": ("回电(按承诺时间)", "Callbacks by promised time"),
    "fu_complaints": ("投诉48小时内回复(R7)", "Complaint replies within 48 h (R7)"),
    "fu_satisfaction": ("满意度(R21)", "Satisfaction (R21)"),
    "st_open": ("待处理", "open"), "st_in_progress": ("处理中", "in progress"), "st_done": ("已完成", "done"),
    "st_closed": ("已关闭", "closed"),
    "cat_repair": ("报修", "repair"), "cat_complaint": ("投诉", "complaint"),
    "cat_inquiry": ("咨询", "inquiry"),
    "cat_suggestion": ("建议", "suggestion"), "cat_praise": ("表扬", "praise"),
    "cat_billing": ("缴费", "billing"),
    "cat_release": ("放行", "release"), "cat_other": ("其他", "other"),
    "cb_promised": ("承诺数", "promised"), "cb_on_time": ("按时", "on time"), "cb_late": ("迟了", "late"),
    "cb_overdue": ("已超时未回", "overdue"), "cb_to_come": ("未到期", "to come"),
    "cb_cancelled": ("已取消", "cancelled"),
    "cr_complaints": ("投诉数", "complaints"), "cr_replied_in_time": ("48小时内回复", "replied in 48 h"),
    "cr_replied_late": ("超时回复", "replied late"), "cr_overdue": ("超时未回复", "overdue"),
    "cr_waiting": ("未到期", "waiting"),
    # the report page's headline tiles
    "abandon_rate": ("放弃率", "Abandon rate"),
    "tile_ratio": ("{part} / {whole} 通", "{part} of {whole} calls"),
    "tile_of_late": ("超三声接听共 {n} 通", "of {n} late answers"),
}


def lang_of(request: Request) -> str:
    """``?lang=`` wins and is remembered in the session; Chinese by default."""
    asked = request.query_params.get("lang")
    has_session = "session" in request.scope  # not for errors answered before the session is read
    if asked in LANGS:
        if has_session:
            request.session["lang"] = asked
        return asked
    remembered = request.session.get("lang") if has_session else None
    return remembered if remembered in LANGS else "zh"


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        zh, en = TEXTS.get(key, (key, key))
        text = en if lang == "en" else zh
        return text.format(**values) if values else text

    return t
