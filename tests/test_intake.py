from datetime import timedelta

import pytest
from sqlmodel import select

from core import intake
from core.errors import DomainError
from core.intake import FormErrors, Upload
from core.models import Attachment, Case, CaseStatus as S, Channel, LookupAttempt, Role
from tests import factories
from tests.world import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


@pytest.mark.parametrize("raw,expected", [
    ("13812345678", "13812345678"), (" 138 1234 5678 ", "13812345678"), ("+8613812345678", "13812345678"),
    ("0851-12345678", "0851-12345678"), ("085112345678", "085112345678"), ("010-1234567-808", "010-1234567-808"),
    ("", None)])
def test_mainland_mobile_and_landline_numbers_are_accepted(raw, expected):
    assert intake.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "12345678", "phone", "851-1234567"])
def test_other_numbers_are_refused_with_the_formats_named(raw):
    with pytest.raises(DomainError) as refused:
        intake.normalize_phone(raw)
    assert "0851-12345678" in refused.value.message("zh") and refused.value.field == "phone"


def liaison_report(s, world, **overrides):
    params = dict(actor=world.users[Role.liaison], now=NOW, who="张大爷一家", phone="13812345678",
                  township_id=world.units["town"], village_id=world.units["village"],
                  content="组里自来水停了三天，水发黄", category_id=world.category_id)
    params.update(overrides)
    return intake.submit_liaison_report(s, **params)


def test_a_liaison_report_names_every_refused_field_at_once(world_session):
    s, world = world_session
    with pytest.raises(FormErrors) as refused:
        liaison_report(s, world, who=" ", phone="12345", township_id=None, content="停水",
                       files=[Upload("a.exe", b"x")])
    errors = refused.value.errors
    assert set(errors) == {"who", "phone", "place", "content", "attachments"}
    assert errors["content"].message("zh") == "反映内容至少 5 个字。"
    assert errors["attachments"].message("en") == "“a.exe”: only .docx、.jpeg、.jpg、.pdf、.png files are accepted."
    assert s.exec(select(Case).where(Case.channel == Channel.liaison_form)).all() == []


def test_a_village_of_another_township_is_refused(world_session):
    s, world = world_session
    with pytest.raises(FormErrors) as refused:
        liaison_report(s, world, township_id=world.units["town"], village_id=world.units["dept"])
    assert refused.value.errors["place"].key == "error.village_mismatch"


def test_attachments_have_type_size_and_count_limits(world_session):
    s, world = world_session
    too_big = Upload("big.jpg", b"0" * (intake.ATTACHMENT_MAX_BYTES + 1))
    for files, key in (([too_big], "error.attachment_size"),
                       ([Upload(f"{i}.png", PNG) for i in range(4)], "error.attachments_count")):
        with pytest.raises(FormErrors) as refused:
            liaison_report(s, world, files=files)
        assert refused.value.errors["attachments"].key == key


def test_a_liaison_report_files_the_case_in_the_liaisons_name_with_its_photo(world_session):
    s, world = world_session
    case = liaison_report(s, world, flag="urgent", files=[Upload("水.png", PNG)])
    assert case.tracking_code == f"MQ-2026-{case.id:06d}"
    assert (case.status, case.channel, case.is_urgent, case.liaison_id) == (
        S.received, Channel.liaison_form, True, world.users[Role.liaison].liaison_id)
    files = intake.attachments_of(s, user=world.users[Role.clerk], case_id=case.id)
    assert [(f.filename, f.content_type, f.size) for f in files] == [("水.png", "image/png", len(PNG))]


def test_only_liaisons_use_the_liaison_form_and_only_clerks_the_duty_room(world_session):
    s, world = world_session
    with pytest.raises(DomainError):
        liaison_report(s, world, actor=world.users[Role.clerk])
    with pytest.raises(DomainError):
        intake.register_call(s, actor=world.users[Role.leader], now=NOW, channel=Channel.hotline, caller="李四",
                             address=None, phone="13812345678", content="路灯坏了一个月")


