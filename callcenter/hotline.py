"""The hotline description: centre, hours, menu, departments, agents, prompts and SLAs.

Loaded from a TOML file (see ``hotline.example.toml``) and validated once; every problem is
reported with the path of the setting (``departments[1].member_timeout_seconds``) and what is
wrong with it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from string import Formatter
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from callcenter import phones, rules
from callcenter.errors import ConfigError

Weekday = Annotated[int, Field(ge=1, le=7)]


def _local_time(value: object) -> dt.time:
    """A time of day on the centre's clock: TOML's 08:00:00 or "08:00"; no offsets, no numbers
    (pydantic would read 0 as midnight UTC, which cannot be compared with local times)."""
    if isinstance(value, str):
        try:
            value = dt.time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day such as 08:00:00") from None
    if not isinstance(value, dt.time) or value.tzinfo is not None:
        raise ValueError(f"{value!r} is not a local time of day such as 08:00:00 (no offset)")
    return value


LocalTime = Annotated[dt.time, BeforeValidator(_local_time)]
Category = Literal["repair", "complaint", "inquiry", "suggestion", "praise", "billing", "release", "other"]


PLACEHOLDERS = frozenset({"centre"})
AGENT_PLACEHOLDERS = frozenset({"centre", "agent_id"})


def check_template(setting: str, text: str, allowed: frozenset[str]) -> None:
    """ValueError naming the placeholder unless every ``{…}`` in ``text`` is an allowed plain name."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"{setting}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in allowed or spec or conversion:
            raise ValueError(f"{setting}: placeholder {{{field}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}} is not allowed; use only "
                             + ", ".join(f"{{{n}}}" for n in sorted(allowed)))


class _Strict(BaseModel):
    # NaN and infinity are refused: a ring cycle of "nan" would make every ring sum meaningless.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Centre(_Strict):
    name: str = Field(min_length=1, description="物业服务中心名称, said in every greeting (R3)")
    languages: list[str] = ["zh"]
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}: give an IANA name "
                             "such as 'Asia/Shanghai'") from None
        return name


class Hours(_Strict):
    """Opening hours (R18: outside them calls go to the on-duty line or a message)."""

    open: LocalTime = dt.time(8, 0)
    close: LocalTime = dt.time(20, 0)
    days: list[Weekday] = Field([1, 2, 3, 4, 5, 6, 7], min_length=1,
                                description="ISO weekdays the centre is open; at least one (R18)")
    on_duty_number: str | None = None

    @field_validator("on_duty_number")
    @classmethod
    def _dialable(cls, number: str | None) -> str | None:
        return None if number is None else phones.normalise(number, international=True)

    @model_validator(mode="after")
    def _open_before_close(self) -> Hours:
        if self.open >= self.close:
            raise ValueError(f"open ({self.open}) must be before close ({self.close})")
        return self


class RuleSettings(_Strict):
    ring_cycle_seconds: float = Field(rules.RING_CYCLE_SECONDS, gt=0)
    rule_rings: int = Field(rules.RULE_RINGS, ge=1)
    long_hold_seconds: float = Field(rules.LONG_HOLD_SECONDS, gt=0)
    short_abandon_seconds: float = Field(rules.SHORT_ABANDON_SECONDS, ge=0)

    @property
    def window_seconds(self) -> float:
        return rules.rule_window_seconds(self.ring_cycle_seconds, self.rule_rings)


class MenuOption(_Strict):
    key: str = Field(pattern=r"^[0-9*#]$")
    label: str = Field(min_length=1)
    department: str


class Menu(_Strict):
    timeout_seconds: int = Field(5, ge=1, le=30)
    max_attempts: int = Field(3, ge=1, le=5)
    default_department: str | None = None
    options: list[MenuOption] = Field(min_length=1)

    @field_validator("options")
    @classmethod
    def _unique_keys(cls, options: list[MenuOption]) -> list[MenuOption]:
        seen: set[str] = set()
        for option in options:
            if option.key in seen:
                raise ValueError(f"menu key {option.key!r} is used twice")
            seen.add(option.key)
        return options


