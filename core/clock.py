"""The county's wall clock, read only at the edges (pages, CLI); rules take `now` as a parameter."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

COUNTY_TZ = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    """Naive local time, as the database stores it."""
    return datetime.now(COUNTY_TZ).replace(tzinfo=None, microsecond=0)
