import pytest

from core.settings import EXAMPLE_COOKIE_KEY, SettingsError, default_database_url, load_settings

GOOD_KEY = "k" * 40


def test_defaults_are_demo_mode_on_sqlite_in_data(tmp_path):
    s = load_settings(env={}, secrets_path=tmp_path / "none.toml")
    assert s.is_demo
    assert s.database_url == default_database_url()
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/minqingtong.db")


def test_env_wins_over_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'DATABASE_URL = "sqlite:///from-file.db"\nMQT_COOKIE_KEY = "{GOOD_KEY}"\n')
    s = load_settings(env={"DATABASE_URL": "sqlite:///from-env.db"}, secrets_path=secrets)
    assert s.database_url == "sqlite:///from-env.db"
    assert s.cookie_key == GOOD_KEY


@pytest.mark.parametrize("key", [None, EXAMPLE_COOKIE_KEY])
def test_production_refuses_missing_or_example_cookie_key(tmp_path, key):
    env = {"MQT_MODE": "production"} | ({"MQT_COOKIE_KEY": key} if key else {})
    with pytest.raises(SettingsError, match="MQT_COOKIE_KEY"):
        load_settings(env=env, secrets_path=tmp_path / "none.toml")


def test_short_cookie_key_refused(tmp_path):
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(env={"MQT_COOKIE_KEY": "short"}, secrets_path=tmp_path / "none.toml")


def test_production_with_real_key(tmp_path):
    s = load_settings(env={"MQT_MODE": "production", "MQT_COOKIE_KEY": GOOD_KEY}, secrets_path=tmp_path / "x")
    assert not s.is_demo and s.cookie_key == GOOD_KEY


def test_unknown_mode_refused(tmp_path):
    with pytest.raises(SettingsError, match="MQT_MODE"):
        load_settings(env={"MQT_MODE": "prod"}, secrets_path=tmp_path / "none.toml")


def test_example_secrets_file_names_the_example_key():
    from core.settings import ROOT
    assert EXAMPLE_COOKIE_KEY in (ROOT / ".streamlit" / "secrets.toml.example").read_text()