class Agent(_Strict):
    id: str = Field(pattern=r"^[0-9]{1,6}$", description="工号, announced to the caller (R3)")
    name: str = Field(min_length=1)
    extension: str = Field(pattern=r"^[0-9]{2,8}$")
    role: Literal["agent", "supervisor"] = "agent"


class Department(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    queue: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    agents: list[str] = Field(min_length=1, description="agent IDs (工号) that are members of the queue")
    member_timeout_seconds: int = Field(12, ge=1,
                                        description="ring time per member before rolling over (R13)")
    categories: list[Category] = []


class Prompts(_Strict):
    """Texts of the prompts; {centre}, {agent_id} are filled in (R3, R2), and nothing else: a
    text is configuration, not code, so no attribute access, index or format conversion."""

    greeting: str = "您好，{centre}，很高兴为您服务"
    menu: str = "报修请按1，缴费请按2，投诉与建议请按3，咨询请按4，人工服务请按0"
    invalid_key: str = "对不起，您的输入有误，请重新选择"
    please_hold: str = "请稍等，正在为您接通"
    transferring: str = "请稍等，我为您转接"
    after_hours: str = "您好，{centre}现在是非工作时间，请在提示音后留言，我们上班后会第一时间给您回电"
    agent_answer: str = "工号{agent_id}为您服务"
    agent_answer_apology: str = "对不起，让您久等了，工号{agent_id}为您服务"
    callback: str = "您好，这里是{centre}，就您反映的问题给您回电"
    transfer_failed: str = "对不起，您要找的同事暂时无法接听，请在提示音后留言，我们会尽快给您回电"
    survey: str = "请对本次服务进行评价，非常满意请按5，满意请按4，一般请按3，不满意请按2，非常不满意请按1"
    survey_thanks: str = "谢谢您的评价，再见"
    blocked: str = "对不起，该号码暂时无法接入"

    @model_validator(mode="after")
    def _known_placeholders(self) -> Prompts:
        for name, text in self.model_dump().items():
            allowed = AGENT_PLACEHOLDERS if name in ("agent_answer", "agent_answer_apology") else PLACEHOLDERS
            check_template(name, text, allowed)
        return self


class Sla(_Strict):
    """Due times per ticket category, in minutes (R6, R7, R8); at least one minute each."""

    inquiry_minutes: int = Field(rules.INQUIRY_REPLY_MINUTES, ge=1)
    complaint_minutes: int = Field(rules.COMPLAINT_REPLY_HOURS * 60, ge=1)
    repair_minutes: int = Field(24 * 60, ge=1)
    urgent_repair_minutes: int = Field(30, ge=1)
    default_minutes: int = Field(48 * 60, ge=1)


class CallbackPolicy(_Strict):
    max_attempts: int = Field(3, ge=1)
    retry_interval_minutes: int = Field(10, ge=0)
    calling_hours_start: LocalTime = dt.time(8, 0)
    calling_hours_end: LocalTime = dt.time(21, 0)
    escalate_after_minutes: int = Field(30, ge=0)
    abandoned_minutes: int = Field(rules.ABANDONED_CALLBACK_MINUTES, ge=0)
    dropped_minutes: int = Field(rules.DROPPED_CALLBACK_MINUTES, ge=0)
    repair_reminder_minutes: int = Field(60, ge=0)
    # R7: after the first complaint reply, keep calling back until the ticket is closed.
    complaint_followup_minutes: int = Field(24 * 60, ge=1)
    # R8/R21: the follow-up call (回访) after a repair is marked done.
    repair_followup_minutes: int = Field(60, ge=0)
    # R12: a message left after a failed transfer is called back this soon (when open, R18).
    message_minutes: int = Field(0, ge=0)
    # How the scheduler wakes: one APScheduler job per callback, or one job re-armed to the
    # next due callback of the (indexed) callbacks table.
    scheduling: Literal["per_callback", "next_due"] = "next_due"
    # A sweep of the table this often catches changes made from the CLI or another process.
    sweep_seconds: int = Field(30, ge=1)
    originate_timeout_seconds: int = Field(30, ge=5)

    @model_validator(mode="after")
    def _calling_hours_in_order(self) -> CallbackPolicy:
        if self.calling_hours_start >= self.calling_hours_end:
            raise ValueError(f"calling_hours_start ({self.calling_hours_start}) must be before "
                             f"calling_hours_end ({self.calling_hours_end})")
        return self


class Phones(_Strict):
    """Which numbers the centre dials (callbacks, click to call); see ``callcenter.phones``."""

    # A property hotline calls back residents: numbers abroad (the usual toll-fraud target) are
    # refused unless the centre really serves callers from abroad.
    international: bool = False


class LiveSettings(_Strict):
    """Live transcription and alerts (issue 17)."""

    # R19: words the centre adds to the emergency rules, spotted live in the caller's words (a
    # local name for a danger, or what the recogniser writes for it).
    alert_words: list[str] = []

    @field_validator("alert_words")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        cleaned = ["".join(w.split()) for w in words]
        if any(not w for w in cleaned):
            raise ValueError("an alert word is empty")
        return cleaned


class SpeechSettings(_Strict):
    """Transcription jobs (README "Speech")."""

    # How long a claimed job is held without word from its worker (renewed every third of it while
    # decoding): how long the job of a worker that died on another machine waits for another one.
    job_lease_seconds: int = Field(300, ge=30, le=24 * 3600)


class WebSettings(_Strict):
    """The web UI's sessions and login throttling (see README "Security")."""

    session_idle_minutes: int = Field(60, ge=1, le=24 * 60, description="a session unused this long ends")
    session_max_hours: int = Field(12, ge=1, le=7 * 24,
                                   description="every session ends this long after login")
    # Set when a TLS proxy serves the UI over https: the cookie is then never sent in clear.
    secure_cookies: bool = False
    login_failures_before_delay: int = Field(3, ge=1, le=100)
    login_lock_after_failures: int = Field(10, ge=2, le=1000)
    login_lock_minutes: int = Field(15, ge=1, le=24 * 60)
    live_connections_per_user: int = Field(8, ge=1, le=1000)
    live_connections_total: int = Field(200, ge=1, le=100_000)

    @model_validator(mode="after")
    def _delay_before_lock(self) -> WebSettings:
        if self.login_lock_after_failures <= self.login_failures_before_delay:
            raise ValueError("login_lock_after_failures must be above login_failures_before_delay")
        if self.session_idle_minutes > self.session_max_hours * 60:
            raise ValueError("session_idle_minutes must not exceed session_max_hours")
        return self


class Hotline(_Strict):
    centre: Centre
    hours: Hours = Hours()
    rules: RuleSettings = RuleSettings()
    menu: Menu
    departments: list[Department] = Field(min_length=1)
    agents: list[Agent] = Field(min_length=1)
    prompts: Prompts = Prompts()
    sla: Sla = Sla()
    callbacks: CallbackPolicy = CallbackPolicy()
    blocked_numbers: list[str] = []
    phones: Phones = Phones()
    web: WebSettings = WebSettings()
    live: LiveSettings = LiveSettings()
    speech: SpeechSettings = SpeechSettings()

    @field_validator("blocked_numbers")
    @classmethod
    def _blocked_normalised(cls, numbers: list[str]) -> list[str]:
        # Compared with caller IDs, never dialled: numbers abroad may be blocked whatever the policy.
        return [phones.normalise(n, international=True) for n in numbers]

    @model_validator(mode="after")
    def _consistent(self) -> Hotline:
        agent_ids = [a.id for a in self.agents]
        _no_duplicates("agents", "id", agent_ids)
        _no_duplicates("agents", "extension", [a.extension for a in self.agents])
        _no_duplicates("departments", "id", [d.id for d in self.departments])
        departments = {d.id for d in self.departments}
        for option in self.menu.options:
            if option.department not in departments:
                raise ValueError(f"menu key {option.key!r} sends callers to unknown department "
                                 f"{option.department!r}")
        if self.menu.default_department and self.menu.default_department not in departments:
            raise ValueError(f"menu.default_department {self.menu.default_department!r} is not a department")
        members: set[str] = set()
        window = self.rules.window_seconds
        for dept in self.departments:
            for agent_id in dept.agents:
                if agent_id not in agent_ids:
                    raise ValueError(f"department {dept.id!r} lists unknown agent {agent_id!r}")
                members.add(agent_id)
            # R13: a member's phone must stop ringing before the caller has heard three rings,
            # so that the queue still has time to roll the call to a neighbour.
            if dept.member_timeout_seconds >= window:
                raise ValueError(
                    f"department {dept.id!r}: member_timeout_seconds {dept.member_timeout_seconds} must be "
                    f"below one {self.rules.rule_rings}-ring window ({window:g} s) so calls "
                    "roll over in time (R13)"
                )
        for agent in self.agents:
            if agent.role == "agent" and agent.id not in members:
                raise ValueError(f"agent {agent.id!r} ({agent.name}) is in no department's queue")
        duty = self.hours.on_duty_number
        if duty and not self.phones.international and duty.startswith(phones.INTERNATIONAL_PREFIX):
            raise ValueError(f"hours.on_duty_number {duty} is abroad but phones.international is false")
        return self

    # Look-ups used all over the service.
    def agent(self, agent_id: str) -> Agent | None:
        return next((a for a in self.agents if a.id == agent_id), None)

    def agent_by_extension(self, extension: str) -> Agent | None:
        return next((a for a in self.agents if a.extension == extension), None)

    def department(self, dept_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == dept_id), None)

    def department_of_queue(self, queue: str) -> Department | None:
        return next((d for d in self.departments if d.queue == queue), None)

    def is_open(self, when: dt.datetime) -> bool:
        """R18: whether the centre is staffed at local time ``when``."""
        return when.isoweekday() in self.hours.days and self.hours.open <= when.time() < self.hours.close

    def render(self, template: str, **values: str) -> str:
        """A prompt text with its placeholders filled in; only plain names are substituted
        (texts were checked at load), so a text can never reach into Python objects."""
        names = {"centre": self.centre.name, **values}
        return "".join(literal + (names[field] if field is not None else "")
                       for literal, field, _spec, _conv in Formatter().parse(template))


