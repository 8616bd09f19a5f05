"""A deterministic demo pilot county: units, leaders, liaisons, households, demo accounts and
cases over the last six months in every stage, with the event log that led there.

Generated fiction only: names are drawn from common surname and given-name characters, phones
from the 170 virtual-operator range, places are invented. Same seed and same `today` → same data.
Cases and events are bulk-inserted (SQLAlchemy Core, chunks) so a million cases is practical.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core import auth, deadlines, rollup, search
from core.suggest import seed_keyword_rules
from core.templates import seed_defaults as seed_text_templates
from core.db import bulk_insert, session_scope, without_gc
from core.models import (AppSetting, CallbackCheck, Case, CaseAction as A, CaseEvent, CaseStatus as S, Category, Channel, Extension,
                         ExtensionStatus, HandlingReport, Household, HouseholdCategory, HouseholdTag, Leader, LeaderPortfolio, Liaison,
                         LiaisonSource, Priority, Rating, ReceptionDay, ReceptionKind, ReceptionRule, ReceptionRuleLeader,
                         Recurrence, ReturnReason, Role, Tier, Truthfulness, Unit, UnitKind, User, Visit)
from core.services import tracking_code

DEMO_PASSWORD = "demo1234"
COUNTY_NAME = "青岚县"
CHUNK = 5_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_NAMES = ("伟 芳 敏 静 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 秀英 秀兰 桂英 建国 建华 志强 文辉 海燕 春梅 德明 "
               "国庆 福贵 金花 宝珍 永红 晓东 春生 秋菊 冬梅 树林 长青 小龙 家豪 子涵 雨桐 思远 振华 玉兰 红梅 建军 国强 "
               "淑芬 桂兰 德胜 学文 光明 晓燕 丽华 海涛 志刚 永福 凤英 秀珍 玉梅 成林 俊杰 欣怡 浩然 佳怡 文军 兴旺").split()
TOWNSHIPS = [("城关镇", UnitKind.township), ("青石镇", UnitKind.township), ("河西乡", UnitKind.township),
             ("桃源镇", UnitKind.township), ("白沙乡", UnitKind.township), ("龙潭镇", UnitKind.township),
             ("东城社区", UnitKind.community), ("南门社区", UnitKind.community)]
VILLAGE_FIRST = "东西南北上下新老大小前后高石柳杏梨枣松竹梅荷金银杨李王马黄陈"
VILLAGE_SECOND = "坪湾沟岭庄河坝营寨塘口桥岗冲垭"
DEPARTMENTS = [
    ("县委办公室", "WB"), ("县政府办公室", "ZB"), ("县纪委监委", "JW"), ("县发展和改革局", "FG"),
    ("县教育局", "JY"), ("县公安局", "GA"), ("县民政局", "MZ"), ("县司法局", "SF"), ("县财政局", "CZ"),
    ("县人力资源和社会保障局", "RS"), ("县自然资源局", "ZR"), ("县生态环境局", "HJ"),
    ("县住房和城乡建设局", "ZJ"), ("县交通运输局", "JT"), ("县水利局", "SL"), ("县农业农村局", "NY"),
    ("县卫生健康局", "WJ"), ("县退役军人事务局", "TY"), ("县应急管理局", "YJ"),
    ("县市场监督管理局", "SC"), ("县医疗保障局", "YB"), ("县城市管理局", "CG"), ("县信访局", "XF"),
    ("县乡村振兴局", "XC"), ("县林业局", "LY"),
]
ENTERPRISES = [("县供电公司", "GD"), ("县自来水公司", "ZLS")]
# code, zh, en, default unit code, tier, weight, content templates
CATEGORIES = [
    ("subsistence", "低保", "Subsistence allowance", "MZ", Tier.unit, 10,
     ["{who}家中{reason}，生活困难，申请纳入低保，请尽快入户核查。", "{who}反映低保评定不公开，要求公示评定名单。",
      "{who}的低保金本月未按时发放，请核实原因。"]),
    ("medical", "看病就医", "Medical care", "WJ", Tier.unit, 9,
     ["{who}反映村卫生室经常无人值守，老人看病要跑到镇上。", "{who}慢性病门诊报销手续繁琐，希望简化。",
      "{who}家属住院费用结算迟迟未到账，请协调医保部门。"]),
    ("schooling", "上学读书", "Schooling", "JY", Tier.unit, 7,
     ["{who}的孩子随迁入学未被安排学位，请协调。", "{who}反映村小校车停运，学生上学需步行四公里。",
      "{who}家庭困难，孩子申请助学金未获答复。"]),
    ("housing", "住房", "Housing", "ZJ", Tier.unit, 8,
     ["{who}的房屋墙体开裂，雨季存在安全隐患，申请危房改造。", "{who}反映安置房交房延期一年仍未交付。",
      "{who}申请公租房已三个月无人联系。"]),
    ("water", "饮水", "Drinking water", "SL", Tier.unit, 8,
     ["{place}自来水近一周时断时续，水质发黄，群众饮水困难。", "{who}反映组里饮水管道破裂漏水，无人维修。",
      "{place}旱季水源不足，请求增加供水时段。"]),
    ("roads", "道路交通", "Roads and traffic", "JT", Tier.unit, 9,
     ["{place}通组公路坑洼严重，雨天无法通行。", "{who}反映村口路段缺少减速带和警示牌，多次发生险情。",
      "{place}桥梁护栏损坏，请尽快修复。"]),
    ("land", "土地", "Land", "ZR", Tier.unit, 6,
     ["{who}反映承包地被占用修路，补偿款至今未到位。", "{who}与邻组因土地边界发生纠纷，请求调处。",
      "{who}的承包地确权面积与实际不符，申请更正。"]),
    ("homestead", "宅基地", "Homestead", "ZR", Tier.unit, 5,
     ["{who}申请宅基地建房审批已两个月没有结果。", "{who}反映邻居建房占用其宅基地，请求处理。"]),
    ("sanitation", "环境卫生", "Environment and sanitation", "HJ", Tier.unit, 9,
     ["{place}垃圾收运不及时，村口垃圾堆积发臭。", "{who}反映附近养殖场污水直排河沟，气味难闻。",
      "{place}公厕长期无人保洁。"]),
    ("public_order", "治安", "Public order", "GA", Tier.unit, 6,
     ["{place}夜间有人聚众赌博，影响村民休息。", "{who}家中电动车被盗，报警后无进展。",
      "{who}反映有人以保健品名义向老人推销诈骗。"]),
    ("labour", "劳动保障", "Labour and social security", "RS", Tier.unit, 8,
     ["{who}在工地务工被拖欠工资三个月，请求帮助讨薪。", "{who}养老保险缴费年限计算有误，请核实。",
      "{who}反映公益性岗位工资未按时发放。"]),
    ("conduct", "干部作风", "Officials' conduct", "JW", Tier.unit, 4,
     ["{who}反映村干部办事推诿，多次上门未予办理。", "{who}反映某窗口工作人员态度生硬，办事需反复跑。"]),
]
REASONS = ["因病致贫", "主要劳动力残疾", "遭遇车祸", "老人独居无收入", "孩子上学开支大", "房屋受灾"]
LEADER_TITLES = [
    ("县委书记", "主持县委全面工作"), ("县长", "主持县政府全面工作"), ("县委副书记", "协助书记分管党建和乡村振兴"),
    ("常务副县长", "分管财政、发改、人社"), ("副县长", "分管教育、卫生健康、医保"), ("副县长", "分管住建、交通、城管"),
    ("副县长", "分管农业农村、水利、林业"), ("副县长、公安局长", "分管公安、司法、应急"),
    ("县委常委、纪委书记", "分管纪检监察"), ("县委常委、组织部长", "分管组织、人才"),
    ("县委常委、宣传部长", "分管宣传、文化旅游"), ("县委常委、政法委书记", "分管政法、信访维稳"),
    ("县委常委、统战部长", "分管统战、民族宗教"), ("县人大常委会主任", "主持县人大常委会工作"),
    ("县政协主席", "主持县政协工作"), ("县检察院检察长", "主持县检察院工作"), ("县法院院长", "主持县法院工作"),
    ("县司法局局长", "主持县司法局工作"), ("县信访局局长", "主持县信访局工作"), ("县民政局局长", "主持县民政局工作"),
]
# 分管: the categories each leader of LEADER_TITLES is in charge of (by index); the county's leaders
# are also linked to townships in turn (包联), from the 县委副书记 on
PORTFOLIO_CATEGORIES = {3: ("subsistence", "labour"), 4: ("medical", "schooling"), 5: ("housing", "roads", "sanitation"),
                        6: ("water", "land", "homestead"), 7: ("public_order",), 8: ("conduct",)}
CHANNEL_WEIGHTS = [(Channel.liaison_form, 38), (Channel.hotline, 22), (Channel.mailbox, 6), (Channel.survey, 4),
                   (Channel.forum, 5), (Channel.visit, 10), (Channel.reception, 10), (Channel.direct_report, 5)]


@dataclass
class DemoAccount:
    username: str
    display_name: str
    roles: set[Role]
    unit_code: str | None = None
    leader_index: int | None = None
    liaison_index: int | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "系统管理员", {Role.admin}),
    DemoAccount("clerk", "值班员 周敏", {Role.clerk}),
    DemoAccount("supervisor", "督办室 吴刚", {Role.supervisor}),
    DemoAccount("director", "中心主任 郑华", {Role.clerk, Role.supervisor}),
    DemoAccount("leader", "县长", {Role.leader}, leader_index=1),
    DemoAccount("leader2", "副县长", {Role.leader}, leader_index=5),
    DemoAccount("unit_health", "卫健局 经办人", {Role.unit_handler}, unit_code="WJ"),
    DemoAccount("unit_housing", "住建局 经办人", {Role.unit_handler}, unit_code="ZJ"),
    DemoAccount("unit_town", "青石镇 经办人", {Role.unit_handler}, unit_code="T02"),
    DemoAccount("liaison", "联络员", {Role.liaison}, liaison_index=0),
    DemoAccount("liaison2", "联络员", {Role.liaison}, liaison_index=1),
]


@dataclass
class County:
    """Ids of what the cases refer to, kept in memory while the cases are generated."""

    county_id: int
    township_ids: list[int]
    villages: list[tuple[int, int, str]]  # (village id, township id, name)
    unit_by_code: dict[str, int]
    categories: list[tuple[int, str, int, Tier, int, list[str]]]  # id, code, unit id, tier, weight, templates
    leader_ids: list[int]
    leader_user: dict[int, tuple[int, str]]
    leader_names: dict[int, str]
    liaisons_by_village: dict[int, list[int]]
    liaison_user: dict[int, tuple[int, str]]
    unit_user: dict[int, tuple[int, str]]
    unit_names: dict[int, str]
    liaison_village: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    users_by_role: dict[Role, tuple[int, str]] = field(default_factory=dict)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def phone_number(rng: random.Random) -> str:
    return "170" + "".join(rng.choice("0123456789") for _ in range(8))


def build_county(session: Session, rng: random.Random, today: date) -> County:
    now = datetime.combine(today, time(8, 0))
    county = Unit(name=COUNTY_NAME, kind=UnitKind.county, code="C")
    session.add(county)
    session.flush()
    unit_by_code: dict[str, int] = {}
    township_ids, villages = [], []
    used_names: set[str] = set()
    for t_index, (t_name, t_kind) in enumerate(TOWNSHIPS, start=1):
        township = Unit(name=t_name, kind=t_kind, parent_id=county.id, code=f"T{t_index:02d}", sort_order=t_index)
        session.add(township)
        session.flush()
        township_ids.append(township.id)
        unit_by_code[township.code] = township.id
        for v_index in range(1, 9 if t_kind == UnitKind.township else 7):
            while True:
                stem = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND)
                v_name = stem + ("村" if t_kind == UnitKind.township else "小区")
                if v_name not in used_names:
                    used_names.add(v_name)
                    break
            village = Unit(name=v_name, kind=UnitKind.village, parent_id=township.id,
                           code=f"T{t_index:02d}V{v_index:02d}", sort_order=v_index)
            session.add(village)
            session.flush()
            villages.append((village.id, township.id, v_name))
    for sort, (name, code) in enumerate(DEPARTMENTS + ENTERPRISES, start=100):
        kind = UnitKind.enterprise if (name, code) in ENTERPRISES else UnitKind.department
        unit = Unit(name=name, kind=kind, parent_id=county.id, code=code, sort_order=sort,
                    phone="0000-" + f"{sort:07d}")
        session.add(unit)
        session.flush()
        unit_by_code[code] = unit.id

    categories = []
    for sort, (code, zh, en, unit_code, tier, weight, templates) in enumerate(CATEGORIES):
        cat = Category(code=code, name_zh=zh, name_en=en, default_unit_id=unit_by_code[unit_code],
                       default_tier=tier, sort_order=sort)
        session.add(cat)
        session.flush()
        categories.append((cat.id, code, cat.default_unit_id, tier, weight, templates))

    leader_ids, leader_names = [], {}
    for order, (title, duties) in enumerate(LEADER_TITLES):
        leader = Leader(name=person_name(rng), title=title, duties=duties, unit_id=county.id, rotation_order=order)
        session.add(leader)
        session.flush()
        leader_ids.append(leader.id)
        leader_names[leader.id] = leader.name
    category_by_code = {code: cid for cid, code, *_rest in categories}
    for index, codes in PORTFOLIO_CATEGORIES.items():
        session.add_all(LeaderPortfolio(leader_id=leader_ids[index], category_id=category_by_code[code])
                        for code in codes if code in category_by_code)
    for position, town_id in enumerate(township_ids):
        session.add(LeaderPortfolio(leader_id=leader_ids[2 + position % 6], township_id=town_id))

    liaisons_by_village: dict[int, list[int]] = {}
    liaison_ids: list[int] = []
    sources = list(LiaisonSource)
    number = 0
    for v_id, _t_id, _name in villages:
        for _ in range(rng.choice((2, 2, 3, 3, 3))):
            number += 1
            liaison = Liaison(name=person_name(rng), phone=phone_number(rng), station_id=v_id,
                              source=rng.choice(sources), appointment_no=f"QL-LY-{number:04d}",
                              appointed_on=today - timedelta(days=rng.randint(60, 900)))
            session.add(liaison)
            session.flush()
            liaisons_by_village.setdefault(v_id, []).append(liaison.id)
            liaison_ids.append(liaison.id)

    # the first twelve kinds, in their first order: the demo's random stream (and so every case after
    # it) stays as it was when there were only these; _party_members adds the later kinds
    household_categories = [HouseholdCategory(k) for k in (
        "assisted", "three_nos", "empty_nest", "petitioner", "representative", "extreme_poverty", "old_party_member",
        "left_behind", "big_grower", "subsistence", "disabled", "living_alone")]
    for v_id, _t_id, v_name in villages:
        for _ in range(rng.randint(3, 6)):
            head, phone, group = person_name(rng), phone_number(rng), f"{rng.randint(1, 9)}组"
            household = Household(village_id=v_id, head_name=head, phone=phone, group_name=group,
                                  address=f"{v_name}{group}{rng.randint(1, 60)}号", members=rng.randint(1, 6))
            session.add(household)
            session.flush()
            for category in rng.sample(household_categories, rng.choice((1, 1, 2))):
                session.add(HouseholdTag(household_id=household.id, category=category))
            for _ in range(rng.randint(0, 2)):
                session.add(Visit(household_id=household.id, visitor_name=person_name(rng),
                                  visited_on=today - timedelta(days=rng.randint(1, 170)),
                                  notes="入户走访，了解生产生活情况，宣传惠民政策。"))

    county_data = County(county_id=county.id, township_ids=township_ids, villages=villages,
                         unit_by_code=unit_by_code, categories=categories, leader_ids=leader_ids,
                         leader_user={}, leader_names=leader_names, liaisons_by_village=liaisons_by_village,
                         liaison_user={}, unit_user={},
                         unit_names={u.id: u.name for u in session.exec(select(Unit)).all()})
    _demo_accounts(session, county_data, liaison_ids, now)
    _reception_rules(session, county_data, township_ids)
    seed_text_templates(session, now=now)
    seed_keyword_rules(session, now=now)
    return county_data


def _demo_accounts(session: Session, county: County, liaison_ids: list[int], now: datetime) -> None:
    for account in DEMO_ACCOUNTS:
        name = account.display_name
        unit_id = county.unit_by_code.get(account.unit_code) if account.unit_code else None
        leader = session.get(Leader, county.leader_ids[account.leader_index]) if account.leader_index is not None else None
        liaison = session.get(Liaison, liaison_ids[account.liaison_index]) if account.liaison_index is not None else None
        if leader is not None:
            name = f"{leader.name}（{leader.title}）"
        if liaison is not None:
            name = liaison.name
        user = auth.create_user(session, actor=None, username=account.username, display_name=name,
                                password=DEMO_PASSWORD, roles=set(account.roles), now=now, unit_id=unit_id,
                                station_id=liaison.station_id if liaison else None, must_change_password=False,
                                leader_id=leader.id if leader is not None else None)
        session.flush()
        if leader is not None:  # create_user(leader_id=…) linked the account to the demo's leader
            county.leader_user[leader.id] = (user.id, user.display_name)
        if liaison is not None:
            # the account must hold the demo's liaison record, not another one create_user found or made
            for extra in session.exec(select(Liaison).where(Liaison.user_id == user.id, Liaison.id != liaison.id)).all():
                session.delete(extra)
            session.flush()
            liaison.user_id = user.id
            county.liaison_user[liaison.id] = (user.id, user.display_name)
            county.liaison_village[liaison.id] = next(v for v in county.villages if v[0] == liaison.station_id)
        if unit_id is not None:
            county.unit_user[unit_id] = (user.id, user.display_name)
        for role in account.roles:
            county.users_by_role.setdefault(role, (user.id, user.display_name))
    session.flush()


def _reception_rules(session: Session, county: County, township_ids: list[int]) -> None:
    """The seeds' schedule (S1, S4): community visits on the 10th and 25th at 18:00, township
    visits those afternoons, main leaders every Monday, the five chiefs on the 10th, the leader in
    charge on the 15th, townships on Tuesdays and Wednesdays."""
    rules = [
        ("县领导进社区接访", ReceptionKind.community_visit, Recurrence.monthly, "10,25", time(18, 0), None,
         "社区党群服务中心", "县信访局、县民政局", "倾听社区居民诉求", county.leader_ids[2:9]),
        ("县领导进乡镇接访", ReceptionKind.township_visit, Recurrence.monthly, "10,25", time(14, 30), None,
         "乡镇便民服务中心", "县信访局、相关县直部门", "现场受理乡镇群众诉求", county.leader_ids[3:13]),
        ("主要领导接访日", ReceptionKind.leader_weekly, Recurrence.weekly, "1", time(9, 0), None,
         "县群众来访接待中心", "县信访局", "主要领导公开接访", county.leader_ids[0:2]),
        ("公检法司信五长联合接访", ReceptionKind.five_chiefs, Recurrence.monthly, "10", time(9, 0), None,
         "县群众来访接待中心", "县公安局、县检察院、县法院、县司法局、县信访局", "涉法涉诉问题", county.leader_ids[7:8] + county.leader_ids[15:19]),
        ("分管领导联合接访", ReceptionKind.joint_in_charge, Recurrence.monthly, "15", time(9, 0), None,
         "县群众来访接待中心", "分管部门", "分管领域群众诉求", county.leader_ids[3:8]),
        ("乡镇接访日", ReceptionKind.township_weekly, Recurrence.weekly, "2,3", time(9, 0), township_ids[1],
         "青石镇便民服务中心", "镇综治中心", "乡镇党政领导轮流接访", county.leader_ids[12:14]),
    ]
    for name, kind, recurrence, days, start, unit_id, place, units, subject, leaders in rules:
        rule = ReceptionRule(name=name, kind=kind, recurrence=recurrence, days=days, start_time=start,
                             unit_id=unit_id, place=place, accompanying_units=units, subject=subject, notice_days=7)
        session.add(rule)
        session.flush()
        for position, leader_id in enumerate(leaders):
            session.add(ReceptionRuleLeader(rule_id=rule.id, leader_id=leader_id, position=position))


@dataclass
class _Step:
    action: A
    to_status: S
    actor: tuple[int | None, str, str]
    details: dict


class _CaseBuilder:
    """Walks one case through its life until its planned end or until `now`."""

    def __init__(self, rng: random.Random, county: County, now: datetime) -> None:
        self.rng = rng
        self.county = county
        self.now = now
        self.clerk = county.users_by_role.get(Role.clerk, (None, "值班员"))
        self.supervisor = county.users_by_role.get(Role.supervisor, (None, "督办室"))
        self.category_weights = [c[4] for c in county.categories]
        self.channels = [c for c, _ in CHANNEL_WEIGHTS]
        self.channel_weights = [w for _, w in CHANNEL_WEIGHTS]
        self.department_ids = [county.unit_by_code[code] for _name, code in DEPARTMENTS]
        self.reports: list[dict] = []
        self.extensions: list[dict] = []

    def _later(self, at: datetime, low_hours: float, high_hours: float) -> datetime:
        return at + timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def build(self, received_at: datetime, recent: dict) -> tuple[dict, list[dict]]:
        """`recent`: (village, category) → the last case there, a candidate master for a duplicate.
        Handling reports and extensions of the case are left in self.reports / self.extensions."""
        self.reports, self.extensions = [], []
        rng, county = self.rng, self.county
        village_id, township_id, village_name = rng.choice(county.villages)
        cat_id, cat_code, unit_id, tier, _w, templates = rng.choices(county.categories, self.category_weights)[0]
        channel = rng.choices(self.channels, self.channel_weights)[0]
        liaison_id = None
        if county.liaison_user and rng.random() < 0.03:
            # the demo liaison accounts are busy reporters, so their pages show real work
            liaison_id = rng.choice(sorted(county.liaison_user))
            village_id, township_id, village_name = county.liaison_village[liaison_id]
            channel = Channel.liaison_form
        reporter = person_name(rng)
        resident = "居民" if village_name.endswith("小区") else "村民"
        content = rng.choice(templates).format(who=f"{village_name}{resident}{reporter}", place=village_name,
                                               reason=rng.choice(REASONS))
        if liaison_id is None and channel == Channel.liaison_form and county.liaisons_by_village.get(village_id):
            liaison_id = rng.choice(county.liaisons_by_village[village_id])
        is_major = rng.random() < 0.05
        is_urgent = rng.random() < 0.04
        owner = None
        if channel == Channel.reception or is_major:
            # the demo leader accounts receive their share, so their desks are not empty
            demo_leaders = sorted(county.leader_user)
            owner = rng.choice(demo_leaders if demo_leaders and rng.random() < 0.3 else county.leader_ids)
        case = dict(channel=channel, status=S.received, title=content[:28] + ("…" if len(content) > 28 else ""),
                    content=content, reporter_name=reporter, reporter_phone=phone_number(rng),
                    reporter_address=f"{village_name}{rng.randint(1, 9)}组", affected_count=rng.choice((1, 1, 1, 2, 5, 30)),
                    township_id=township_id, village_id=village_id, category_id=cat_id, unit_id=None,
                    tier=None, priority=None, is_urgent=is_urgent, is_major=is_major, on_supervision_register=False,
                    liaison_id=liaison_id, owner_leader_id=owner, master_case_id=None, reception_day_id=None,
                    handling_opinion=None, instruction=None, result_summary=None, received_at=received_at,
                    drafted_at=None, dispatched_at=None, accepted_at=None, reported_at=None, approved_at=None,
                    fed_back_at=None, rated_at=None, followed_up_at=None, closed_at=None, due_at=None,
                    first_rating=None, rating=None, return_count=0, consecutive_returns=0, imported=False,
                    misroute_count=0, circular_due=False, follow_up_note=None, responsible_signoff=None,
                    leader_signoff=None,
                    created_by_id=None, version=1)
        events: list[dict] = []
        registrar = county.liaison_user.get(liaison_id, (None, "联络员", "liaison")) if liaison_id else self.clerk
        reg_role = "liaison" if liaison_id else "clerk"
        self._event(events, case, received_at, A.register, S.received, (registrar[0], registrar[1], reg_role),
                    {"intake_channel": str(channel)})
        master = recent.get((village_id, cat_id))
        if master is not None and rng.random() < 0.04 and received_at - master[1] < timedelta(days=30):
            at = self._later(received_at, 0.2, 6)
            if at < self.now:
                case["master_case_id"] = master[0]
                self._event(events, case, at, A.merge, S.merged, (*self.clerk, "clerk"),
                            {"master": master[2], "reason": "同村同类重复反映"})
                return case, events
        self._walk(case, events, tier, unit_id, cat_code)
        return case, events

    def _event(self, events: list[dict], case: dict, at: datetime, action: A, to_status: S,
               actor: tuple, details: dict) -> None:
        events.append(dict(at=at, actor_id=actor[0], actor_name=actor[1], actor_role=actor[2], action=action,
                           from_status=None if action == A.register else case["status"], to_status=to_status,
                           details=details, imported=False))
        case["status"] = to_status
        case["version"] = len(events)

    def _walk(self, case: dict, events: list[dict], tier: Tier, unit_id: int, cat_code: str) -> None:
        rng, now = self.rng, self.now
        clerk = (*self.clerk, "clerk")
        supervisor = (*self.supervisor, "supervisor")
        owner = case["owner_leader_id"] or rng.choice(self.county.leader_ids)
        leader_user = self.county.leader_user.get(owner, (None, self.county.leader_names[owner]))
        leader = (*leader_user, "leader")
        unit_actor = (*self.county.unit_user.get(unit_id, (None, "承办单位经办人")), "unit_handler")
        stuck = rng.random() < 0.06  # some cases stall somewhere: they become the overdue ones
        at = case["received_at"]

        def step(low: float, high: float) -> datetime | None:
            nonlocal at
            nxt = self._later(at, low, high)
            if nxt >= now:
                return None
            at = nxt
            return at

        if case["channel"] == Channel.reception and rng.random() < 0.2:
            if step(0.1, 1) is None:
                return
            case.update(tier=Tier.on_spot, handling_opinion="接访领导现场答复，群众表示理解。",
                        result_summary="现场答复，依据政策作出解释。", closed_at=at, followed_up_at=at,
                        follow_up_note="当场征询群众意见，群众表示理解。", responsible_signoff=person_name(rng),
                        leader_signoff=leader[1])
            self._event(events, case, at, A.answer_on_spot, S.closed, leader,
                        {"answer": case["result_summary"], "follow_up": case["follow_up_note"],
                         "signed_by": [case["responsible_signoff"], leader[1]]})
            return
        if stuck and rng.random() < 0.1 or step(0.3, 40) is None:
            return
        if rng.random() < 0.03:
            case.update(closed_at=at, result_summary="诉求不符合政策规定，已当面解释，群众表示理解。")
            self._event(events, case, at, A.explain_and_close, S.explained, clerk,
                        {"reason": "不合理诉求，已解释"})
            return
        priority = Priority.urgent if case["is_urgent"] else rng.choice([Priority.easy, Priority.hard, Priority.easy,
                                                                        Priority.special])
        actual_tier = Tier.direct if rng.random() < 0.08 else tier
        case.update(drafted_at=at, unit_id=unit_id, tier=actual_tier, priority=priority,
                    handling_opinion=f"建议交{self.county.unit_names[unit_id]}按职责办理，{deadlines.WORKING_DAYS_BY_TIER[actual_tier] or '当日'}"
                                     f"{'个工作日内' if deadlines.WORKING_DAYS_BY_TIER[actual_tier] else ''}反馈结果。")
        self._event(events, case, at, A.draft, S.drafted, clerk,
                    {"category_id": case["category_id"], "unit_id": unit_id, "tier": str(actual_tier),
                     "priority": str(priority), "handling_opinion": case["handling_opinion"]})
        if stuck and rng.random() < 0.15 or step(0.5, 30) is None:
            return
        case.update(dispatched_at=at, instruction="请按时限办结并反馈，确保群众满意。",
                    due_at=deadlines.due_at(tier=actual_tier, start=at, major=case["is_major"],
                                            from_reception=case["channel"] == Channel.reception,
                                            received_at=case["received_at"]))
        if case["is_major"]:
            case["on_supervision_register"] = True
        self._event(events, case, at, A.order, S.dispatched, leader,
                    {"instruction": case["instruction"], "due_at": case["due_at"].isoformat(timespec="minutes")})
        if stuck and rng.random() < 0.3 or step(0.5, 30) is None:
            self._maybe_supervise(case, events, supervisor)
            return
        if rng.random() < 0.03:  # misrouted: the unit declines, the center re-drafts and re-orders
            case.update(misroute_count=1, unit_id=None, due_at=None)
            self._event(events, case, at, A.decline, S.drafted, unit_actor,
                        {"reason": "不属于本单位职责范围", "unit_id": unit_id})
            unit_id = rng.choice(self.department_ids)
            unit_actor = (*self.county.unit_user.get(unit_id, (None, "承办单位经办人")), "unit_handler")
            if step(0.5, 8) is None:
                return
            case["unit_id"] = unit_id
            self._event(events, case, at, A.draft, S.drafted, clerk, {"unit_id": unit_id, "redraft": True})
            if step(0.5, 8) is None:
                return
            case["due_at"] = deadlines.due_at(tier=actual_tier, start=at, major=case["is_major"],
                                              from_reception=case["channel"] == Channel.reception,
                                            received_at=case["received_at"])
            self._event(events, case, at, A.order, S.dispatched, leader,
                        {"unit_id": unit_id, "due_at": case["due_at"].isoformat(timespec="minutes")})
            if step(0.5, 30) is None:
                return
        case["accepted_at"] = at
        self._event(events, case, at, A.accept, S.in_progress, unit_actor, {})
        if rng.random() < 0.05:
            new_due = datetime.combine(deadlines.add_working_days(case["due_at"].date(), 5), deadlines.END_OF_DAY)
            if step(1, 20) is None:
                return
            extension = dict(requested_at=at, requested_by_id=unit_actor[0], old_due_at=case["due_at"],
                             requested_due_at=new_due, reason="需协调多个部门现场核查", status=ExtensionStatus.pending,
                             decided_at=None, decided_by_id=None)
            self.extensions.append(extension)
            self._event(events, case, at, A.request_extension, S.in_progress, unit_actor,
                        {"reason": extension["reason"], "requested_due_at": new_due.isoformat(timespec="minutes")})
            if step(1, 10) is None:
                return
            extension.update(status=ExtensionStatus.approved, decided_at=at, decided_by_id=supervisor[0])
            case["due_at"] = new_due
            self._event(events, case, at, A.approve_extension, S.in_progress, supervisor,
                        {"due_at": new_due.isoformat(timespec="minutes")})
        for round_no in range(3):
            late = stuck or rng.random() < 0.1
            if late:
                if step(60, 300) is None:
                    self._maybe_supervise(case, events, supervisor)
                    return
            elif step(4, 60) is None:
                return
            result = rng.choice(["经现场核实，情况属实，已协调解决。", "已组织人员维修完毕，群众已确认。",
                                 "经调查部分属实，已按政策办理并告知当事人。", "已纳入年度计划，近期先行采取临时措施。"])
            report = dict(unit_id=unit_id, round=len(self.reports) + 1,
                          truthful=rng.choice([Truthfulness.true, Truthfulness.true, Truthfulness.partly,
                                               Truthfulness.false]),
                          cause=rng.choice(["设施老化失修", "政策落实不到位", "部门之间衔接不畅", "群众对政策不了解"]),
                          measures=result, result=result, liaison_opinion=rng.choice(["同意", "情况属实，建议尽快办结"]),
                          responsible_person=person_name(rng), submitted_by_id=unit_actor[0], submitted_at=at,
                          approved=None, return_reason=None, review_note=None, reviewed_by_id=None, reviewed_at=None)
            self.reports.append(report)
            case.update(reported_at=at, result_summary=result, responsible_signoff=report["responsible_person"])
            self._event(events, case, at, A.report, S.reported, unit_actor,
                        {key: str(report[key]) for key in ("truthful", "cause", "measures", "result",
                                                          "liaison_opinion", "responsible_person")}
                        | {"round": report["round"]})
            if step(2, 30) is None:
                return
            if round_no < 2 and rng.random() < 0.12:
                case["return_count"] += 1
                case["consecutive_returns"] += 1
                reason = rng.choice([ReturnReason.incomplete, ReturnReason.evasive])
                report.update(approved=False, return_reason=reason, reviewed_by_id=supervisor[0], reviewed_at=at,
                              review_note="请补充完善后重新报结")
                self._event(events, case, at, A.return_for_redo, S.returned, supervisor,
                            {"reason": str(reason), "note": report["review_note"],
                             "consecutive_returns": case["consecutive_returns"], "circular_due": False})
                continue
            report.update(approved=True, reviewed_by_id=supervisor[0], reviewed_at=at)
            case.update(approved_at=at, consecutive_returns=0)
            self._event(events, case, at, A.approve, S.approved, supervisor, {})
            if step(1, 24) is None:
                return
            case["fed_back_at"] = at
            self._event(events, case, at, A.feedback, S.fed_back, clerk,
                        {"channel": "via_liaison", "text": "办理结果已告知联络员，由联络员转告群众。"})
            if step(4, 72) is None:
                return
            rating = rng.choices(list(Rating), [70, 20, 10])[0]
            case.update(rating=rating, rated_at=at, first_rating=case["first_rating"] or rating)
            if rating == Rating.dissatisfied:
                case["return_count"] += 1
                case["consecutive_returns"] += 1
                self._event(events, case, at, A.rate, S.returned,
                            (*self.county.liaison_user.get(case["liaison_id"], (None, "联络员")), "liaison"),
                            {"rating": str(rating), "second_handling": True})
                if round_no < 2:
                    continue
                return  # still not satisfied after three rounds: back with the unit, open
            self._event(events, case, at, A.rate, S.fed_back,
                        (*self.county.liaison_user.get(case["liaison_id"], (None, "联络员")), "liaison"),
                        {"rating": str(rating)})
            break
        else:
            return
        if case["status"] != S.fed_back or step(12, 120) is None:
            return
        case.update(followed_up_at=at, follow_up_note="电话回访，群众确认问题已解决。")
        self._event(events, case, at, A.follow_up, S.fed_back, clerk, {"note": case["follow_up_note"]})
        if step(1, 48) is None:
            return
        case.update(closed_at=at, leader_signoff=leader[1])
        self._event(events, case, at, A.close, S.closed, leader,
                    {"opinion": case["result_summary"], "signed_by": [case["responsible_signoff"], leader[1]]})

    def _maybe_supervise(self, case: dict, events: list[dict], supervisor: tuple) -> None:
        due = case["due_at"]
        if due is not None and due < self.now:
            at = min(self.now - timedelta(minutes=1), due + timedelta(hours=self.rng.uniform(9, 30)))
            if at > events[-1]["at"]:
                case["on_supervision_register"] = True
                self._event(events, case, at, A.supervise, case["status"], supervisor,
                            {"note": "已超过办理时限，请立即办理并说明原因。", "automatic": False})


def received_times(rng: random.Random, n: int, now: datetime, days: int = 182) -> list[datetime]:
    start = now - timedelta(days=days)
    span = (now - start).total_seconds()
    times = []
    for _ in range(n):
        t = start + timedelta(seconds=rng.random() * span)
        if t.weekday() >= 5 and rng.random() < 0.6:  # fewer reports at weekends
            t -= timedelta(days=2)
        hour = 8 + int(rng.random() ** 1.3 * 10)
        times.append(min(t.replace(hour=hour, minute=rng.randint(0, 59)), now - timedelta(minutes=5)))
    times.sort()
    return times


def generate_cases(engine: Engine, county: County, *, n: int, rng: random.Random, now: datetime,
                   progress: Callable[[int], None] | None = None) -> int:
    """Bulk-insert n cases and their events; returns the number of events written."""
    builder = _CaseBuilder(rng, county, now)
    case_table, event_table = Case.__table__, CaseEvent.__table__
    with engine.connect() as conn:
        max_id = conn.execute(sa.select(sa.func.max(case_table.c.id))).scalar() or 0
    recent: dict = {}
    written_events = 0
    next_id = max_id + 1
    times = received_times(rng, n, now)
    for chunk_start in range(0, n, CHUNK):
        case_rows, event_rows, report_rows, extension_rows = [], [], [], []
        with without_gc():  # tens of thousands of rows made per chunk: see db.without_gc
            for received_at in times[chunk_start:chunk_start + CHUNK]:
                case, events = builder.build(received_at, recent)
                case["id"] = next_id
                case["tracking_code"] = tracking_code(received_at.year, next_id)
                if case["status"] != S.merged:
                    recent[(case["village_id"], case["category_id"])] = (next_id, received_at, case["tracking_code"])
                for row in (*events, *builder.reports, *builder.extensions):
                    row["case_id"] = next_id
                report_rows.extend(builder.reports)
                extension_rows.extend(builder.extensions)
                case_rows.append(case)
                event_rows.extend(events)
                next_id += 1
        with engine.begin() as conn:
            with search.bulk(conn) as indexed:
                bulk_insert(conn, case_table, case_rows)
                indexed.extend(row["id"] for row in case_rows)
            rollup.record(conn, [row["id"] for row in case_rows])  # bulk: no flush hooks
            bulk_insert(conn, event_table, event_rows)
            if report_rows:
                bulk_insert(conn, HandlingReport.__table__, report_rows)
            if extension_rows:
                bulk_insert(conn, Extension.__table__, extension_rows)
        written_events += len(event_rows)
        if progress:
            progress(min(chunk_start + CHUNK, n))
    return written_events


def reset_postgres_sequences(engine: Engine) -> None:
    """Why: bulk inserts with explicit ids leave PostgreSQL's serial sequence behind."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), "
                             "COALESCE((SELECT MAX(id) FROM \"case\"), 1))"))


