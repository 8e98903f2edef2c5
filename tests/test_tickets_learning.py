"""R5 learned from the centre: a category the agent confirms or corrects at the desk is a labeled
example (one per ticket, the latest decision wins); `tickets learn` adds labeled calls once each;
a refit becomes the model `tickets from-transcript` uses, unless it scores worse on the shipped
test split, when it is refused and the active model stays. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from callcenter.agents.ticket_work import ticket_change
from callcenter.db.models.tickets import CategoryExample, CategoryModelVersion
from callcenter.db.session import make_engine, make_session_factory, unit_of_work
from callcenter.hotline import load_hotline
from callcenter.tickets import learning, service
from callcenter.tickets.classifier import shipped
from callcenter.tickets.cli import app
from callcenter.tickets.models import current_model
from callcenter.tickets.transcript import parse_record
from tests.support.transcribed import transcribed_ticket

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
DATA = Path(__file__).parent / "data" / "transcripts"


def _sessions(url: str) -> Session:
    return make_session_factory(make_engine(url))()


def test_the_agents_category_decision_is_one_labeled_example(database_url: str, hotline_path: Path) -> None:
    hotline = load_hotline(hotline_path)
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        ticket_id = transcribed_ticket(session, hotline, NOW, "l1", "13800138000", [
            {"speaker": "agent", "text": "您好 物业 服务 中心"},
            {"speaker": "caller", "text": "我 想 问 一下 这 个 月 物业费 多少 钱"}], "inquiry")
    with unit_of_work(factory) as session:
        ticket_change(session, hotline, "update", ticket_id, {"category": "billing"}, "101", NOW)
    with unit_of_work(factory) as session:
        ticket_change(session, hotline, "confirm", ticket_id,
                      {"caller_name": "王先生", "address": "3栋101", "phone": "13800138000",
                       "summary": "问物业费"}, "102", NOW)
    with unit_of_work(factory) as session:
        examples = session.scalars(select(CategoryExample)).all()
        assert [(e.source, e.category, e.agent_id, e.ticket_id) for e in examples] == [
            ("desk", "billing", "102", ticket_id)]
        learned = learning.centre_examples(session)
        assert learned[0].labels["category"] == "billing" and "物业费" in learned[0].turns[1].text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_agents_correction_at_the_desk_changes_what_the_next_like_call_gets_r5(
        database_url: str, hotline_path: Path) -> None:
    hotline = load_hotline(hotline_path)
    factory = make_session_factory(make_engine(database_url))
    asked = parse_record(json.dumps({"id": "next", "turns": [
        {"speaker": "agent", "text": "您好 物业 服务 中心"},
        {"speaker": "caller", "text": "你好 那个 充电 桩 的 卡 在 哪 里 办 呀"}]}, ensure_ascii=False),
        "test")
    with unit_of_work(factory) as session:
        before = learning.fit_with([]).predict(asked).category
        assert before != "billing"
        ticket_id = transcribed_ticket(session, hotline, NOW, "l9", "13800138000", [
            {"speaker": "agent", "text": "您好 物业 服务 中心"},
            {"speaker": "caller", "text": "我 想 问 问 你们 那个 充电 桩 的 卡 在 哪 里 办"}], before)
    with unit_of_work(factory) as session:
        ticket_change(session, hotline, "update", ticket_id, {"category": "billing"}, "101", NOW)
    with unit_of_work(factory) as session:
        version = learning.refit(session, NOW)
        assert version.active and version.centre_examples == 1
        assert learning.active_model(session).predict(asked).category == "billing"  # type: ignore[union-attr]


def test_a_ticket_without_a_transcript_teaches_nothing(database_url: str, hotline_path: Path) -> None:
    hotline = load_hotline(hotline_path)
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        ticket = service.create(session, hotline, NOW, category="repair", caller=None, owner="101")
        ticket_change(session, hotline, "update", ticket.id, {"category": "complaint"}, "101", NOW)
        assert session.scalar(select(func.count()).select_from(CategoryExample)) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_learn_adds_each_call_once_and_from_transcript_uses_the_new_version(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", database_url)
    half = (DATA / "handwritten5.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    path = tmp_path / "labeled.jsonl"
    path.write_text("\n".join(half) + "\n", encoding="utf-8")
    first = CliRunner().invoke(app, ["learn", str(path)])
    assert first.exit_code == 0, first.output
    assert "20 example(s) added, 0 already known" in first.stdout
    again = CliRunner().invoke(app, ["learn", str(path), "--no-refit"])
    assert "0 example(s) added, 20 already known" in again.stdout
    with _sessions(database_url) as session:
        versions = session.scalars(select(CategoryModelVersion)).all()
        assert len(versions) == 1
        if versions[0].refused:  # reported as such, and the shipped model stays in use
            assert "refused" in first.stdout
            assert current_model().examples == len(shipped("train")) + len(shipped("dev"))
        else:
            assert f"model version {versions[0].id} active" in first.stdout
            assert current_model().examples == len(shipped("train")) + len(shipped("dev")) + 20
    printed = CliRunner().invoke(app, ["from-transcript", str(path)])
    assert printed.exit_code == 0 and len(printed.stdout.splitlines()) == 20


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refit_that_scores_worse_on_the_test_split_is_refused(database_url: str) -> None:
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        good = learning.refit(session, NOW)
        assert good.active and good.blob and good.refused is None
    poisoned = [replace(t, id=f"p{t.id}", labels=t.labels | {"category": "other"}) for t in shipped("train")]
    with unit_of_work(factory) as session:
        learning.add_labeled(session, poisoned, NOW)
        bad = learning.refit(session, NOW)
        assert not bad.active and bad.blob is None and "below the active model" in (bad.refused or "")
        assert bad.test_macro_f1 < good.test_macro_f1
        assert learning.active_version(session).id == good.id  # type: ignore[union-attr]


def test_learn_leaves_out_calls_of_the_test_split_and_names_bad_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    test_call = shipped("test")[0]
    record = {"id": test_call.id, "turns": [{"speaker": t.speaker, "text": t.text} for t in test_call.turns],
              "labels": test_call.labels}
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["learn", str(path), "--no-refit"])
    assert result.exit_code == 0 and "1 left out: they repeat the shipped test split" in result.stdout
    record["labels"] = {"category": "咨询"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["learn", str(path)])
    assert bad.exit_code != 0 and "labels.category must be one of" in str(bad.exception)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_scheduled_refit_runs_only_when_the_centre_has_new_examples(database_url: str) -> None:
    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        assert learning.refit_if_new(session, NOW) is None  # nothing learned yet
        learning.add_labeled(session, [replace(shipped("train")[0], id="n1")], NOW)
        first = learning.refit_if_new(session, NOW + dt.timedelta(hours=1))
        assert first is not None and first.centre_examples == 1
        assert learning.refit_if_new(session, NOW + dt.timedelta(hours=2)) is None


def test_an_unsure_category_reaches_the_desk_as_two_choices_until_the_agent_decides(
        database_url: str, hotline_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from callcenter.agents.tickets import as_view
    from callcenter.tickets import intake
    from callcenter.tickets.classifier import CategoryModel
    from callcenter.tickets.models import shipped_model
    from callcenter.tickets.transcript import Turn

    model = shipped_model()
    unsure = CategoryModel(model.settings, model._caller_vec, model._agent_vec, model._model, 1.01, 0)
    monkeypatch.setattr(intake, "model_for", lambda session: unsure)
    hotline = load_hotline(hotline_path)
    factory = make_session_factory(make_engine(database_url))
    turns = (Turn("agent", "您好 物业 服务 中心"), Turn("caller", "我 家 厨房 水管 漏水 了 物业费 也 没 交"))
    with unit_of_work(factory) as session:
        facts = intake.CallFacts(None, "13800138000", "101", False)
        result = intake.ingest(session, hotline, turns, facts, NOW)
        view = as_view(result.ticket)
        assert len(view["category_choices"]) == 2 and view["category_choices"][0] == view["category"]
        assert 0 < view["category_confidence"] < 1.01
        ticket_change(session, hotline, "update", result.ticket.id, {"category": "billing"}, "101", NOW)
        assert as_view(result.ticket)["category_choices"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreadable_stored_model_still_lets_tickets_be_made(database_url: str) -> None:
    from callcenter.tickets.models import model_for, shipped_model

    factory = make_session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        session.add(CategoryModelVersion(created_at=NOW, examples=1, centre_examples=1, test_macro_f1=1.0,
                                         active=True, blob=b"\x80\x04not json"))
        session.flush()
        assert model_for(session) is shipped_model()
