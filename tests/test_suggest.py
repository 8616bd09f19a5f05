from datetime import timedelta

import pytest

from core import services, suggest
from core.errors import DomainError
from core.models import CaseStatus as S, Role, Unit
from tests import factories
from tests.world import NOW

WATER = ["自来水停了三天", "水管破裂漏水没人修", "水质发黄不能喝", "旱季供水不足"]
ROADS = ["公路坑洼雨天无法通行", "桥梁护栏损坏", "路灯坏了晚上很黑", "村口缺少减速带"]


@pytest.fixture
def county(world_session):
    s, world = world_session
    water = world.category_id
    roads = factories.category(s, s.get(Unit, world.units["other"])).id
    for i, text in enumerate(WATER * 3):
        factories.case(s, status=S.closed, received_at=NOW - timedelta(days=60 + i), content=text, category_id=water,
                       unit_id=world.units["dept"], dispatched_at=NOW - timedelta(days=59))
    for i, text in enumerate(ROADS * 3):
        factories.case(s, status=S.closed, received_at=NOW - timedelta(days=60 + i), content=text, category_id=roads,
                       unit_id=world.units["other"], dispatched_at=NOW - timedelta(days=59))
    return s, world, water, roads


def test_the_model_learns_categories_and_units_from_past_cases(county):
    s, world, water, roads = county
    model = suggest.train(s)
    categories, units = suggest.suggest(s, model, "我们组的自来水又停了")
    assert categories[0].id == water and units[0].id == world.units["dept"]
    categories, units = suggest.suggest(s, model, "桥梁护栏被撞坏了")
    assert categories[0].id == roads and units[0].id == world.units["other"]
    assert suggest.suggest(s, model, "  ") == ([], [])


def test_an_admin_keyword_rule_lifts_its_category_and_names_its_unit(county):
    s, world, water, roads = county
    admin = world.users[Role.admin]
    model = suggest.train(s)
    before, _ = suggest.suggest(s, model, "水渠堵塞")  # nothing learnt says 水渠 is roads
    suggest.save_keyword_rule(s, actor=admin, now=NOW, keyword="水渠", category_id=roads, unit_id=world.units["town"],
                              weight=3)
    after, units = suggest.suggest(s, model, "水渠堵塞")
    assert before[0].id != roads or before[0].keywords == []
    assert (after[0].id, after[0].keywords, units[0].id) == (roads, ["水渠"], world.units["town"])


def test_keyword_rules_are_the_admins_and_are_checked(county):
    s, world, water, _roads = county
    with pytest.raises(DomainError):
        suggest.save_keyword_rule(s, actor=world.users[Role.clerk], now=NOW, keyword="水", category_id=water)
    for keyword, weight, key in (("", 1, "error.fields_missing"), ("水" * 31, 1, "error.too_long"),
                                 ("水", 9, "error.weight_range")):
        with pytest.raises(DomainError) as refused:
            suggest.save_keyword_rule(s, actor=world.users[Role.admin], now=NOW, keyword=keyword, category_id=water,
                                      weight=weight)
        assert refused.value.key == key


def test_possible_duplicates_are_open_same_village_same_category_last_30_days(county):
    s, world, water, roads = county
    clerk = world.users[Role.clerk]
    here = dict(village_id=world.units["village"], township_id=world.units["town"])
    same = factories.case(s, status=S.in_progress, received_at=NOW - timedelta(days=3), content="自来水停了三天没人管",
                          category_id=water, **here)
    loose = factories.case(s, status=S.received, received_at=NOW - timedelta(days=1), content="水压太低",
                           category_id=water, **here)
    factories.case(s, status=S.received, received_at=NOW - timedelta(days=40), content="自来水停了", category_id=water,
                   **here)  # too old
    factories.case(s, status=S.closed, received_at=NOW - timedelta(days=2), content="自来水停了", category_id=water,
                   **here)  # closed
    factories.case(s, status=S.received, received_at=NOW - timedelta(days=2), content="自来水停了", category_id=roads,
                   **here)  # another category
    new = factories.case(s, status=S.received, received_at=NOW, content="自来水停了三天", category_id=water, **here)
    found = suggest.possible_duplicates(s, user=clerk, text=new.content, category_id=water, now=NOW,
                                        exclude_case_id=new.id, **here)
    assert [c.id for c, _score in found] == [same.id, loose.id]
    assert found[0][1] > found[1][1]
    services.merge(s, case_id=new.id, actor=clerk, now=NOW, expected_version=new.version, master_case_id=same.id)
    assert (new.status, new.master_case_id) == (S.merged, same.id)