def has_data(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(User.id).limit(1)).first() is not None


MARKER = "demo.generated"  # an app_setting the generator writes: this database is made-up data


def is_demo_database(engine: Engine) -> bool:
    """Made by the demo generator: it carries the marker (or, made before the marker existed, its
    `clerk` still signs in with the public demo password)."""
    with Session(engine) as session:
        if session.get(AppSetting, MARKER) is not None:
            return True
    return bool(demo_passwords_in_use(engine, ["clerk"]))


def demo_passwords_in_use(engine: Engine, usernames: list[str] | None = None) -> list[str]:
    """The demo accounts (by name) that still sign in with the public demo password."""
    names = usernames or [a.username for a in DEMO_ACCOUNTS]
    with Session(engine) as session:
        users = session.exec(select(User).where(User.username.in_(names), User.active == True)).all()  # noqa: E712
    known = {u.username for u in users if auth.verify_password(DEMO_PASSWORD, u.password_hash)}
    return [name for name in names if name in known]


def reception_history(session: Session, county: County, rng: random.Random, now: datetime) -> None:
    """Sixty days of receptions as a county keeps them: leaders confirmed (a few substituted),
    notices a week ahead (a few late), attendance, and each day's reception cases filed in the
    leader's ledger as visitors; the coming week partly arranged, so the board has warnings;
    and an interview campaign (S3: 11月1日至6日, groups to every village of a township)."""
    from core import reception
    from core.models import ReceptionVisitor
    today = now.date()
    past = reception.occurrences(session, start=today - timedelta(days=60), end=today - timedelta(days=1))
    by_date: dict[date, list[ReceptionDay]] = {}
    for occ in past:
        row = reception.materialise(session, occ.key)
        row.leader_confirmed_at = datetime.combine(occ.date - timedelta(days=10), time(10, 0))
        if rng.random() < 0.08:
            row.substitute_leader_id = rng.choice([i for i in county.leader_ids if i != row.leader_id])
            row.unavailable_reason = rng.choice(["赴市参加会议", "外出招商", "带队督查"])
        late = rng.random() < 0.05
        row.notice_published_at = datetime.combine(occ.date - timedelta(days=5 if late else 8), time(9, 0))
        row.notice_leader_id = row.substitute_leader_id or row.leader_id
        row.attended_leader_id = row.notice_leader_id
        row.attendance = rng.randint(3, 25)
        by_date.setdefault(occ.date, []).append(row)
    session.flush()
    cases = session.exec(select(Case).where(Case.channel == Channel.reception,
                                            Case.received_at >= datetime.combine(today - timedelta(days=60), time()),
                                            Case.received_at < datetime.combine(today, time()))
                         .order_by(Case.id)).all()
    taken: dict[int, int] = {}
    for case in cases:
        days = [d for d in by_date.get(case.received_at.date(), []) if taken.get(d.id, 0) < 8]
        if not days:
            continue
        day = rng.choice(days)
        taken[day.id] = taken.get(day.id, 0) + 1
        case.reception_day_id, case.owner_leader_id = day.id, day.attended_leader_id
        answer = case.result_summary if case.tier == Tier.on_spot else ""
        session.add(ReceptionVisitor(reception_day_id=day.id, name=case.reporter_name or "", phone=case.reporter_phone,
                                     address=case.reporter_address or "", demand=case.content, on_site_answer=answer or "",
                                     case_id=case.id, recorded_at=case.received_at))
    try:
        coming = reception.occurrences(session, start=today, end=today + timedelta(days=13))
    except deadlines.CalendarUnknownError:
        coming = []  # near the year's end before the next year's calendar is out: leave them unarranged
    for occ in coming:
        if occ.date - today >= timedelta(days=10) or rng.random() < 0.3:
            continue  # not yet arranged
        row = reception.materialise(session, occ.key)
        row.leader_confirmed_at = now - timedelta(days=1)
        if occ.date - today > timedelta(days=2) or rng.random() < 0.7:
            row.notice_published_at = now - timedelta(days=1)
            row.notice_leader_id = row.leader_id
    session.flush()
    _interview_campaign(session, county, rng, now)


