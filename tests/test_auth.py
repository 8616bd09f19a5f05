from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlmodel import Session, select

from core import auth
from core.errors import DomainError
from core.models import Liaison, Role, SignInAttempt, User
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


def sign_in(s, username, password="password123", client="10.0.0.1", now=NOW):
    return auth.sign_in(s, username=username, password=password, client=client, now=now)


def test_sign_in_locks_the_name_after_repeated_failures_even_for_the_right_password(engine):
    """136 wrong passwords and then the right one used to work at once."""
    with Session(engine) as s:
        factories.user(s, "alice", {Role.clerk}, NOW)
        s.commit()
    for n in range(auth.SIGN_IN_FAILS_PER_ACCOUNT):
        with Session(engine) as s, pytest.raises(DomainError) as wrong:  # a fresh session each time: kept anyway
            sign_in(s, "alice", "wrong-password", client=f"10.0.0.{n}")
        assert wrong.value.key == "error.sign_in_failed"
    with Session(engine) as s, pytest.raises(DomainError) as locked:
        sign_in(s, "ALICE ", client="10.9.9.9")
    assert locked.value.key == "error.sign_in_locked" and "15" in locked.value.message("zh")
    with Session(engine) as s:
        later = NOW + auth.SIGN_IN_WINDOW + timedelta(seconds=1)
        assert sign_in(s, "alice", now=later).username == "alice"
        attempts = s.exec(select(SignInAttempt).where(SignInAttempt.username == "alice")).all()
    assert [a.ok for a in attempts] == [False] * auth.SIGN_IN_FAILS_PER_ACCOUNT + [True]


def test_a_success_starts_the_count_again_and_unknown_names_lock_like_real_ones(engine):
    with Session(engine) as s:
        factories.user(s, "bob", {Role.clerk}, NOW)
        s.commit()
        for _ in range(auth.SIGN_IN_FAILS_PER_ACCOUNT - 1):
            with pytest.raises(DomainError):
                sign_in(s, "bob", "wrong-password")
        sign_in(s, "bob")
        with pytest.raises(DomainError) as again:
            sign_in(s, "bob", "wrong-password")
        assert again.value.key == "error.sign_in_failed"
        for _ in range(auth.SIGN_IN_FAILS_PER_ACCOUNT):
            with pytest.raises(DomainError):
                sign_in(s, "nobody", "wrong-password", client="10.0.0.2")
        with pytest.raises(DomainError) as ghost:
            sign_in(s, "nobody", "wrong-password", client="10.0.0.2")
        assert ghost.value.key == "error.sign_in_locked"


def test_one_client_trying_many_names_is_locked_but_others_are_not(engine):
    with Session(engine) as s:
        factories.user(s, "carol", {Role.clerk}, NOW)
        s.commit()
        for n in range(auth.SIGN_IN_FAILS_PER_CLIENT):
            with pytest.raises(DomainError):
                sign_in(s, f"user{n}", "wrong-password", client="203.0.113.7")
        with pytest.raises(DomainError) as locked:
            sign_in(s, "carol", client="203.0.113.7")
        assert locked.value.key == "error.sign_in_locked"
        assert sign_in(s, "carol", client="198.51.100.2").username == "carol"


@pytest.mark.parametrize("who", ["unknown", "disabled", "wrong password"])
def test_every_failure_costs_one_bcrypt_check_so_timing_tells_nothing(engine, monkeypatch, who):
    """Unknown names answered ten times faster than real ones: now each failure checks one hash."""
    with Session(engine) as s:
        dave = factories.user(s, "dave", {Role.clerk}, NOW)
        dave.active = who != "disabled"
        s.commit()
        auth._decoy_hash()  # made once per process, before the count
        checks = []
        real = auth.bcrypt.checkpw
        monkeypatch.setattr(auth.bcrypt, "checkpw", lambda pw, hashed: checks.append(hashed) or real(pw, hashed))
        with pytest.raises(DomainError) as refused:
            sign_in(s, "ghost" if who == "unknown" else "dave", "wrong-password" if who == "wrong password" else "password123")
    assert refused.value.key == "error.sign_in_failed"
    assert len(checks) == 1 and checks[0].startswith(b"$2b$12$")


def test_a_cookie_ends_with_sign_out_reset_and_disable_and_never_raises(engine):
    key = "k" * 40
    now = datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc)
    with Session(engine) as s:
        admin = admin_actor(s)
        erin = factories.user(s, "erin", {Role.clerk}, NOW)
        s.commit()

        def cookie():
            return auth.session_token(auth.load_current_user(s, "erin"), key=key, now=now, days=7)

        def holder(token, at=now):
            return auth.user_from_token(s, token, key=key, now=at)

        copied = cookie()
        assert holder(copied).username == "erin"
        assert holder(copied, now + timedelta(days=8)) is None  # expired
        assert holder(auth.session_token(auth.load_current_user(s, "erin"), key="x" * 40, now=now, days=7)) is None
        assert holder("not.a.token") is None and holder(jwt.encode({"username": "erin"}, key)) is None
        auth.sign_out(s, username="erin")
        assert holder(copied) is None  # copied before the sign-out
        copied = cookie()
        auth.reset_password(s, actor=admin, user_id=erin.id, new_password="Another-pass-1", now=NOW)
        assert holder(copied) is None
        assert auth.still_valid(s, username="erin", token_version=0) is None
        copied = cookie()
        auth.update_user(s, actor=admin, user_id=erin.id, display_name="erin", roles={Role.clerk}, active=False, now=NOW)
        assert holder(copied) is None  # disabled: None, not a traceback
        auth.update_user(s, actor=admin, user_id=erin.id, display_name="erin", roles={Role.clerk}, active=True, now=NOW)
        assert holder(copied) is None  # enabling again does not revive an old cookie
        live = auth.load_current_user(s, "erin")
        renewed = auth.change_own_password(s, actor=live, current_password="Another-pass-1",
                                           new_password="Third-pass-22", repeat_password="Third-pass-22", now=NOW)
        assert renewed == live.token_version + 1
        assert auth.still_valid(s, username="erin", token_version=renewed).username == "erin"


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
