"""Suggestions while typing (S0 分类, S1 拟办): the category and handling unit a text most likely
belongs to — from the admin's keyword rules plus a classifier trained on past cases (jieba word
segmentation, TF-IDF, complement naive Bayes) — and possible duplicates: open cases of the same
village and category in the last 30 days, by word overlap. The clerk confirms; nothing is
decided here."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jieba
import sqlalchemy as sa
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sqlmodel import Session, select

from core.auth import CurrentUser
from core.errors import DomainError
from core.ledger import OPEN_STATUSES, visible_cases
from core.models import Case, CaseStatus, Category, KeywordRule, Role

jieba.setLogLevel(logging.WARNING)
RULE_BONUS = 0.35  # what one unit of keyword weight adds to a model probability
TRAINING_CASES = 6000
DUPLICATE_DAYS = 30
_STOP = set("，。、；：！？“”（）()《》【】 \n\t,.;:!?-—…的了和与及在是有我我们他她请")

# starter rules a county edits on the keyword page; keyed by category code
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "subsistence": ("低保", "救助", "特困", "困难户"), "medical": ("看病", "卫生室", "医院", "医保", "报销", "村医"),
    "schooling": ("上学", "学位", "学校", "校车", "助学金", "入学"), "housing": ("危房", "住房", "安置房", "公租房", "房屋"),
    "water": ("饮水", "自来水", "停水", "水管", "水质", "供水"), "roads": ("公路", "道路", "桥梁", "路灯", "减速带", "通行"),
    "land": ("承包地", "土地", "确权", "征地"), "homestead": ("宅基地", "建房"),
    "sanitation": ("垃圾", "污水", "公厕", "异味", "养殖场", "环境"), "public_order": ("赌博", "被盗", "诈骗", "打架", "治安"),
    "labour": ("工资", "欠薪", "讨薪", "养老保险", "社保", "务工"), "conduct": ("推诿", "态度", "村干部", "作风", "吃拿卡要"),
}


def tokens(text: str) -> list[str]:
    return [w for w in jieba.lcut(text or "") if w.strip() and w not in _STOP]


@dataclass
class Classifier:
    """Category and unit models trained on past cases; either may be missing on a new county."""

    category: Pipeline | None = None
    unit: Pipeline | None = None
    trained_on: int = 0


def _fit(texts: list[str], labels: list[int]) -> Pipeline | None:
    if len(set(labels)) < 2:
        return None
    model = Pipeline([("tfidf", TfidfVectorizer(tokenizer=tokens, token_pattern=None, lowercase=False,
                                                ngram_range=(1, 2), sublinear_tf=True)),
                      ("nb", ComplementNB(alpha=0.3))])
    return model.fit(texts, labels)


def train(session: Session, *, limit: int = TRAINING_CASES, exclude_ids: set[int] = frozenset()) -> Classifier:
    """From the newest `limit` categorised cases; the unit model only from cases that reached a
    unit and were not sent back as misrouted."""
    rows = session.exec(select(Case.id, Case.content, Case.category_id, Case.unit_id, Case.dispatched_at,
                               Case.misroute_count).where(Case.category_id.is_not(None))
                        .order_by(Case.id.desc()).limit(limit)).all()
    rows = [r for r in rows if r.id not in exclude_ids]
    by_unit = [r for r in rows if r.unit_id is not None and r.dispatched_at is not None and not r.misroute_count]
    return Classifier(category=_fit([r.content for r in rows], [r.category_id for r in rows]),
                      unit=_fit([r.content for r in by_unit], [r.unit_id for r in by_unit]), trained_on=len(rows))


@dataclass
class Suggestion:
    id: int
    score: float
    keywords: list[str] = field(default_factory=list)


def _ranked(model: Pipeline | None, text: str) -> dict[int, float]:
    if model is None:
        return {}
    probabilities = model.predict_proba([text])[0]
    return {int(label): float(p) for label, p in zip(model.classes_, probabilities, strict=True)}


def suggest(session: Session, classifier: Classifier, text: str, *, top: int = 3) -> tuple[list[Suggestion],
                                                                                           list[Suggestion]]:
    """(categories, units), best first, at most `top` each. A keyword rule that names a unit puts
    it first; otherwise units come from the unit model, then the category's default unit."""
    if not (text or "").strip():
        return [], []
    categories = {i: Suggestion(i, p) for i, p in _ranked(classifier.category, text).items()}
    unit_hits: dict[int, Suggestion] = {}
    rules = session.exec(select(KeywordRule).where(KeywordRule.active)).all()
    for rule in rules:
        if rule.keyword and rule.keyword in text:
            hit = categories.setdefault(rule.category_id, Suggestion(rule.category_id, 0.0))
            hit.score += RULE_BONUS * rule.weight
            hit.keywords.append(rule.keyword)
            if rule.unit_id is not None:
                unit_hit = unit_hits.setdefault(rule.unit_id, Suggestion(rule.unit_id, 10.0))
                unit_hit.keywords.append(rule.keyword)
    best_categories = sorted((c for c in categories.values() if c.score > 0), key=lambda c: -c.score)[:top]
    units = dict(unit_hits)
    predicted = _ranked(classifier.unit, text)
    if best_categories:  # the county's own mapping of the likeliest category comes next
        default = session.get(Category, best_categories[0].id).default_unit_id
        if default is not None:
            units.setdefault(default, Suggestion(default, 1.0 + predicted.get(default, 0.0)))
    for unit_id, p in predicted.items():
        units.setdefault(unit_id, Suggestion(unit_id, p))
    best_units = sorted((u for u in units.values() if u.score > 0), key=lambda u: -u.score)[:top]
    return best_categories, best_units


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' words."""
    left, right = set(tokens(a)), set(tokens(b))
    return len(left & right) / len(left | right) if left and right else 0.0


