"""One Settings object read from the environment and .streamlit/secrets.toml (env wins)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
EXAMPLE_COOKIE_KEY = "example-cookie-key-change-me-0123456789"
MIN_COOKIE_KEY_LENGTH = 32
DEMO_MODE = "demo"
PRODUCTION_MODE = "production"


class SettingsError(RuntimeError):
    """Configuration that must stop the app or the CLI, with a message for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    mode: str
    cookie_key: str
    admin_password: str | None
    # behind a reverse proxy every resident arrives from the proxy's address: name the header that
    # carries the real one (X-Forwarded-For, X-Real-IP), or per-client limits become one limit
    client_ip_header: str | None = None
    # tests and development: a page's exception shows its traceback instead of an incident number
    show_errors: bool = False

    @property
    def is_demo(self) -> bool:
        return self.mode == DEMO_MODE


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'minqingtong.db'}"


def _read_secrets(path: Path) -> dict:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_settings(env: dict | None = None, secrets_path: Path | None = None) -> Settings:
    """Why: production must never run on the example cookie key or a short one, and a typo in
    the mode must not silently fall back to demo data."""
    env = dict(os.environ if env is None else env)
    secrets = _read_secrets(SECRETS_FILE if secrets_path is None else secrets_path)

    def get(name: str) -> str | None:
        value = env.get(name, secrets.get(name))
        return str(value) if value not in (None, "") else None

    mode = (get("MQT_MODE") or DEMO_MODE).lower()
    if mode not in (DEMO_MODE, PRODUCTION_MODE):
        raise SettingsError(f"MQT_MODE must be 'demo' or 'production', not {mode!r}")
    cookie_key = get("MQT_COOKIE_KEY")
    if mode == PRODUCTION_MODE:
        if not cookie_key or cookie_key == EXAMPLE_COOKIE_KEY:
            raise SettingsError(
                "Production mode needs MQT_COOKIE_KEY (env or .streamlit/secrets.toml) "
                "and refuses the example key. Generate one: python -c \"import secrets; "
                "print(secrets.token_urlsafe(48))\""
            )
    if cookie_key and len(cookie_key) < MIN_COOKIE_KEY_LENGTH:
        raise SettingsError(f"MQT_COOKIE_KEY must be at least {MIN_COOKIE_KEY_LENGTH} characters")
    cookie_key = cookie_key or EXAMPLE_COOKIE_KEY
    return Settings(
        database_url=get("DATABASE_URL") or default_database_url(),
        mode=mode,
        cookie_key=cookie_key,
        admin_password=get("MQT_ADMIN_PASSWORD"),
        client_ip_header=get("MQT_CLIENT_IP_HEADER"),
        show_errors=(get("MQT_SHOW_ERRORS") or "").lower() in ("1", "true", "yes"),
    )