def _interview_campaign(session: Session, county: County, rng: random.Random, now: datetime) -> None:
    township_id = county.villages[0][1]
    villages = [v for v in county.villages if v[1] == township_id]
    first = date(now.year, 11, 2) if now.date() > date(now.year, 11, 10) else now.date() - timedelta(days=20)
    groups = county.leader_ids[12:20]
    for n, (village_id, _town, name) in enumerate(villages):
        day = first + timedelta(days=n % 5)
        leader_id = groups[n % len(groups)]
        session.add(ReceptionDay(
            kind=ReceptionKind.interview_day, campaign=f"{first.year}年{first.month}月群众访谈日",
            group_name=f"第{'一二三四五六七八'[n % 8]}组", original_date=day, actual_date=day, start_time=time(9, 0),
            leader_id=leader_id, attended_leader_id=leader_id, village_id=village_id, unit_id=township_id,
            place=f"{name}村委会", subject="问政于民、问计于民、问需于民、问效于民", notice_days=5,
            leader_confirmed_at=datetime.combine(day - timedelta(days=7), time(9, 0)),
            notice_published_at=datetime.combine(day - timedelta(days=6), time(9, 0)), notice_leader_id=leader_id,
            attendance=rng.choice([18, 26, 31, 34, 36, 41, 45]) if day < now.date() else 0))
    session.flush()