def test_the_duty_room_keeps_the_time_of_the_call_but_not_a_future_one(world_session):
    s, world = world_session
    clerk = world.users[Role.clerk]
    with pytest.raises(FormErrors) as refused:
        intake.register_call(s, actor=clerk, now=NOW, channel=Channel.reception, caller="李四", address=None,
                             phone="13812345678", content="路灯坏了一个月", received_at=NOW + timedelta(hours=1))
    assert set(refused.value.errors) == {"intake_channel", "received_at"}
    night = NOW - timedelta(hours=9)
    case = intake.register_call(s, actor=clerk, now=NOW, channel=Channel.hotline, caller="李四", address="甲镇乙村",
                                phone="0851-12345678", content="路灯坏了一个月", received_at=night)
    assert (case.received_at, case.reporter_phone, case.reporter_address) == (night, "0851-12345678", "甲镇乙村")


def test_a_repeat_caller_is_recognised_by_phone_for_roles_that_see_phones(world_session):
    s, world = world_session
    clerk = world.users[Role.clerk]
    for content in ("路灯坏了一个月", "路灯还是没修好"):
        intake.register_call(s, actor=clerk, now=NOW, channel=Channel.hotline, caller="李四", address=None,
                             phone="138 1234 5678", content=content)
    earlier = intake.earlier_cases(s, user=clerk, phone="13812345678")
    assert sorted(earlier["title"]) == sorted(["路灯还是没修好", "路灯坏了一个月"])
    assert intake.earlier_cases(s, user=clerk, phone="139").empty
    with pytest.raises(DomainError):
        intake.earlier_cases(s, user=world.users[Role.leader], phone="13812345678")


def test_attachments_are_shown_only_to_who_may_see_the_case(world_session):
    s, world = world_session
    case = liaison_report(s, world, files=[Upload("a.pdf", b"%PDF-1.4")])
    assert intake.attachments_of(s, user=world.users[Role.unit_handler], case_id=case.id) == []  # not dispatched to it
    assert len(intake.attachments_of(s, user=world.users[Role.liaison], case_id=case.id)) == 1
    with pytest.raises(DomainError):
        intake.add_attachments(s, actor=world.other_unit_handler, case_id=case.id, files=[Upload("b.pdf", b"%PDF")],
                               now=NOW)
    assert len(s.exec(select(Attachment)).all()) == 1


def test_files_added_later_are_written_in_the_case_record(world_session):
    from core import workflow
    from core.models import CaseAction, CaseEvent
    s, world = world_session
    case = liaison_report(s, world)
    later = NOW + timedelta(hours=2)
    intake.add_attachments(s, actor=world.users[Role.liaison], case_id=case.id, now=later,
                           files=[Upload("../现场照片.png", b"\x89PNG"), Upload("说明.pdf", b"%PDF")])
    events = s.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    note = events[-1]
    assert (note.action, note.at, note.actor_id, note.actor_role) == (
        CaseAction.attach, later, world.users[Role.liaison].id, "liaison")
    assert note.details == {"files": ["现场照片.png", "说明.pdf"]} and note.from_status == note.to_status
    assert workflow.replay([(e.action, e.from_status, e.to_status) for e in events]) == case.status


def lookup(s, code, digits, client="10.0.0.1", now=NOW):
    return intake.lookup_progress(s, tracking_code=code, phone_last4=digits, client=client, now=now)


def test_the_public_lookup_shows_stage_deadline_and_result_but_nobody(world_session):
    s, world = world_session
    case = factories.case(s, status=S.approved, received_at=NOW - timedelta(days=5), reporter_name="王五",
                          reporter_phone="13812345678", due_at=NOW + timedelta(days=1), result_summary="已修复")
    found = lookup(s, case.tracking_code.lower(), "5678")
    assert (found.status, found.result, found.due_on) == (S.approved, "已修复", f"{NOW + timedelta(days=1):%Y-%m-%d}")
    assert "王五" not in repr(found) and "1381234" not in repr(found)


