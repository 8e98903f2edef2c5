"""One call's plan (what goes into it) and the dialogue that renders it, keeping the labels."""

from __future__ import annotations

import random
from dataclasses import dataclass

from phrases import (
    AGENT_REPLIES,
    APOLOGIES,
    BAD_GREETINGS,
    BILLINGS,
    CENTRES,
    CLOSINGS,
    COMPLAINTS,
    EMERGENCIES,
    EMERGENCY_ADVICE,
    FORBIDDEN_LINES,
    GAS_ADVICE,
    GOOD_GREETINGS,
    HELDOUT_FORBIDDEN,
    INQUIRIES,
    LOOKALIKES,
    NO_CLOSINGS,
    OPENERS,
    OTHERS,
    PRAISES,
    RELEASES,
    REPAIR_TIMES,
    REPAIRS,
    SUGGESTIONS,
    Matter,
    name_label,
    name_words,
    pick_name,
)
from spoken import Address, Call, make_address, make_phone, say_phone, spelled

BANKS = [REPAIRS, EMERGENCIES, COMPLAINTS, INQUIRIES, SUGGESTIONS, PRAISES, BILLINGS, RELEASES, OTHERS]
WEIGHTS = [5, 3, 3, 3, 2, 2, 2, 2, 1]


@dataclass
class Plan:
    """What goes into one call; the labels follow from it."""

    matter: Matter
    centre: str
    agent: str
    greeting: str
    greeting_ok: bool
    apology: bool
    forbidden: list[tuple[str, str]]
    lookalike: str | None
    closing: bool
    name: tuple[str, str, str, str]
    address: Address | None
    address_form: str  # opener | answer | split
    phone_mode: str  # none | plain | readback | corrected | misread | caller_id
    phone: str
    wrong_phone: str
    time: tuple[str, str] | None
    caller_first: bool


def make_plan(rng: random.Random, heldout: bool) -> Plan:
    bank = rng.choices(BANKS, WEIGHTS)[0]
    matter = rng.choice(bank if heldout else bank[:-1])
    category, _, urgent, _ = matter
    centre, agent = rng.choice(CENTRES), " ".join(spelled(f"{rng.randint(1, 399):03d}", rng))
    forbidden: list[tuple[str, str]] = []
    if rng.random() < 0.13:
        greeting, greeting_forbidden = rng.choice(BAD_GREETINGS)
        forbidden += [(f, "") for f in greeting_forbidden]
        greeting_ok = False
    else:
        greeting, greeting_ok = rng.choice(GOOD_GREETINGS).format(centre=centre, agent=agent), True
    lines = FORBIDDEN_LINES + (HELDOUT_FORBIDDEN if heldout else [])
    if rng.random() < 0.3:
        forbidden.append(rng.choice(lines))
        if rng.random() < 0.2:
            forbidden.append(rng.choice(lines))
    wants_address = {"repair": 0.9, "complaint": 0.6, "other": 0.0, "inquiry": 0.3}.get(category, 0.5)
    address = make_address(rng, heldout) if rng.random() < wants_address else None
    form = rng.choice(["opener", "answer", "split"] if category == "repair" else ["opener", "answer"])
    wants_phone = 0.85 if category == "repair" else (0.0 if category == "other" else 0.4)
    phone_mode = rng.choices(["plain", "readback", "corrected", "misread", "caller_id"],
                             [25, 40, 12, 10, 13])[0] \
        if rng.random() < wants_phone else "none"
    time = None
    if category == "repair" and not urgent and rng.random() < 0.75:
        time = rng.choice(REPAIR_TIMES)
    return Plan(matter, centre, agent, greeting, greeting_ok, rng.random() < 0.2, forbidden,
                rng.choice(LOOKALIKES) if rng.random() < 0.18 else None, rng.random() < 0.8,
                pick_name(rng) if category != "other" else ("none", "", "", ""), address, form, phone_mode,
                make_phone(rng), make_phone(rng), time, rng.random() < 0.12)