CLUSTER_CASES = 7


def _cluster(session: Session, county: County, rng: random.Random, now: datetime) -> None:
    """Drinking-water complaints from one village in two days — six cases and one repeat call the
    clerk merged: the dashboard's early warning (抓苗头) has a group problem to show."""
    from core import services
    clerk = auth.load_current_user(session, "clerk")
    village_id, township_id, name = county.villages[7]
    category = next(c for c in county.categories if c[1] == "water")
    cases = []
    for k in range(CLUSTER_CASES):
        who = person_name(rng)
        cases.append(services.register(
            session, actor=clerk, now=now - timedelta(hours=44 - 7 * k), channel=Channel.hotline,
            content=f"{name}村民{who}反映：自来水连续几天浑浊发黄，有异味，家里老人孩子不敢喝。", reporter_name=who,
            reporter_phone=phone_number(rng), township_id=township_id, village_id=village_id, category_id=category[0]))
    repeat = cases[-1]
    services.merge(session, case_id=repeat.id, actor=clerk, now=now - timedelta(hours=1),
                   expected_version=repeat.version, master_case_id=cases[0].id)


def _callback_checks(session: Session, rng: random.Random, now: datetime) -> None:
    """Last month's call-back sample, most calls made: residents mostly agree with the recorded
    rating, but one unit's residents are much less satisfied than its cases say — the flag a
    county should see on its dashboard."""
    from core import callback
    clerk = auth.load_current_user(session, "clerk")
    made = callback.draw(session, actor=clerk, month=callback.last_finished_month(now), now=now,
                         seed=rng.randrange(2**31))
    checks = session.exec(select(CallbackCheck).where(CallbackCheck.draw_id == made.id)
                          .order_by(CallbackCheck.id)).all()
    counts: dict[int | None, int] = {}
    for check in checks:
        counts[check.unit_id] = counts.get(check.unit_id, 0) + 1
    inflated = max((u for u in counts if u is not None), key=lambda u: (counts[u], u), default=None)
    flip = False
    for check in checks:
        if rng.random() < 0.15:
            continue  # not called yet
        if rng.random() < 0.1:
            callback.record(session, actor=clerk, check_id=check.id, reached=False, note="无人接听", now=now)
            continue
        rating = check.reported_rating or Rating.satisfied
        if check.unit_id == inflated and rating != Rating.dissatisfied:
            flip = not flip  # every other resident of that unit says otherwise
            rating = Rating.dissatisfied if flip else rating
        callback.record(session, actor=clerk, check_id=check.id, reached=True, rating=rating,
                        confirmed=rating != Rating.dissatisfied, now=now)


