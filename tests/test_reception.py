"""Reception days: dates against the official calendar, rotation and substitutes, notice lead
times, interview-day attendance, visitors becoming cases, the .ics, the CLI."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import chinese_calendar
import icalendar
import pytest
from sqlmodel import Session, select

from core import auth, deadlines, intake, reception, services
from core.errors import DomainError
from core.models import (CaseStatus as S, Channel, Leader, ReceptionDay, ReceptionKind, ReceptionRule,
                         ReceptionVisitor, Recurrence, Role, Tier, Unit, UnitKind)
from tests import factories

NOW = datetime(2026, 11, 21, 10, 0)  # a Saturday


@contextmanager
def refused(key: str):
    with pytest.raises(DomainError) as exc:
        yield
    assert exc.value.key == key


def _rule(**fields) -> ReceptionRule:
    values = dict(id=1, name="进社区", kind=ReceptionKind.community_visit, recurrence=Recurrence.monthly,
                  days="10,25", start_time=time(18, 0), notice_days=7)
    values.update(fields)
    return ReceptionRule(**values)


# ---- dates ---------------------------------------------------------------------------------------

def test_the_seeds_examples_october_2026():
    plan = {original: (actual, reason) for _i, original, actual, reason in
            reception.rule_dates(_rule(), date(2026, 10, 1), date(2026, 10, 31))}
    assert plan[date(2026, 10, 10)] == (date(2026, 10, 10), None)  # a make-up working Saturday stays
    assert plan[date(2026, 10, 25)] == (date(2026, 10, 26), reception.REST_DAY)  # a Sunday → Monday


def test_a_holiday_is_named_as_the_reason():
    plan = {original: (actual, reason) for _i, original, actual, reason in
            reception.rule_dates(_rule(), date(2026, 9, 1), date(2026, 9, 30))}
    assert plan[date(2026, 9, 25)] == (date(2026, 9, 28), "Mid-autumn Festival")
    assert reception.moved_reason_label("Mid-autumn Festival") == "原定日为中秋节假期"
    assert "Mid-autumn" in reception.moved_reason_label("Mid-autumn Festival", "en")


@pytest.mark.parametrize("rule", [
    _rule(),
    _rule(id=2, days="10"),
    _rule(id=3, recurrence=Recurrence.weekly, days="1"),
    _rule(id=4, recurrence=Recurrence.weekly, days="2,3"),
    _rule(id=5, days="31"),
], ids=["10-and-25", "10th", "mondays", "tue-wed", "31st"])
def test_every_occurrence_of_2025_and_2026_lands_on_the_next_working_day(rule):
    start, end = date(2025, 1, 1), date(2026, 12, 31)
    plan = reception.rule_dates(rule, start, end)
    wanted = reception.parse_days(rule.recurrence, rule.days)
    originals = set()
    day = start - timedelta(days=31)
    while day <= end:
        if (day.day if rule.recurrence == Recurrence.monthly else day.isoweekday()) in wanted:
            originals.add(day)
        day += timedelta(days=1)
    actual_dates = [actual for _i, _o, actual, _r in plan]
    assert len(actual_dates) == len(set(actual_dates)), "one occurrence per day and rule"
    for _index, original, actual, reason in plan:
        assert original in originals
        assert chinese_calendar.is_workday(actual)
        # the next working day: nothing working in between
        assert all(not chinese_calendar.is_workday(original + timedelta(days=k))
                   for k in range((actual - original).days))
        assert (reason is None) == (actual == original)
    # and nothing was lost: every original whose shifted day lies in the period is there (or merged)
    covered = {o for _i, o, _a, _r in plan}
    for original in originals:
        shifted = deadlines.working_day_on_or_after(original)
        if start <= shifted <= end:
            assert original in covered or shifted in actual_dates


def test_an_admin_override_moves_a_day_too():
    calendar = deadlines.WorkCalendar(overrides={date(2026, 11, 10): False})
    plan = reception.rule_dates(_rule(days="10"), date(2026, 11, 1), date(2026, 11, 30), calendar)
    assert [(o, a, r) for _i, o, a, r in plan] == [(date(2026, 11, 10), date(2026, 11, 11), reception.OVERRIDE)]


def test_bad_days_are_refused_with_the_range():
    with pytest.raises(DomainError) as exc:
        reception.parse_days(Recurrence.weekly, "1,8")
    assert exc.value.values["high"] == 7
    with pytest.raises(DomainError):
        reception.parse_days(Recurrence.monthly, "十")


def test_a_year_the_package_does_not_know_is_planned_on_the_provisional_calendar():
    # 2027-10-10 is a Sunday, and 1–3 October are National Day: a 10th stays a Sunday → Monday 11th
    plan = reception.rule_dates(_rule(days="1,10"), date(2027, 10, 1), date(2027, 10, 31))
    assert [(o, a, r) for _i, o, a, r in plan] == [(date(2027, 10, 1), date(2027, 10, 4), "National Day"),
                                                   (date(2027, 10, 10), date(2027, 10, 11), reception.REST_DAY)]
    with pytest.raises(deadlines.CalendarUnknownError):
        reception.rule_dates(_rule(), date(2100, 12, 1), date(2100, 12, 31))


# ---- a county with rules ------------------------------------------------------------------------

@pytest.fixture
def county(engine):
    with Session(engine) as s:
        units = factories.county(s)
        leaders = [Leader(name=name, title=title, duties="分管民政", rotation_order=i)
                   for i, (name, title) in enumerate([("甲", "县长"), ("乙", "副县长"), ("丙", "副县长"), ("丁", "常务副县长")])]
        s.add_all(leaders)
        s.flush()
        factories.user(s, "center", {Role.clerk}, NOW)
        factories.user(s, "boss", {Role.admin}, NOW)
        factories.user(s, "leader_yi", {Role.leader}, NOW, leader_id=leaders[1].id)
        factories.user(s, "watcher", {Role.supervisor}, NOW)
        clerk = auth.load_current_user(s, "center")
        rule = reception.save_rule(s, actor=clerk, rule_id=None, name="县领导进社区接访", kind=ReceptionKind.community_visit,
                                   recurrence=Recurrence.monthly, days="10,25", start_time=time(18, 0), end_time=None,
                                   place="社区党群服务中心", accompanying_units="县信访局", subject="倾听诉求",
                                   leader_ids=[leader.id for leader in leaders[:3]])
        weekly = reception.save_rule(s, actor=clerk, rule_id=None, name="主要领导接访日", kind=ReceptionKind.leader_weekly,
                                     recurrence=Recurrence.weekly, days="1", start_time=time(9, 0), end_time=time(12, 0),
                                     place="来访接待中心", accompanying_units="", subject="",
                                     leader_ids=[leaders[0].id, leaders[3].id])
        s.commit()
        yield s, {"units": units, "leaders": leaders, "rule": rule, "weekly": weekly, "clerk": clerk,
                  "leader_user": auth.load_current_user(s, "leader_yi"), "admin": auth.load_current_user(s, "boss"),
                  "supervisor": auth.load_current_user(s, "watcher")}


def test_occurrences_rotate_leaders_and_are_sorted(county):
    s, c = county
    plan = reception.occurrences(s, start=date(2026, 11, 1), end=date(2026, 12, 31))
    community = [o for o in plan if o.rule_id == c["rule"].id]
    assert [o.date for o in community] == [date(2026, 11, 10), date(2026, 11, 25), date(2026, 12, 10), date(2026, 12, 25)]
    ids = [leader.id for leader in c["leaders"][:3]]
    assert [o.leader_id for o in community] == [ids[(ids.index(community[0].leader_id) + k) % 3] for k in range(4)]
    assert plan == sorted(plan, key=lambda o: (o.date, o.start_time, o.name, o.group_name or ""))
    mondays = [o for o in plan if o.rule_id == c["weekly"].id]
    assert all(o.date.weekday() == 0 for o in mondays) and len(mondays) == 9


def test_rotation_does_not_depend_on_the_period_asked(county):
    s, _c = county
    whole = {o.key: o.leader_id for o in reception.occurrences(s, start=date(2026, 1, 1), end=date(2026, 12, 31))}
    part = {o.key: o.leader_id for o in reception.occurrences(s, start=date(2026, 11, 1), end=date(2026, 11, 30))}
    assert part and all(whole[key] == leader for key, leader in part.items())


def test_substitute_is_the_next_in_rotation_free_that_day(county):
    s, c = county
    occ = next(o for o in reception.occurrences(s, start=date(2026, 12, 1), end=date(2026, 12, 31))
               if o.rule_id == c["rule"].id)
    ids = [leader.id for leader in c["leaders"][:3]]
    expected = ids[(ids.index(occ.leader_id) + 1) % 3]
    assert reception.suggest_substitute(s, occ.key) == expected
    with pytest.raises(intake.FormErrors) as exc:
        reception.arrange_substitute(s, actor=c["clerk"], key=occ.key, reason="", substitute_id=occ.leader_id, now=NOW)
    assert set(exc.value.errors) == {"unavailable_reason", "substitute_id"}
    reception.arrange_substitute(s, actor=c["clerk"], key=occ.key, reason="赴省开会", substitute_id=expected, now=NOW)
    again = reception.occurrence(s, occ.key)
    assert again.effective_leader_id == expected and again.leader_id == occ.leader_id and again.confirmed
    assert again.unavailable_reason == "赴省开会"


def test_a_substitute_already_receiving_that_day_is_skipped(county):
    s, c = county
    leaders = c["leaders"]
    # 2026-12-14 is a Monday: the weekly rule has someone; make the community rule's next-in-rotation busy
    weekly = next(o for o in reception.occurrences(s, start=date(2026, 12, 14), end=date(2026, 12, 14)))
    occ = reception.occurrence(s, f"{c['rule'].id}:2026-12-10")
    ids = [leader.id for leader in leaders[:3]]
    nxt = ids[(ids.index(occ.leader_id) + 1) % 3]
    # put `nxt` on the weekly reception of the community visit's own day
    s.add(ReceptionDay(rule_id=c["weekly"].id, original_date=date(2026, 12, 10), actual_date=date(2026, 12, 10),
                       start_time=time(9, 0), leader_id=nxt, leader_confirmed_at=NOW))
    s.flush()
    assert weekly.date == date(2026, 12, 14)
    suggested = reception.suggest_substitute(s, occ.key)
    assert suggested not in (occ.leader_id, nxt)


def test_unconfirmed_leaders_and_missing_notices_are_flagged_within_their_lead_time(county):
    s, c = county
    today = date(2026, 12, 3)  # the 10th is 7 days away: its notice is due today
    found = reception.warnings(s, today=today)
    keys = {o.key for o in found.get("no_notice", [])}
    assert f"{c['rule'].id}:2026-12-10" in keys
    assert f"{c['rule'].id}:2026-12-25" not in keys  # not yet within its week
    assert f"{c['rule'].id}:2026-12-10" in {o.key for o in found["unconfirmed"]}


def test_a_notice_needs_a_confirmed_leader_and_goes_public(county):
    s, c = county
    key = f"{c['rule'].id}:2026-12-10"
    published_at = datetime(2026, 12, 2, 9, 0)
    with refused("error.reception_unconfirmed"):
        reception.publish_notice(s, actor=c["clerk"], key=key, now=published_at)
    with refused("error.permission"):
        reception.publish_notice(s, actor=c["leader_user"], key=key, now=published_at)
    reception.confirm_leader(s, actor=c["clerk"], key=key, now=published_at)
    reception.publish_notice(s, actor=c["clerk"], key=key, now=published_at)
    occ = reception.occurrence(s, key)
    assert occ.notice_published_at == published_at and not occ.notice_late
    assert "no_notice" not in occ.flags(date(2026, 12, 4))
    public = reception.published_notices(s, today=date(2026, 12, 2))
    assert [o.key for o in public] == [key]
    text = reception.notice_text(s, occ)
    leader = s.get(Leader, occ.leader_id)
    assert (text.leader, text.leader_title, text.duties) == (leader.name, leader.title, "分管民政")
    assert "18:00" in text.when and text.place == "社区党群服务中心" and text.accompanying_units == "县信访局"
    # a substitute after publication makes the notice stale
    sub = reception.suggest_substitute(s, key)
    reception.arrange_substitute(s, actor=c["clerk"], key=key, reason="出差", substitute_id=sub, now=published_at)
    assert "notice_stale" in reception.occurrence(s, key).flags(date(2026, 12, 4))


def test_a_late_notice_is_flagged_and_a_past_one_refused(county):
    s, c = county
    key = f"{c['rule'].id}:2026-12-10"
    reception.confirm_leader(s, actor=c["clerk"], key=key, now=NOW)
    reception.publish_notice(s, actor=c["clerk"], key=key, now=datetime(2026, 12, 5, 9, 0))  # 5 days ahead < 7
    assert reception.occurrence(s, key).notice_late
    with refused("error.reception_past"):
        reception.publish_notice(s, actor=c["clerk"], key=key, now=datetime(2026, 12, 11, 9, 0))


def test_notice_html_escapes_what_it_prints(county):
    s, c = county
    c["rule"].place = "<script>alert(1)</script>"
    s.flush()
    occ = reception.occurrence(s, f"{c['rule'].id}:2026-12-10")
    page = reception.notice_html(s, occ, county="测试县")
    assert "<script>" not in page and "&lt;script&gt;" in page and "测试县领导接访预告" in page
    # ready for the board: A4, and who issues it on which day (not yet published: its due day)
    assert "@page{size:A4" in page
    assert f"测试县民情民意联络中心　{occ.notice_due:%Y年%m月%d日}" in page


def test_a_leader_answers_only_for_their_own_receptions(county):
    s, c = county
    mine = next(o for o in reception.occurrences(s, start=date(2026, 12, 1), end=date(2026, 12, 31))
                if o.leader_id == c["leaders"][1].id)
    reception.confirm_leader(s, actor=c["leader_user"], key=mine.key, now=NOW)
    other = next(o for o in reception.occurrences(s, start=date(2026, 12, 1), end=date(2026, 12, 31))
                 if o.leader_id != c["leaders"][1].id)
    with refused("error.permission"):
        reception.confirm_leader(s, actor=c["leader_user"], key=other.key, now=NOW)
    with refused("error.permission"):
        reception.save_rule(s, actor=c["supervisor"], rule_id=c["rule"].id, name="x", kind=ReceptionKind.community_visit,
                            recurrence=Recurrence.monthly, days="10", start_time=time(9), end_time=None, place="",
                            accompanying_units="", subject="", leader_ids=[c["leaders"][0].id])


def test_attendance_is_recorded_only_after_the_day(county):
    s, c = county
    key = f"{c['rule'].id}:2026-11-10"
    with refused("error.reception_future"):
        reception.record_attendance(s, actor=c["clerk"], key=f"{c['rule'].id}:2026-11-25",
                                    attended_leader_id=c["leaders"][0].id, attendance=12, now=NOW)
    assert "no_attendance" in reception.occurrence(s, key).flags(NOW.date())
    reception.record_attendance(s, actor=c["clerk"], key=key, attended_leader_id=c["leaders"][3].id, attendance=12,
                                now=NOW)
    occ = reception.occurrence(s, key)
    assert occ.attended_id == c["leaders"][3].id and occ.attendance == 12
    assert "no_attendance" not in occ.flags(NOW.date())


# ---- visitors become cases (谁接待谁受理) -----------------------------------------------------------

@pytest.mark.parametrize("flag,days", [("none", 7), ("major", 14)])
def test_a_demand_becomes_a_case_owned_by_the_receiving_leader_due_in_one_or_two_weeks(county, flag, days):
    s, c = county
    key = f"{c['rule'].id}:2026-11-10"  # a Tuesday, 18:00
    occ = reception.occurrence(s, key)
    visitor, case = intake.record_reception_visitor(
        s, actor=c["clerk"], now=NOW, reception_key=key, name="王大妈", phone="13812345678", address="乙村3组",
        demand="村里自来水管破裂两周无人修", township_id=c["units"]["town"].id, village_id=c["units"]["village"].id,
        category_id=factories.category(s, c["units"]["dept"]).id, flag=flag)
    assert case.channel == Channel.reception and case.status == S.received
    assert case.owner_leader_id == occ.leader_id and case.reception_day_id == visitor.reception_day_id
    assert case.received_at == datetime(2026, 11, 10, 18, 0) and case.is_major == (flag == "major")
    # the centre drafts, a leader orders days later: the deadline still counts from the reception
    leader = auth.load_current_user(s, "leader_yi")
    case = services.draft(s, case_id=case.id, actor=c["clerk"], now=NOW, expected_version=case.version,
                          category_id=case.category_id, tier=Tier.unit, priority="easy", unit_id=c["units"]["dept"].id)
    case = services.order(s, case_id=case.id, actor=leader, now=NOW, expected_version=case.version)
    expected_day = deadlines.working_day_on_or_after(date(2026, 11, 10) + timedelta(days=days))
    assert case.due_at == datetime.combine(expected_day, deadlines.END_OF_DAY)
    assert case.due_at.date() == (date(2026, 11, 17) if days == 7 else date(2026, 11, 24))


def test_a_demand_settled_on_the_spot_is_closed_with_the_reaction(county):
    s, c = county
    key = f"{c['rule'].id}:2026-11-10"
    with pytest.raises(intake.FormErrors) as exc:
        intake.record_reception_visitor(s, actor=c["clerk"], now=NOW, reception_key=key, name="", phone="123",
                                        address="", demand="低保", answered_on_spot=True)
    assert set(exc.value.errors) == {"name", "phone", "content", "on_site_answer", "visitor_reaction"}
    assert s.exec(select(ReceptionVisitor)).all() == []
    _visitor, case = intake.record_reception_visitor(
        s, actor=c["clerk"], now=NOW, reception_key=key, name="李四", phone=None, address="", demand="咨询低保申请条件",
        on_site_answer="当场讲解低保政策和申请材料", answered_on_spot=True, visitor_reaction="表示清楚了，满意")
    assert case.status == S.closed and case.tier == Tier.on_spot
    assert case.leader_signoff == s.get(Leader, reception.occurrence(s, key).leader_id).name


def test_no_visitor_before_the_reception_and_not_by_another_leader(county):
    s, c = county
    with refused("error.reception_future"):
        intake.record_reception_visitor(s, actor=c["clerk"], now=NOW, reception_key=f"{c['rule'].id}:2026-11-25",
                                        name="张三", phone=None, address="", demand="道路坑洼需要修补")
    other = next(o for o in reception.occurrences(s, start=date(2026, 10, 1), end=date(2026, 11, 20))
                 if c["leaders"][1].id not in (o.leader_id, o.substitute_id))
    with refused("error.permission"):
        intake.record_reception_visitor(s, actor=c["leader_user"], now=NOW, reception_key=other.key, name="张三",
                                        phone=None, address="", demand="道路坑洼需要修补")


def test_the_leaders_ledger_lists_receptions_visitors_cases_and_results(county):
    s, c = county
    key = f"{c['rule'].id}:2026-11-10"
    occ = reception.occurrence(s, key)
    for name in ("王五", "赵六"):
        intake.record_reception_visitor(s, actor=c["clerk"], now=NOW, reception_key=key, name=name, phone="13912345678",
                                        address="乙村", demand=f"{name}反映路灯不亮")
    owner = s.get(Leader, occ.leader_id)
    entries = reception.ledger_entries(s, user=c["clerk"], leader_id=owner.id, start=date(2026, 11, 1),
                                       end=date(2026, 11, 30))
    assert [e["visitor"] for e in entries] == ["王五", "赵六"]
    assert all(e["status"] == S.received and e["tracking_code"].startswith("MQ-2026-") for e in entries)
    assert entries[0]["phone"] == "13912345678"
    assert reception.ledger_entries(s, user=c["clerk"], leader_id=owner.id, start=date(2026, 12, 1),
                                    end=date(2026, 12, 31)) == []
    # a leader reads only their own file, with residents' phones masked
    period = dict(start=date(2026, 11, 1), end=date(2026, 11, 30))
    if owner.user_id == c["leader_user"].id:
        assert reception.ledger_entries(s, user=c["leader_user"], leader_id=owner.id, **period)[0]["phone"] != "13912345678"
    else:
        with refused("error.permission"):
            reception.ledger_entries(s, user=c["leader_user"], leader_id=owner.id, **period)
    assert len(reception.ledger_entries(s, user=c["supervisor"], leader_id=owner.id, **period)) == 2


# ---- interview days -----------------------------------------------------------------------------

def test_interview_days_count_attendance_per_village_against_thirty(county):
    s, c = county
    town = c["units"]["town"]
    second = Unit(name="丙村", kind=UnitKind.village, parent_id=town.id)
    s.add(second)
    s.flush()
    plan_day = datetime(2026, 10, 20, 9, 0)
    rows = []
    for day, group, village, count in [(date(2026, 11, 1), "第一组", c["units"]["village"], 18),
                                       (date(2026, 11, 3), "第二组", c["units"]["village"], 15),
                                       (date(2026, 11, 2), "第一组", second, 22)]:
        rows.append(reception.plan_interview(s, actor=c["clerk"], campaign="2026年11月群众访谈日", day=day,
                                             start_time=time(9, 0), group_name=group, leader_id=c["leaders"][0].id,
                                             village_id=village.id, now=plan_day))
        reception.record_attendance(s, actor=c["clerk"], key=f"d{rows[-1].id}", attended_leader_id=c["leaders"][0].id,
                                    attendance=count, now=NOW)
    result = {r.village: (r.sessions, r.attendance, r.enough) for r in reception.interview_attendance(s, "2026年11月群众访谈日")}
    assert result == {"乙村": (2, 33, True), "丙村": (1, 22, False)}
    occ = reception.occurrence(s, f"d{rows[0].id}")
    assert occ.kind == ReceptionKind.interview_day and occ.notice_days == 5 and occ.notice_due == date(2026, 10, 27)
    assert reception.campaigns(s) == ["2026年11月群众访谈日"]
    with pytest.raises(intake.FormErrors) as exc:
        reception.plan_interview(s, actor=c["clerk"], campaign="", day=date(2026, 1, 1), start_time=time(9, 0),
                                 group_name="", leader_id=None, village_id=None, now=NOW)
    assert set(exc.value.errors) == {"campaign", "group_name", "leader_id", "village_id", "day"}


# ---- the phone calendar and the CLI -------------------------------------------------------------

def test_the_ics_parses_and_holds_the_leaders_receptions(county):
    s, c = county
    leader_id = c["leaders"][0].id
    body = reception.ics_schedule(s, leader_id=leader_id, start=date(2026, 10, 1), end=date(2026, 12, 31))
    cal = icalendar.Calendar.from_ical(body)
    events = list(cal.walk("VEVENT"))
    expected = reception.occurrences(s, start=date(2026, 10, 1), end=date(2026, 12, 31), leader_id=leader_id)
    assert len(events) == len(expected) > 0
    first = events[0]
    assert first.decoded("dtstart") == datetime.combine(expected[0].date, expected[0].start_time, tzinfo=reception.TZ)
    assert str(first["summary"]) == expected[0].name
    moved = [e for e, o in zip(events, expected) if o.moved]
    assert all("顺延" in str(e["description"]) for e in moved)
    assert list(cal.walk("VTIMEZONE"))


def test_cli_plan_prints_one_object_per_occurrence(county, engine, capsys, monkeypatch):
    from core import cli
    s, c = county
    s.commit()
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli.main(["reception", "plan", "--from", "2026-10-01", "--to", "2026-10-31", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    community = {r["original_date"]: r for r in rows if r["rule"] == "县领导进社区接访"}
    assert community["2026-10-25"]["date"] == "2026-10-26" and community["2026-10-25"]["moved"] is True
    assert community["2026-10-10"]["moved"] is False and community["2026-10-10"]["time"] == "18:00"
    for row in rows:
        assert {"rule", "date", "time", "original_date", "moved", "leader", "substitute", "place",
                "notice_published"} <= set(row)
    assert cli.main(["reception", "plan", "--from", "2026-10-31", "--to", "2026-10-01", "--json"]) == 2


def test_look_ahead_runs_into_next_year_on_the_provisional_calendar(county):
    s, c = county
    found = reception.warnings(s, today=date(2026, 12, 28))
    assert "calendar_unknown" not in found
    assert any(o.date >= date(2027, 1, 1) for items in found.values() for o in items)
    assert reception.published_notices(s, today=date(2026, 12, 20)) == []  # no exception either


def test_a_rule_field_too_long_is_refused_not_cut(county):
    s, c = county
    with pytest.raises(intake.FormErrors) as refused:
        reception.save_rule(s, actor=c["clerk"], rule_id=None, name="村级接访", kind=ReceptionKind.community_visit,
                            recurrence=Recurrence.monthly, days="5", start_time=time(9, 0), end_time=None,
                            place="村" * 121, accompanying_units="", subject="主" * 201,
                            leader_ids=[c["leaders"][0].id])
    assert set(refused.value.errors) == {"place", "subject"}
    assert "120" in refused.value.errors["place"].message("zh") and "200" in refused.value.errors["subject"].message("en")
