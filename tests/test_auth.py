from datetime import datetime

import pytest
from sqlmodel import Session, select

from core import auth
from core.errors import DomainError
from core.models import Liaison, Role, User
from tests import factories

NOW = datetime(2026, 11, 21, 9, 0)


def admin_actor(session) -> auth.CurrentUser:
    factories.user(session, "root", {Role.admin}, NOW)
    return auth.load_current_user(session, "root")


def test_password_hash_round_trip_and_rules():
    hashed = auth.hash_password("correct horse")
    assert hashed.startswith("$2b$") and auth.verify_password("correct horse", hashed)
    assert not auth.verify_password("wrong horse", hashed)
    with pytest.raises(DomainError) as short:
        auth.hash_password("short")
    assert short.value.key == "error.password_short"
    with pytest.raises(DomainError) as long:
        auth.hash_password("密" * 25)  # 75 bytes in UTF-8
    assert long.value.key == "error.password_long"
    assert "72" in long.value.message("zh")


def test_credentials_hold_active_users_with_roles_only(engine):
    with Session(engine) as s:
        factories.user(s, "alice", {Role.clerk, Role.supervisor}, NOW)
        bob = factories.user(s, "bob", {Role.leader}, NOW)
        bob.active = False
        s.commit()
        creds = auth.credentials(s)
    assert set(creds["usernames"]) == {"alice"}
    assert creds["usernames"]["alice"]["roles"] == ["clerk", "supervisor"]
    assert creds["usernames"]["alice"]["password"].startswith("$2b$")


def test_disabled_user_is_not_loaded(engine):
    with Session(engine) as s:
        u = factories.user(s, "carol", {Role.clerk}, NOW)
        assert auth.load_current_user(s, "carol").roles == {Role.clerk}
        u.active = False
        s.flush()
        assert auth.load_current_user(s, "carol") is None


def test_only_admins_manage_accounts(engine):
    with Session(engine) as s:
        factories.user(s, "clerk1", {Role.clerk}, NOW)
        clerk = auth.load_current_user(s, "clerk1")
        with pytest.raises(DomainError) as err:
            auth.create_user(s, actor=clerk, username="x1", display_name="x", password="password123",
                             roles={Role.clerk}, now=NOW)
        assert err.value.key == "error.permission"
        with pytest.raises(DomainError):
            auth.reset_password(s, actor=clerk, user_id=clerk.id, new_password="password123", now=NOW)


def test_account_rules(engine):
    with Session(engine) as s:
        units = factories.county(s)
        admin = admin_actor(s)

        def create(**kw):
            args = dict(actor=admin, username="newbie", display_name="新人", password="password123",
                        roles={Role.clerk}, now=NOW) | kw
            return auth.create_user(s, **args)

        for kwargs, key in [({"username": "a b"}, "error.username_format"),
                            ({"username": "root"}, "error.username_taken"),
                            ({"display_name": " "}, "error.name_required"),
                            ({"roles": set()}, "error.roles_required"),
                            ({"roles": {Role.unit_handler}}, "error.unit_required"),
                            ({"roles": {Role.liaison}}, "error.station_required")]:
            with pytest.raises(DomainError) as err:
                create(**kwargs)
            assert err.value.key == key
        user = create(roles={Role.liaison, Role.unit_handler}, unit_id=units["dept"].id,
                      station_id=units["village"].id)
        liaison = s.exec(select(Liaison).where(Liaison.user_id == user.id)).one()
        assert liaison.station_id == units["village"].id
        loaded = auth.load_current_user(s, "newbie")
        assert loaded.unit_id == units["dept"].id and loaded.liaison_id == liaison.id
        assert loaded.must_change_password


def test_last_admin_cannot_be_disabled_or_demoted(engine):
    with Session(engine) as s:
        admin = admin_actor(s)
        for kwargs in ({"roles": {Role.admin}, "active": False}, {"roles": {Role.clerk}, "active": True}):
            with pytest.raises(DomainError) as err:
                auth.update_user(s, actor=admin, user_id=admin.id, display_name="root", now=NOW, **kwargs)
            assert err.value.key == "error.last_admin"
        factories.user(s, "root2", {Role.admin}, NOW)
        auth.update_user(s, actor=admin, user_id=admin.id, display_name="root", roles={Role.clerk}, active=True,
                         now=NOW)
        assert auth.roles_of(s, admin.id) == {Role.clerk}


def test_reset_and_change_password(engine):
    with Session(engine) as s:
        admin = admin_actor(s)
        target = factories.user(s, "dave", {Role.clerk}, NOW)
        auth.reset_password(s, actor=admin, user_id=target.id, new_password="temporary1", now=NOW)
        dave = auth.load_current_user(s, "dave")
        assert dave.must_change_password
        with pytest.raises(DomainError) as err:
            auth.change_own_password(s, actor=dave, current_password="nope", new_password="newsecret1",
                                     repeat_password="newsecret1", now=NOW)
        assert err.value.key == "error.password_wrong"
        with pytest.raises(DomainError) as err:
            auth.change_own_password(s, actor=dave, current_password="temporary1", new_password="newsecret1",
                                     repeat_password="newsecret2", now=NOW)
        assert err.value.key == "error.password_mismatch"
        auth.change_own_password(s, actor=dave, current_password="temporary1", new_password="newsecret1",
                                 repeat_password="newsecret1", now=NOW)
        row = s.exec(select(User).where(User.username == "dave")).one()
        assert auth.verify_password("newsecret1", row.password_hash) and not row.must_change_password


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_home_and_only_admin_manages_users(role):
    keys = {p.key for p in auth.pages_for({role})}
    assert {"home", "account"} <= keys
    assert ("users" in keys) == (role == Role.admin)


def test_personal_data_roles():
    def user(*roles):
        return auth.CurrentUser(id=1, username="u", display_name="u", roles=frozenset(roles), unit_id=None,
                                liaison_id=None)
    assert not auth.sees_personal_data(user(Role.leader))
    assert auth.sees_personal_data(user(Role.clerk))
    assert auth.sees_personal_data(user(Role.leader, Role.supervisor))


@pytest.mark.parametrize("password,key", [
    (" leading-space", "error.password_spaces"), ("trailing-space ", "error.password_spaces"),
    ("12345678", "error.password_weak"), ("87654321", "error.password_weak"), ("aaaaaaaa", "error.password_weak"),
    ("Password1", "error.password_weak"), ("zhangsan01", "error.password_weak"), ("short", "error.password_short")])
def test_weak_passwords_are_refused_with_the_reason(password, key):
    with pytest.raises(DomainError) as refused:
        auth.validate_password(password, "ZhangSan01")
    assert refused.value.key == key


def test_a_weak_first_admin_password_is_a_configuration_error(empty_url, tmp_path):
    from core.db import make_engine
    from core.settings import SettingsError, load_settings
    from core.startup import ensure_ready
    settings = load_settings(env={"MQT_MODE": "production", "MQT_COOKIE_KEY": "k" * 40, "MQT_ADMIN_PASSWORD": "12345678"},
                             secrets_path=tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="MQT_ADMIN_PASSWORD: .*too easy to guess"):
        ensure_ready(make_engine(empty_url), settings, today=NOW.date(), now=NOW, echo=lambda _: None)