def _party_members(session: Session, county: County, rng: random.Random, now: datetime) -> None:
    """The households' later kinds (空巢老人, 上访户, key persons) on a fifth of them; and 在职党员进社区:
    five departments' serving members registered with the townships, about half
    key-selected (one department too few, so the 40 % check has something to show), three
    households each, and their visits this quarter and the last — most of them, not all."""
    from core import households, party_members
    clerk = auth.load_current_user(session, "clerk")
    later_kinds = [HouseholdCategory.lonely_elder, HouseholdCategory.appellant, HouseholdCategory.single_parent,
                   HouseholdCategory.illness_poverty, HouseholdCategory.mental_disorder, HouseholdCategory.migrant_worker]
    for household_id in session.exec(select(Household.id).order_by(Household.id)).all():
        if rng.random() < 0.2:
            kind = rng.choice(later_kinds)
            if session.get(HouseholdTag, (household_id, kind)) is None:
                session.add(HouseholdTag(household_id=household_id, category=kind))
    session.flush()
    departments = session.exec(select(Unit.id).where(Unit.kind == UnitKind.department).order_by(Unit.id)).all()[:5]
    by_township: dict[int, list[int]] = {}
    for household_id, township_id in session.exec(
            select(Household.id, Unit.parent_id).join(Unit, Unit.id == Household.village_id)).all():
        by_township.setdefault(township_id, []).append(household_id)
    this_quarter = households.quarter_of(now.date())
    last_quarter = households.quarter_of(this_quarter[0] - timedelta(days=1))
    for number, unit_id in enumerate(departments):
        size = rng.randint(4, 7)
        key_count = 1 if number == len(departments) - 1 else max(2, round(size * rng.uniform(0.4, 0.7)))
        for i in range(size):
            township = rng.choice([t for t in county.township_ids if len(by_township.get(t, [])) >= 3])
            member = party_members.save_member(session, actor=clerk, name=person_name(rng), phone=phone_number(rng),
                                               unit_id=unit_id, community_id=township, key_selected=i < key_count)
            if not member.key_selected:
                continue
            served = rng.sample(by_township[township], 3)
            party_members.assign(session, actor=clerk, member_id=member.id, household_ids=served,
                                 on=last_quarter[0] - timedelta(days=rng.randint(10, 200)))
            for household_id in served:
                for span, chance in ((last_quarter, 0.85), (this_quarter, 0.7)):
                    if rng.random() < chance:
                        day = span[0] + timedelta(days=rng.randint(0, (min(span[1], now.date()) - span[0]).days))
                        households.record_visit(session, actor=clerk, household_id=household_id, visited_on=day,
                                                notes="党员入户走访，了解家庭近况和困难，宣传惠民政策。",
                                                now=datetime.combine(day, now.time()), party_member_id=member.id)


