from datetime import datetime

import pytest
from sqlmodel import Session

from core import auth, templates
from core.errors import DomainError
from core.models import Role, TemplateKind
from tests import factories

NOW = datetime(2026, 11, 21, 9, 0)


@pytest.fixture
def world(engine):
    with Session(engine) as s:
        units = factories.county(s)
        water, roads = factories.category(s, units["dept"]), factories.category(s, units["other"])
        factories.user(s, "root", {Role.admin}, NOW)
        factories.user(s, "desk", {Role.clerk}, NOW)
        yield s, units, water, roads, auth.load_current_user(s, "root"), auth.load_current_user(s, "desk")


def test_a_categorys_own_templates_come_first_and_retired_ones_are_gone(world):
    s, _units, water, roads, admin, _clerk = world
    general = templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="通用", body="通用答复")
    own = templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="饮水", body="饮水答复",
                                  category_id=water.id)
    templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="道路", body="道路答复",
                            category_id=roads.id)
    templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="旧的", body="停用", active=False)
    templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.instruction, title="批示", body="请办理")
    ids = [t.id for t in templates.templates_for(s, kind=TemplateKind.reply, category_id=water.id)]
    assert ids == [own.id, general.id]
    assert [t.id for t in templates.templates_for(s, kind=TemplateKind.reply, category_id=None)] == [general.id]


def test_placeholders_are_filled_from_the_case_and_empty_ones_stay_visible(world):
    s, units, water, _roads, _admin, _clerk = world
    case = factories.case(s, status="dispatched", received_at=NOW, unit_id=units["dept"].id,
                          township_id=units["town"].id, category_id=water.id, due_at=datetime(2026, 11, 25, 23, 59))
    values = templates.case_values(s, case)
    text = templates.fill("请{unit}会同{township}于{due}前办结{code}；结果：{result}；{other}", values)
    assert text == f"请县水利局会同甲镇于2026年11月25日前办结{case.tracking_code}；结果：{{result}}；{{other}}"


def test_only_the_admin_edits_templates_and_bad_input_is_named(world):
    s, _units, _water, _roads, admin, clerk = world
    with pytest.raises(DomainError) as denied:
        templates.save_template(s, actor=clerk, now=NOW, kind=TemplateKind.reply, title="x", body="y")
    assert denied.value.key == "error.permission"
    with pytest.raises(DomainError) as empty:
        templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="  ", body="y")
    assert empty.value.message("zh") == "请填写：标题。"
    with pytest.raises(DomainError) as long:
        templates.save_template(s, actor=admin, now=NOW, kind=TemplateKind.reply, title="t", body="字" * 2001)
    assert long.value.message("zh") == "内容不能超过 2000 个字。"


def test_editing_keeps_the_row_and_the_starter_set_is_seeded_once(world):
    s, _units, _water, _roads, admin, _clerk = world
    assert templates.seed_defaults(s, now=NOW) == sum(1 for d in templates.DEFAULTS if d[1] is None)
    assert templates.seed_defaults(s, now=NOW) == 0
    first = templates.all_templates(s)[0]
    edited = templates.save_template(s, actor=admin, now=NOW, kind=first.kind, title="改过", body="新的内容",
                                     template_id=first.id)
    assert edited.id == first.id
    assert [t.title for t in templates.all_templates(s)].count("改过") == 1
