"""每月一题: clustering on a constructed set groups what belongs together and names it by the
words that set it apart; the trend counts each month; a leader picks one topic a month; its
cases, new ones included, are tracked together."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import Session, select

from core import auth, ledger, topics
from core.errors import DomainError
from core.models import Case, CaseStatus as S, Role, Unit, UnitKind
from tests import factories

NOW = datetime(2026, 11, 22, 10, 0)
NOV = date(2026, 11, 1)


@pytest.fixture
def county(engine):
    with Session(engine) as s:
        units = factories.county(s)
        town = units["town"]
        other = Unit(name="丁镇", kind=UnitKind.township, parent_id=units["county"].id)
        s.add(other)
        s.flush()
        water = factories.category(s, units["dept"])
        roads = factories.category(s, units["other"])
        roads.name_zh = "道路交通"

        def add(n, month, category, township, text):
            for i in range(n):
                factories.case(s, status=S.received, received_at=datetime(2026, month, 3 + i, 9),
                               category_id=category.id, township_id=township.id,
                               content=f"乙村村民张{i}反映{text}", reporter_name=f"张{i}")

        # 甲镇 water: leaking pipes, rising 1 → 2 → 5
        add(1, 8, water, town, "自来水管道破裂漏水，无人维修。")
        add(2, 9, water, town, "自来水管道漏水严重，请求维修。")
        add(5, 10, water, town, "自来水管道又漏水了，水压很低。")
        # 丁镇 roads: street lights, steady 2 → 2 → 2
        for month in (8, 9, 10):
            add(2, month, roads, other, "村口路灯不亮，晚上出行不便。")
        # background, too small to be a topic (2 cases), whose everyday words 晚上 出行 不便 are also
        # the street lights' — so they do not set that cluster apart
        add(2, 9, roads, town, "桥梁护栏损坏，晚上出行不便。")
        # outside the window (July, November) and a merged duplicate: not counted
        add(4, 7, water, town, "自来水管道漏水。")
        add(3, 11, water, town, "自来水管道漏水。")
        dup = factories.case(s, status=S.merged, received_at=datetime(2026, 10, 20, 9), category_id=water.id,
                             township_id=town.id, content="自来水管道漏水")
        people = {name: auth.load_current_user(s, factories.user(s, name, roles, NOW, **extra).username)
                  for name, roles, extra in (("leader", {Role.leader}, {}), ("clerk", {Role.clerk}, {}),
                                             ("unit", {Role.unit_handler}, {"unit_id": units["dept"].id}))}
        s.commit()
        yield s, people, {"water": water, "roads": roads, "town": town, "other": other, "dup": dup}


def test_clusters_group_what_belongs_together(county):
    s, people, u = county
    found = topics.candidates(s, user=people["clerk"], month=NOV)
    assert [(c.township, c.cases, c.by_month) for c in found] == [("甲镇", 8, (1, 2, 5)), ("丁镇", 6, (2, 2, 2))]
    water, roads = found
    assert water.rising and not roads.rising
    assert "漏水" in water.words and any("灯" in w for w in roads.words)  # jieba cuts 路|灯不亮
    everyday = {"不便", "出行", "晚上"}  # found outside the cluster too: ranked after the words only it has
    assert not everyday & set(roads.words[:2])
    places_and_people = ("乙村", "甲镇", "丁镇", "张")
    assert not any(p in w or w in p for c in found for w in c.words for p in places_and_people)
    with pytest.raises(DomainError):
        topics.candidates(s, user=people["unit"], month=NOV)


def test_a_leader_picks_the_month_topic_and_its_cases_are_tracked_together(county):
    s, people, u = county
    with pytest.raises(DomainError) as exc:
        topics.pick(s, actor=people["clerk"], month=NOV, category_id=u["water"].id, township_id=u["town"].id,
                    words="漏水", plan="排查管网", now=NOW)
    assert exc.value.key == "error.permission"
    topic = topics.pick(s, actor=people["leader"], month=NOV, category_id=u["water"].id, township_id=u["town"].id,
                        words="漏水 管道", plan="水利局牵头排查甲镇管网，11月底前更换老旧管道", now=NOW)
    with pytest.raises(DomainError) as exc:
        topics.pick(s, actor=people["leader"], month=NOV, category_id=u["roads"].id, township_id=u["other"].id,
                    words="", plan="x", now=NOW)
    assert exc.value.key == "error.topic_taken"
    assert topic.title == "甲镇饮水" and topic.since == date(2026, 8, 1)
    later = factories.case(s, status=S.received, received_at=datetime(2026, 11, 22, 11), category_id=u["water"].id,
                           township_id=u["town"].id, content="又漏水")
    s.commit()
    state = topics.progress(s, user=people["leader"], topic=topic, now=datetime(2026, 11, 22, 12))
    assert state["cases"] == 8 + 3 + 1 and state["since_chosen"] == 1 and state["open"] == 12
    assert list(state["by_month"]["received"]) == [1, 2, 5, 4]
    ids = set(s.exec(select(Case.id).where(topics.cases_of(topic))).all())
    assert later.id in ids and u["dup"].id not in ids
    total, _rows = ledger.list_cases(s, user=people["leader"], filters=ledger.LedgerFilter(), now=NOW,
                                     extra=topics.cases_of(topic))
    assert total == 12
