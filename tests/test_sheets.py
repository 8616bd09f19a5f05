"""The printable sheets carry the unit, deadline, instruction and tracking code, escape what
residents wrote, and come out as well-formed HTML."""
from datetime import timedelta
from html.parser import HTMLParser


from core import auth, casefile, services, sheets
from core.models import Channel, Priority, Role, Tier, Truthfulness
from tests.world import NOW


class Balanced(HTMLParser):
    VOID = {"meta", "br"}

    def __init__(self):
        super().__init__()
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> str:
    parser = Balanced()
    parser.feed(html)
    assert parser.stack == []
    return "".join(parser.text)


def test_dispatch_notice_and_report_sheet(world_session):
    s, world = world_session
    users = world.users
    case = services.register(s, actor=users[Role.clerk], now=NOW, channel=Channel.hotline,
                             content="<script>alert('x')</script>路灯不亮", reporter_name="王五",
                             reporter_phone="17000002222", village_id=world.units["village"])
    case = services.draft(s, case_id=case.id, actor=users[Role.clerk], now=NOW, expected_version=1,
                          category_id=world.category_id, tier=Tier.unit, priority=Priority.easy,
                          unit_id=world.units["dept"], handling_opinion="建议交县水利局办理")
    case = services.order(s, case_id=case.id, actor=users[Role.leader], now=NOW, expected_version=2,
                          instruction="请三日内办结")
    clerk_view = casefile.open_case(s, user=auth.load_current_user(s, "w_clerk"), tracking_code=case.tracking_code)
    notice = sheets.dispatch_notice(clerk_view, issuer="民情民意联络中心")
    assert "<script>" not in notice and "&lt;script&gt;" in notice
    text = parsed(notice)
    for expected in (case.tracking_code, "县水利局", "2026年11月25日 23:59", "请三日内办结", "王五 17000002222"):
        assert expected in text, expected
    leader_view = casefile.open_case(s, user=auth.load_current_user(s, "w_leader"), tracking_code=case.tracking_code)
    assert "17000002222" not in parsed(sheets.dispatch_notice(leader_view, issuer="x"))  # masked for leaders
    case = services.accept(s, case_id=case.id, actor=users[Role.unit_handler], now=NOW, expected_version=3)
    services.report(s, case_id=case.id, actor=users[Role.unit_handler], now=NOW + timedelta(hours=2),
                    expected_version=4, truthful=Truthfulness.partly, cause="线路老化", measures="更换灯具",
                    result="已恢复照明", liaison_opinion="同意", responsible_person="张科长")
    view = casefile.open_case(s, user=auth.load_current_user(s, "w_super"), tracking_code=case.tracking_code)
    text = parsed(sheets.handling_report_sheet(view, issuer="民情民意联络中心"))
    for expected in ("部分属实", "线路老化", "更换灯具", "已恢复照明", "张科长", "已报结待审"):
        assert expected in text, expected
