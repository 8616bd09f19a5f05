"""County-wide settings edited in the app — the early-warning thresholds, the call-back check's
sample and gap, the ranking's weights — each with its range and who may change it. Every change
is kept (who, when, old → new): a ranking is only as trustworthy as the record of who set its
weights."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlmodel import Session, select

from core.auth import CurrentUser
from core.errors import DomainError
from core.models import AppSetting, Role, SettingChange, User


@dataclass(frozen=True)
class Spec:
    default: int
    low: int
    high: int
    editors: tuple[Role, ...]


_ALERTS = (Role.admin, Role.clerk)
_CENTER = (Role.admin, Role.supervisor)
SPECS: dict[str, Spec] = {
    "alert.cluster_cases": Spec(5, 2, 100, _ALERTS),
    "alert.cluster_hours": Spec(72, 1, 24 * 30, _ALERTS),
    "alert.rereport_days": Spec(90, 7, 365, _ALERTS),
    # 回访抽查: at least this share of each unit's closed cases, and at least this many
    "callback.share_percent": Spec(10, 10, 100, _CENTER),
    "callback.min_per_unit": Spec(5, 5, 100, _CENTER),
    # a unit whose reported satisfaction exceeds the residents' own by this many points, on at
    # least this many answered checks, is flagged for supervision
    "callback.gap_points": Spec(15, 1, 100, _CENTER),
    "callback.min_checks": Spec(5, 1, 100, _CENTER),
    # the ranking's weights in percent, summing to 100 (the return rate's counts as 1 − rate)
    "score.on_time_rate": Spec(40, 0, 100, (Role.admin,)),
    "score.satisfaction_rate": Spec(30, 0, 100, (Role.admin,)),
    "score.closure_rate": Spec(20, 0, 100, (Role.admin,)),
    "score.return_rate": Spec(10, 0, 100, (Role.admin,)),
}
WEIGHT_KEYS = tuple(k for k in SPECS if k.startswith("score."))


def value(session: Session, key: str) -> int:
    row = session.get(AppSetting, key)
    return int(row.value) if row else SPECS[key].default


def values(session: Session, prefix: str) -> dict[str, int]:
    """Every setting whose key starts with `prefix` ("alert.", "callback.", "score.")."""
    stored = {row.key: int(row.value) for row in session.exec(select(AppSetting).where(AppSetting.key.startswith(prefix)))}
    return {key: stored.get(key, spec.default) for key, spec in SPECS.items() if key.startswith(prefix)}


def score_weights(session: Session) -> dict[str, float]:
    """The ranking's weights as fractions, by rate (core.kpi.ranking)."""
    return {key.removeprefix("score."): weight / 100 for key, weight in values(session, "score.").items()}


def change(session: Session, *, actor: CurrentUser, new: dict[str, int], now: datetime) -> list[SettingChange]:
    """Writes the settings that differ, each with a SettingChange row; all or none. Why the
    weights are checked together: they must add up to 100, so one cannot move alone."""
    for key, number in new.items():
        spec = SPECS[key]
        if not actor.has(*spec.editors):
            raise DomainError("error.permission")
        if not spec.low <= int(number) <= spec.high:
            raise DomainError("error.setting_range", field=key, low=spec.low, high=spec.high)
    if any(key in WEIGHT_KEYS for key in new):
        weights = {**values(session, "score."), **{k: int(v) for k, v in new.items() if k in WEIGHT_KEYS}}
        if sum(weights.values()) != 100:
            raise DomainError("error.weights_sum", total=sum(weights.values()))
    changes = []
    for key, number in new.items():
        old = value(session, key)
        if old == int(number):
            continue
        row = session.get(AppSetting, key) or AppSetting(key=key, value="")
        row.value, row.updated_at, row.updated_by_id = str(int(number)), now, actor.id
        session.add(row)
        changes.append(SettingChange(key=key, old_value=old, new_value=int(number), changed_at=now,
                                     changed_by_id=actor.id))
    session.add_all(changes)
    session.flush()
    return changes


def history(session: Session, prefix: str, limit: int = 50) -> pd.DataFrame:
    """The latest changes of the settings under `prefix`, newest first, with who made them."""
    rows = session.exec(select(SettingChange.changed_at, User.display_name, SettingChange.key, SettingChange.old_value,
                               SettingChange.new_value).join(User, User.id == SettingChange.changed_by_id, isouter=True)
                        .where(SettingChange.key.startswith(prefix))
                        .order_by(SettingChange.changed_at.desc(), SettingChange.id.desc()).limit(limit)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["changed_at", "changed_by", "key", "old", "new"])