def _link_leaders(session: Session, county: County, rng: random.Random, now: datetime) -> None:
    """片组户: a link leader per village keeping in touch with up to five of its households, and the
    supervision office's spot checks this quarter in about a third of the villages."""
    from core import households
    clerk = auth.load_current_user(session, "clerk")
    supervisor = auth.load_current_user(session, "supervisor")
    start = households.quarter_of(now.date())[0]
    for village_id, _township_id, _name in county.villages:
        homes = session.exec(select(Household).where(Household.village_id == village_id, Household.active == True)  # noqa: E712
                             .order_by(Household.id)).all()
        if not homes:
            continue
        linked = homes[:households.LINKED_MAX]
        households.save_link_leader(session, actor=clerk, village_id=village_id, name=person_name(rng),
                                    phone=phone_number(rng), group_name=linked[0].group_name,
                                    household_ids=[h.id for h in linked])
        if rng.random() < 0.35:
            day = start + timedelta(days=rng.randint(0, max(0, (now.date() - start).days)))
            households.record_visit(session, actor=supervisor, household_id=rng.choice(linked).id, visited_on=day,
                                    notes="抽查：户主知道自己的联户长，本季度联系过。", now=datetime.combine(day, now.time()),
                                    spot_check=True)


def _panel_pool(session: Session, county: County, rng: random.Random) -> None:
    """民事民议: the county's citizens' representatives — a few county-wide, four per township."""
    from core import panel
    from core.models import RepresentativeKind
    clerk = auth.load_current_user(session, "clerk")
    kinds = list(RepresentativeKind)
    for township_id in [None, *county.township_ids]:
        for _ in range(6 if township_id is None else 4):
            panel.save_representative(session, actor=clerk, name=person_name(rng), phone=phone_number(rng),
                                      kind=rng.choice(kinds), township_id=township_id)


