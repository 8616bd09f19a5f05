"""Fixtures: every test database is new. With DATABASE_URL=postgresql+psycopg://… the suite
creates throwaway databases in that cluster; otherwise SQLite files under pytest's tmp dir."""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import demo
from core.db import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("DATABASE_URL", "")
# AppTest runs pages in this process: their exceptions must fail the tests, not become incident numbers
os.environ["MQT_SHOW_ERRORS"] = "1"
ON_POSTGRES = BASE_URL.startswith("postgresql")
DEMO_TODAY = date(2026, 11, 21)
DEMO_NOW = datetime(2026, 11, 21, 9, 0)
DEMO_CASES = 400


def new_database_url(tmp_dir: Path) -> str:
    if ON_POSTGRES:
        name = f"mqt_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(BASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return sa.engine.make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_dir / f'mqt_{uuid.uuid4().hex[:8]}.db'}"


@pytest.fixture
def empty_url(tmp_path) -> str:
    """URL of a database that exists but has no tables."""
    return new_database_url(tmp_path)


@pytest.fixture
def engine(empty_url):
    """A migrated, empty database."""
    eng = make_engine(empty_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """A database holding a small demo county. Read-only for tests: use `engine` to write."""
    url = new_database_url(tmp_path_factory.mktemp("demo"))
    eng = make_engine(url)
    migrate(eng)
    demo.load_demo(eng, cases=DEMO_CASES, today=DEMO_TODAY)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def demo_engine(demo_url):
    eng = make_engine(demo_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def world_db(tmp_path_factory):
    """(engine, World): a migrated database holding tests.world's small county, for a module."""
    from sqlmodel import Session
    from tests.world import build_world
    eng = make_engine(new_database_url(tmp_path_factory.mktemp("world")))
    migrate(eng)
    with Session(eng) as s:
        world = build_world(s)
        s.commit()
    yield eng, world
    eng.dispose()


@pytest.fixture
def world_session(engine):
    """(session, World) on a fresh database: for tests that commit."""
    from sqlmodel import Session
    from tests.world import build_world
    with Session(engine) as s:
        world = build_world(s)
        s.commit()
        yield s, world