def test_wrong_digits_and_unknown_codes_get_the_same_answer_and_lock_the_code(world_session):
    s, world = world_session
    case = factories.case(s, status=S.in_progress, received_at=NOW, reporter_phone="13812345678")
    answers = set()
    for code, digits in (("MQ-2099-999999", "5678"), (case.tracking_code, "0000")):
        with pytest.raises(DomainError) as refused:
            lookup(s, code, digits)
        answers.add(refused.value.key)
    assert answers == {"error.lookup_no_match"}
    for _ in range(intake.LOOKUP_FAILS_PER_CODE - 1):
        with pytest.raises(DomainError):
            lookup(s, case.tracking_code, "1111")
    with pytest.raises(DomainError) as locked:
        lookup(s, case.tracking_code, "5678")  # right digits, but the code is locked for the hour
    assert locked.value.key == "error.lookup_locked"
    assert lookup(s, case.tracking_code, "5678", now=NOW + intake.LOOKUP_WINDOW + timedelta(minutes=1))
    assert len(s.exec(select(LookupAttempt)).all()) == intake.LOOKUP_FAILS_PER_CODE + 2


def test_failed_lookups_are_kept_when_the_caller_rolls_back(engine, world_session):
    """The page's session rolls back on the error: the failure must still count (it did not)."""
    from sqlmodel import Session
    s, _world = world_session
    case = factories.case(s, status=S.in_progress, received_at=NOW, reporter_phone="13812345678")
    s.commit()
    for _ in range(intake.LOOKUP_FAILS_PER_CODE):
        with Session(engine) as page, pytest.raises(DomainError):
            lookup(page, case.tracking_code, "0000")
            page.commit()  # never reached: the error leaves, the session closes and rolls back
    with Session(engine) as page, pytest.raises(DomainError) as locked:
        lookup(page, case.tracking_code, "5678")
    assert locked.value.key == "error.lookup_locked"


def test_one_client_guessing_many_codes_is_stopped_whatever_its_sessions(world_session):
    s, _world = world_session
    for n in range(intake.LOOKUP_FAILS_PER_CLIENT):
        with pytest.raises(DomainError) as refused:
            lookup(s, f"MQ-2026-{n:06d}", "1234", client="203.0.113.7")
        assert refused.value.key == "error.lookup_no_match"
    with pytest.raises(DomainError) as stopped:
        lookup(s, "MQ-2026-999999", "1234", client="203.0.113.7")
    assert stopped.value.key == "error.lookup_session_limit"
    with pytest.raises(DomainError) as other:  # another client is not stopped by this one
        lookup(s, "MQ-2026-999999", "1234", client="198.51.100.2")
    assert other.value.key == "error.lookup_no_match"
    with pytest.raises(DomainError) as bad:
        lookup(s, "MQ-2026-000001", "12a4")
    assert bad.value.key == "error.lookup_input"


def test_a_report_with_markup_is_stored_as_typed(world_session):
    s, world = world_session
    case = liaison_report(s, world, content="<script>alert('x')</script>路灯不亮")
    assert s.get(Case, case.id).content == "<script>alert('x')</script>路灯不亮"


def test_control_characters_typed_or_pasted_are_dropped_newlines_kept(world_session):
    s, world = world_session
    case = liaison_report(s, world, who="张\x0b三", content="路灯坏了\x0b两个月\x00，\n晚上\t很黑")
    assert (case.reporter_name, case.content) == ("张三", "路灯坏了两个月，\n晚上\t很黑")


def test_full_width_digits_typed_on_a_phone_are_read_as_digits():
    assert intake.normalize_phone("１３８１２３４５６７８") == "13812345678"
    assert intake.normalize_phone("０８５１－６６２１２３４") == "0851-6621234"