def load_demo(engine: Engine, *, cases: int = 2000, seed: int = 20261121, today: date,
              progress: Callable[[int], None] | None = None) -> dict:
    """Fill an empty database with the demo county. Refuses a database that already has users."""
    if has_data(engine):
        raise ValueError("The database already holds data; the demo county is loaded only into an empty one.")
    rng = random.Random(seed)
    now = datetime.combine(today, time(9, 0))
    with session_scope(engine) as session:
        county = build_county(session, rng, today)
    burst = CLUSTER_CASES if cases >= 50 else 0  # part of the asked-for count
    events = generate_cases(engine, county, n=cases - burst, rng=rng, now=now, progress=progress)
    reset_postgres_sequences(engine)
    with session_scope(engine) as session:
        session.add(AppSetting(key=MARKER, value=today.isoformat(), updated_at=now))
        reception_history(session, county, rng, now)
        if burst:
            _cluster(session, county, rng, now)
            events += burst
        _callback_checks(session, rng, now)
        _party_members(session, county, random.Random(f"{seed}:party_members"), now)  # its own stream: the cases stay as they were
        _panel_pool(session, county, random.Random(f"{seed}:panel"))
        _link_leaders(session, county, random.Random(f"{seed}:links"), now)
    return {"cases": cases, "events": events, "villages": len(county.villages),
            "leaders": len(county.leader_ids), "accounts": len(DEMO_ACCOUNTS)}


def demo_account_rows(session: Session) -> list[dict]:
    """The demo accounts that still exist and are active, for the login page's table."""
    names = [a.username for a in DEMO_ACCOUNTS]
    users = session.exec(select(User).where(User.username.in_(names), User.active == True)).all()  # noqa: E712
    units = {u.id: u.name for u in session.exec(select(Unit).where(Unit.id.in_([u.unit_id for u in users if u.unit_id])))}
    order = {name: i for i, name in enumerate(names)}
    return [{"username": u.username, "display_name": u.display_name,
             "roles": sorted(auth.roles_of(session, u.id)), "unit": units.get(u.unit_id, "")}
            for u in sorted(users, key=lambda u: order[u.username])]
