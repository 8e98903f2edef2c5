"""R5 learned from the centre's own agents: every category an agent confirms or corrects at the
desk, and every labeled call `tickets learn` adds, is a labeled example in the database. A refit
stacks a layer fitted on the centre's examples on the shipped model, and learns the centre's own
forms of address from their labeled addresses (R4, extract/address_learned.py); it scores both on
the shipped test split, and becomes the active version only if neither the category's macro-F1
nor the address's exact share is below the active one's (else it is kept as refused).
`tickets from-transcript`, `tickets evaluate` and the desk use the active version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.db.models.speech import Transcript as StoredTranscript
from callcenter.db.models.tickets import CategoryExample, CategoryModelVersion, Ticket
from callcenter.tickets.builder import extract
from callcenter.tickets.classifier import CategoryModel, Settings, choose_threshold, shipped
from callcenter.tickets.extract.address_learned import AddressForms
from callcenter.tickets.extract.category import CATEGORIES
from callcenter.tickets.extract.urgent import emergency_kinds
from callcenter.tickets.scoring import address_exact, macro_f1
from callcenter.tickets.transcript import Transcript, parse_record


@dataclass(frozen=True)
class Learned:
    added: int
    already_known: int
    in_test_split: list[str]  # call ids left out: they repeat the shipped test split, which judges


def _record(t: Transcript, category: str) -> dict[str, object]:
    return {"id": t.id, "turns": [{"speaker": turn.speaker, "text": turn.text} for turn in t.turns],
            "labels": {**t.labels, "category": category}}


def _caller_sentences(t: Transcript) -> set[str]:
    joined = (re.sub(r"\s+", "", turn.text) for turn in t.side("caller"))
    return {text for text in joined if len(text) >= 8}


def add_labeled(session: Session, calls: Sequence[Transcript], now: dt.datetime) -> Learned:
    """`tickets learn`: each call with labels.category becomes an example, once."""
    judged = set().union(*(_caller_sentences(t) for t in shipped("test")))
    added, known, left_out = 0, 0, []
    for call in calls:
        if _caller_sentences(call) & judged:
            left_out.append(call.id)
            continue
        record = _record(call, str(call.labels["category"]))
        digest = hashlib.sha256(json.dumps(record["turns"], ensure_ascii=False, sort_keys=True)
                                .encode("utf-8")).hexdigest()[:40]
        key = f"file:{digest}"
        if session.scalar(select(CategoryExample.id).where(CategoryExample.key == key)) is not None:
            known += 1
            continue
        session.add(CategoryExample(key=key, source="file", category=record["labels"]["category"],  # type: ignore[index]
                                    record=record, created_at=now, updated_at=now))
        added += 1
    session.flush()
    return Learned(added, known, left_out)


def remember_desk_decision(session: Session, ticket: Ticket, agent_id: str | None, now: dt.datetime,
                           address_confirmed: bool = False) -> bool:
    """The agent confirmed or corrected the ticket's category: its call's transcript, so labeled,
    is an example (the latest decision on a ticket wins). When the agent also confirmed or wrote
    the address, it is a label too, and teaches the centre's forms of address (R4; a label the
    caller never said teaches nothing, address_learned.py). False when the call has no transcript."""
    ticket.category_choices = None  # the agent decided: nothing left to ask
    if ticket.call_id is None or ticket.category not in CATEGORIES:
        return False
    stored = session.scalars(select(StoredTranscript).where(StoredTranscript.call_id == ticket.call_id)
                             .order_by(StoredTranscript.id.desc())).first()
    if stored is None or not stored.turns:
        return False
    turns = [{"speaker": t["speaker"], "text": t["text"]} for t in stored.turns]
    key = f"desk:{ticket.id}"
    example = session.scalar(select(CategoryExample).where(CategoryExample.key == key))
    labels: dict[str, object] = {"category": ticket.category}
    if address_confirmed and ticket.address:
        labels["address"] = ticket.address
    elif example is not None and example.record.get("labels", {}).get("address"):
        labels["address"] = example.record["labels"]["address"]  # confirmed earlier, still so
    record = {"id": f"ticket-{ticket.id}", "turns": turns, "labels": labels}
    if example is None:
        session.add(CategoryExample(key=key, source="desk", category=ticket.category, record=record,
                                    ticket_id=ticket.id, agent_id=agent_id, created_at=now, updated_at=now))
    else:
        example.category, example.record, example.agent_id, example.updated_at = (
            ticket.category, record, agent_id, now)
    session.flush()
    return True


def centre_examples(session: Session) -> list[Transcript]:
    rows = session.scalars(select(CategoryExample).order_by(CategoryExample.id)).all()
    return [parse_record(json.dumps(row.record, ensure_ascii=False), f"example {row.key}") for row in rows]


def score_on_test(model: CategoryModel, test: Sequence[Transcript]) -> float:
    predictions = model.predict_many(test, [bool(emergency_kinds(t)) for t in test])
    f1, _ = macro_f1([(p.category, t.labels["category"]) for p, t in zip(predictions, test, strict=True)])
    return f1


def address_on_test(forms: AddressForms, test: Sequence[Transcript]) -> float:
    """The test split's address exact with the centre's forms beside the rules."""
    return address_exact((extract(t, learned_urgency=False, forms=forms).address, t.labels.get("address"))
                         for t in test)


def fit_with(centre: Sequence[Transcript], settings: Settings | None = None) -> CategoryModel:
    """The shipped model (train + dev) with a layer fitted on the centre's examples stacked on it
    (centre_layer.py); the centre's are also remembered (a call like one of them takes its
    category), and their addresses' forms learned. The threshold is chosen again on dev, for the
    train-only model with the same layer."""
    settings = settings or Settings()
    train, dev = shipped("train"), shipped("dev")
    threshold = choose_threshold(CategoryModel.fit(train, settings).with_centre(centre), dev)
    return (CategoryModel.fit([*train, *dev], settings, threshold).with_centre(centre)
            .with_address_forms(AddressForms.learn(centre)))


def active_version(session: Session) -> CategoryModelVersion | None:
    return session.scalars(select(CategoryModelVersion).where(CategoryModelVersion.active.is_(True))
                           .order_by(CategoryModelVersion.id.desc())).first()


def active_model(session: Session) -> CategoryModel | None:
    version = active_version(session)
    return CategoryModel.loads(version.blob) if version is not None and version.blob else None


def _active_forms(session: Session) -> AddressForms:
    """The active version's forms of address; none (the rules alone) without a readable one."""
    try:
        model = active_model(session)
    except ValueError:
        return AddressForms()
    return model.address_forms if model is not None else AddressForms()


