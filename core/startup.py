"""Bring a database to a usable state: migrate, then on an empty one either load the demo county
(demo mode) or create the first administrator (production mode, no default password)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.engine import Engine

from core import auth, demo, templates
from core.db import migrate, session_scope
from core.errors import DomainError
from core.models import Role
from core.settings import Settings, SettingsError

FIRST_ADMIN_USERNAME = "admin"


def ensure_ready(engine: Engine, settings: Settings, *, today: date, now: datetime,
                 echo: Callable[[str], None] = print) -> str:
    """Returns what it did: 'ready', 'demo_loaded' or 'admin_created'."""
    migrate(engine)
    if demo.has_data(engine):
        refuse_mismatched_mode(engine, settings)
        return "ready"
    if settings.is_demo:
        stats = demo.load_demo(engine, today=today)
        echo(f"Demo county loaded: {stats['cases']} cases, {stats['accounts']} demo accounts "
             f"(password {demo.DEMO_PASSWORD}).")
        return "demo_loaded"
    password = settings.admin_password
    generated = password is None
    if generated:
        password = auth.generate_password()
    try:
        with session_scope(engine) as session:
            auth.create_user(session, actor=None, username=FIRST_ADMIN_USERNAME, display_name="系统管理员",
                             password=password, roles={Role.admin}, now=now, must_change_password=generated)
            templates.seed_defaults(session, now=now)
    except DomainError as exc:  # a weak MQT_ADMIN_PASSWORD is a configuration error, said as one
        raise SettingsError(f"MQT_ADMIN_PASSWORD: {exc.message('en')}") from None
    if generated:
        echo("=" * 60)
        echo(f"First administrator created: username '{FIRST_ADMIN_USERNAME}', password: {password}")
        echo("This password is shown once. Sign in and change it.")
        echo("=" * 60)
    else:
        echo(f"First administrator '{FIRST_ADMIN_USERNAME}' created with the password from MQT_ADMIN_PASSWORD.")
    return "admin_created"


def refuse_mismatched_mode(engine: Engine, settings: Settings) -> None:
    """Why: demo mode signs cookies with the public example key, so it must never serve a real
    county's database (a forged cookie would sign in as its admin); and a production start must
    not serve accounts whose password is printed in the README."""
    if settings.is_demo and not demo.is_demo_database(engine):
        raise SettingsError("This database was not made by the demo generator, and demo mode signs sign-in cookies "
                            "with the public example key. Start it with MQT_MODE=production and your own "
                            "MQT_COOKIE_KEY.")
    if not settings.is_demo:
        known = demo.demo_passwords_in_use(engine)
        if known:
            raise SettingsError(f"Production refuses accounts with the public demo password: {', '.join(known)}. "
                                "Reset their passwords (python -m core.cli user reset-password …) or deactivate "
                                "them first.")