def possible_duplicates(session: Session, *, user: CurrentUser, text: str, category_id: int | None,
                        village_id: int | None, township_id: int | None, now: datetime,
                        exclude_case_id: int | None = None, limit: int = 5) -> list[tuple[Case, float]]:
    """Open cases of the same village (else township) and category from the last 30 days, most
    similar first; a merge stays the clerk's decision."""
    if category_id is None or (village_id is None and township_id is None):
        return []
    place = Case.village_id == village_id if village_id is not None else Case.township_id == township_id
    where = [visible_cases(user), place, Case.category_id == category_id, Case.status.in_(OPEN_STATUSES),
             Case.status != CaseStatus.merged, Case.received_at >= now - timedelta(days=DUPLICATE_DAYS)]
    if exclude_case_id is not None:
        where.append(Case.id != exclude_case_id)
    candidates = session.exec(select(Case).where(*where).order_by(Case.received_at.desc()).limit(200)).all()
    scored = sorted(((c, similarity(text, c.content)) for c in candidates), key=lambda pair: -pair[1])
    return scored[:limit]


def keyword_rules(session: Session) -> list[KeywordRule]:
    return session.exec(select(KeywordRule).order_by(KeywordRule.category_id, KeywordRule.keyword)).all()


def save_keyword_rule(session: Session, *, actor: CurrentUser, now: datetime, keyword: str, category_id: int,
                      unit_id: int | None = None, weight: int = 1, active: bool = True,
                      rule_id: int | None = None) -> KeywordRule:
    if not actor.has(Role.admin):
        raise DomainError("error.permission")
    keyword = (keyword or "").strip()
    if not keyword:
        raise DomainError("error.fields_missing", field="keyword", fields=["keyword"])
    if len(keyword) > 30:
        raise DomainError("error.too_long", field="keyword", fields=["keyword"], n=30)
    if session.get(Category, category_id) is None:
        raise DomainError("error.fields_missing", field="category_id", fields=["category_id"])
    if not 1 <= weight <= 5:
        raise DomainError("error.weight_range", field="weight")
    row = session.get(KeywordRule, rule_id) if rule_id is not None else None
    if row is None:
        row = KeywordRule(keyword=keyword, category_id=category_id, unit_id=unit_id, weight=weight, active=active,
                          updated_at=now, updated_by_id=actor.id)
        session.add(row)
    else:
        row.keyword, row.category_id, row.unit_id, row.weight, row.active = keyword, category_id, unit_id, weight, active
        row.updated_at, row.updated_by_id = now, actor.id
    session.flush()
    return row


def starter_rules(session: Session, category: Category, *, now: datetime) -> int:
    """A new category's first keyword rules: its own name and the starter words of its code, so that
    a county suggests categories from the first report, before it has any past case to learn from.
    A category that has rules already keeps them."""
    if session.exec(select(KeywordRule.id).where(KeywordRule.category_id == category.id).limit(1)).first():
        return 0
    words = dict.fromkeys([category.name_zh, *DEFAULT_KEYWORDS.get(category.code, ())])
    session.add_all(KeywordRule(keyword=word[:30], category_id=category.id, weight=1, updated_at=now) for word in words)
    session.flush()
    return len(words)


def seed_keyword_rules(session: Session, *, now: datetime) -> int:
    """The starter rules for every category that has none."""
    return sum(starter_rules(session, category, now=now) for category in session.exec(select(Category)).all())


def case_count(session: Session) -> int:
    """Cheap change marker for caches of the classifier."""
    return int(session.execute(sa.select(sa.func.max(Case.id))).scalar() or 0)