def refit(session: Session, now: dt.datetime) -> CategoryModelVersion:
    """A new version from the shipped and the centre's examples; refused (kept, inactive, without
    a model) when it scores worse on the shipped test split than the active version, or than the
    shipped model when there is none yet: in the category's macro-F1, or in the address's exact
    share (the active version's forms beside the rules, or the rules alone)."""
    centre = centre_examples(session)
    test = shipped("test")
    model = fit_with(centre)
    score = score_on_test(model, test)
    current = active_version(session)
    baseline = current.test_macro_f1 if current is not None else score_on_test(fit_with([]), test)
    address, address_baseline = (address_on_test(forms, test) for forms in
                                 (model.address_forms, _active_forms(session)))
    version = CategoryModelVersion(created_at=now, examples=model.examples, centre_examples=len(centre),
                                   test_macro_f1=score)
    worse = [f"{name} {new:.4f} below the active model's {old:.4f}" for name, new, old in
             (("macro-F1", score, baseline), ("address exact", address, address_baseline)) if new < old]
    if worse:
        version.refused = f"test split {' and '.join(worse)}; the active model stays"
    else:
        version.active, version.blob = True, model.dumps()
        if current is not None:
            current.active = False
    session.add(version)
    session.flush()
    return version


def refit_if_new(session: Session, now: dt.datetime) -> CategoryModelVersion | None:
    """The scheduled refit: only when an example was added or changed since the last version."""
    last = session.scalar(select(func.max(CategoryModelVersion.created_at)))
    newest = session.scalar(select(func.max(CategoryExample.updated_at)))
    if newest is None or (last is not None and newest <= last):
        return None
    return refit(session, now)