class Dialogue:
    """Renders a plan into turns, keeping track of the labels as it goes."""

    def __init__(self, cid: str, plan: Plan, rng: random.Random) -> None:
        self.call, self.plan, self.rng = Call(cid), plan, rng
        self.name_said = self.address_said = self.phone_said = False
        self.time_label: str | None = None
        mode, surname, given, _ = plan.name
        if mode != "none":
            self.call.protected.update({surname, given, surname + given})

    def caller(self, *parts: str) -> None:
        self.call.say("caller", *parts)

    def agent(self, *parts: str) -> None:
        self.call.say("agent", *parts)

    def render(self) -> Call:
        plan, rng = self.plan, self.rng
        if plan.caller_first:
            self.caller("喂 喂")
        self.agent(rng.choice(APOLOGIES) if plan.apology and plan.greeting_ok else "", plan.greeting)
        category, _, urgent, _ = plan.matter
        if category == "other":
            self.wrong_number()
        elif urgent:
            self.emergency()
        else:
            self.ordinary()
        self.insert_agent_lines()
        self.close()
        return self.finish()

    def opening(self) -> None:
        plan, rng = self.plan, self.rng
        mode, surname, given, title = plan.name
        address, parts = plan.address, [rng.choice(OPENERS)]
        name = name_words(mode, surname, given, title, rng) if mode != "none" and rng.random() < 0.45 else ""
        if address and plan.address_form == "opener":
            where = f"{address.building} {address.rest}"
            if name and mode == "titled":
                parts.append(f"我 是 {where} 的 {surname} {title}")
            else:
                parts += [name, rng.choice([f"我 是 {where} 的", f"住 {where}", f"{where} 的"])]
            self.address_said = True
        else:
            parts.append(name)
        self.name_said = bool(name)
        problem = plan.matter[3]
        if address and plan.address_form == "split":
            problem = f"我 住 {address.building} {rng.choice(['这边', '', '那边'])} {problem}"
        self.caller(*parts, problem)

    def ask_identity(self, reply: str) -> None:
        plan, rng = self.plan, self.rng
        mode, surname, given, title = plan.name
        questions = [reply]
        if not self.name_said and mode != "none":
            questions.append(rng.choice(["请问 您 贵姓", "请问 怎么 称呼 您"]))
        wants_address = plan.address is not None and not self.address_said
        if wants_address:
            questions.append(rng.choice(["您 住 哪 一 栋 哪 一 户", "请问 您 家 地址", "您 是 哪 一 户"]))
        self.agent(*questions)
        answer = []
        if not self.name_said and mode != "none":
            answer.append(name_words(mode, surname, given, title, rng))
            self.name_said = True
        if wants_address and plan.address:
            a = plan.address
            answer.append(f"我 是 {a.room_only} 的" if plan.address_form == "split"
                          else rng.choice([f"{a.building} {a.rest}", f"在 {a.building} {a.rest}"]))
            self.address_said = True
        if answer:
            self.caller(*answer)
        if mode in ("surname", "titled") or (mode == "full" and rng.random() < 0.4):
            self.agent(f"{surname} {title} 您好 好 的")

    def phone_exchange(self) -> None:
        plan, rng = self.plan, self.rng
        if plan.phone_mode == "none":
            return
        self.agent(rng.choice(["您 的 联系 电话 是 多少", "请 留 一个 联系 电话", "请问 联系 电话"]))
        right, wrong = say_phone(plan.phone, rng), say_phone(plan.wrong_phone, rng)
        self.phone_said = plan.phone_mode != "caller_id"
        if plan.phone_mode == "caller_id":
            self.caller(rng.choice(["就 打 我 现在 这个 号码 就 行", "就 这个 来电 号码"]))
            self.agent("好 的")
        elif plan.phone_mode == "plain":
            self.caller(rng.choice(["", "电话 是", "我 的 手机 号 是"]), right)
            self.agent("好 的 记 下 了")
        elif plan.phone_mode == "readback":
            self.caller(right)
            self.agent(right, rng.choice(["对 吗", "好 的", ""]))
        elif plan.phone_mode == "corrected":
            self.caller(wrong, rng.choice(["哦 不对 这 是 我 老婆 的 我 的 是", "说 错 了 是",
                                           "不 对 不 对 应该 是"]),
                        right)
            self.agent(right, "好 的")
        else:  # misread: the agent reads it back wrong and the caller corrects it
            self.caller(right)
            self.agent(wrong, "对 吗")
            self.caller("不 对 是", right)
            self.agent(right, "好 的 记 下 了")

    def time_exchange(self) -> None:
        plan, rng = self.plan, self.rng
        if plan.time is None:
            self.agent("师傅 会 先 跟 您 电话 联系 再 上门")
            return
        spoken, label = plan.time
        if rng.random() < 0.3:
            self.caller("昨天 晚上 八 点 就 开始 这样 了")
        self.agent(rng.choice(["您 看 什么 时候 方便 师傅 上门", "请问 您 什么 时间 在 家", "您 哪 天 方便"]))
        self.caller(rng.choice(["{t} 吧", "{t} 可以 吗", "我 白天 要 上班 {t} 可以 吗",
                                "{t} 我 在 家"]).format(t=spoken))
        self.agent("好 的", spoken, "师傅 上门")
        self.time_label = label

    def ordinary(self) -> None:
        category = self.plan.matter[0]
        self.opening()
        self.ask_identity(self.rng.choice(AGENT_REPLIES[category]))
        if category == "repair":
            self.time_exchange()
        self.phone_exchange()

    def emergency(self) -> None:
        plan, rng = self.plan, self.rng
        self.opening()
        gas = any(w in plan.matter[3] for w in ("燃气", "煤气", "天然气"))
        self.ask_identity(GAS_ADVICE if gas else rng.choice(EMERGENCY_ADVICE))
        self.phone_exchange()
        self.agent(rng.choice(["人 已经 出发 了 马上 就 到", "我们 的 人 三 分钟 就 到"]))

    def wrong_number(self) -> None:
        self.opening()
        self.agent(self.rng.choice([f"不 是 这里 是 {self.plan.centre} 物业 您 打 错 了",
                                    "这 是 物业 不 是 您 要 找 的 地方"]))
        self.caller("哦 不好意思 打 错 了")

    def insert_agent_lines(self) -> None:
        """Forbidden phrases (R16) and look-alikes go into agent turns after the greeting."""
        extra = [line for phrase, line in self.plan.forbidden if line] + (
            [self.plan.lookalike] if self.plan.lookalike else [])
        for line in extra:
            agent_turns = [i for i, (who, _) in enumerate(self.call.turns) if who == "agent"][1:]
            if agent_turns:
                i = self.rng.choice(agent_turns)
                who, text = self.call.turns[i]
                self.call.turns[i] = (who, f"{text} {line}" if self.rng.random() < 0.5 else f"{line} {text}")
            else:
                self.agent(line)

    def close(self) -> None:
        rng = self.rng
        self.caller(rng.choice(["好 的 谢谢", "好 的 谢谢 你", "行 谢谢", "好", "那 你们 快 点"]))
        if self.plan.closing:
            self.agent(rng.choice(CLOSINGS))
        elif rng.random() < 0.6:
            self.agent(rng.choice(NO_CLOSINGS))

    def finish(self) -> Call:
        plan = self.plan
        category, secondary, urgent, _ = plan.matter
        address = None
        if plan.address and self.address_said:
            a = plan.address
            address = a.building_label + a.room_label if plan.address_form == "split" else a.label
        agent_text = " ".join(text for who, text in self.call.turns if who == "agent")
        forbidden = [p for p, line in plan.forbidden]
        order = sorted(set(forbidden), key=lambda p: _first_at(agent_text, p, plan.forbidden))
        last_agent = next(text for who, text in reversed(self.call.turns) if who == "agent")
        self.call.labels = {
            "category": category, "secondary_categories": secondary, "urgent": urgent,
            "caller_name": name_label(*plan.name) if self.name_said else None, "address": address,
            "phone": plan.phone if self.phone_said else None, "preferred_time": self.time_label,
            "greeting_ok": plan.greeting_ok, "apology_given": plan.apology and plan.greeting_ok,
            "forbidden_phrases": order, "closing_ok": "再见" in last_agent,
        }
        return self.call


def _first_at(text: str, phrase: str, lines: list[tuple[str, str]]) -> int:
    spoken = [line or phrase for p, line in lines if p == phrase]
    positions = [text.find(s) for s in spoken if s and text.find(s) >= 0]
    return min(positions) if positions else 0