def _no_duplicates(section: str, field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{section}: {field} {value!r} is used twice")
        seen.add(value)


def load_hotline(path: Path) -> Hotline:
    """Read and validate a hotline file; raise ConfigError naming the file or the bad setting."""
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("hotline", f"{path} is not valid TOML: {exc}") from None
    return parse_hotline(data, source=str(path))


def read_text(path: Path) -> str:
    """The hotline file as UTF-8 text (a UTF-8 BOM is fine), or ConfigError saying what to do."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("hotline", f"file {path} does not exist (CALLCENTER_HOTLINE)") from None
    except IsADirectoryError:
        raise ConfigError("hotline",
                          f"{path} is a directory: CALLCENTER_HOTLINE must name the TOML file") from None
    except OSError as exc:
        raise ConfigError("hotline", f"cannot read {path}: {exc.strerror or exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError("hotline", f"{path} is UTF-16: save it as UTF-8 (TOML files are UTF-8)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError("hotline",
                          f"{path} is not UTF-8 (line {line}; GBK or Latin-1?): save it as UTF-8") from None


def parse_hotline(data: dict[str, object], source: str = "hotline") -> Hotline:
    try:
        return Hotline.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        setting = f"{source}: {where}" if where else source
        raise ConfigError(setting, message) from None


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
