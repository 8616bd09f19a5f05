"""The only core module that imports streamlit: cached engine, language, sign-in, page guards and
shared widgets."""
from __future__ import annotations

import logging
import re
import secrets
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core import auth, labels, limits
from core.auth import CurrentUser
from core.clock import local_now
from core.db import DatabaseError, is_database_busy, make_engine
from core.errors import DomainError
from core.models import Role
from core.settings import Settings, SettingsError, load_settings
from core.startup import ensure_ready

COOKIE_NAME = "minqingtong_auth"


log = logging.getLogger("minqingtong")
if not log.handlers:  # the server's console (or its service journal) is the incident log
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)


def guarded(run) -> None:
    """Runs a page. Why: an uncaught error showed SQL, server paths and data to whoever was looking
    (even an anonymous visitor of /progress). Now the person sees a plain message and an incident
    number; the traceback goes to the server log under that number. A locked database is said as
    such: what was typed is still in the form."""
    try:
        run()
    except Exception as exc:
        if settings().show_errors:
            raise
        if is_database_busy(exc):
            log.warning("database busy: %s", exc)
            st.error(tr("error.database_busy"))
            return
        incident = secrets.token_hex(4).upper()
        log.exception("incident %s", incident)
        st.error(tr("error.incident", incident=incident))


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(f"配置错误 / Configuration error: {exc}")
        st.stop()


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


@st.cache_resource(show_spinner="正在准备数据库… / Preparing the database…")
def _prepared(url: str, mode: str) -> str:
    """Runs once per process and database: migrations, then demo data or the first admin."""
    now = local_now()
    return ensure_ready(_engine_for(url), settings(), today=now.date(), now=now)


def engine() -> Engine:
    s = settings()
    try:
        _prepared(s.database_url, s.mode)
    except SettingsError as exc:  # a mode that does not fit the database: said, never served
        st.error(f"配置错误 / Configuration error: {exc}")
        st.stop()
    except (DatabaseError, ValueError) as exc:
        st.error(f"数据库错误 / Database error: {exc}")
        st.stop()
    return _engine_for(s.database_url)


SWEEP_EVERY_SECONDS = 300


@st.cache_data(ttl=SWEEP_EVERY_SECONDS, show_spinner=False)
def _swept(url: str) -> int:
    """Why: S2 §四.2 — overdue cases reach the supervision office without anyone remembering to
    run a job; at most once per five minutes per process, on any signed-in page view."""
    from core import services
    with Session(_engine_for(url), expire_on_commit=False) as s:
        added = services.sweep_overdue(s, now=local_now())
        s.commit()
    return added


@st.cache_resource(ttl=3600, show_spinner=False)
def _classifier(url: str, marker: int):
    from core import suggest
    with Session(_engine_for(url)) as s:
        return suggest.train(s)


def classifier():
    """The suggestion model, retrained at most hourly (or when the case count has moved by a
    thousand), per process."""
    from core import suggest
    with session() as s:
        marker = suggest.case_count(s) // 1000
    return _classifier(settings().database_url, marker)


DASHBOARD_REFRESH_SECONDS = 30


def _this_minute():
    """The cache key of a refresh: every viewer within the same minute (and TTL) shares it."""
    return local_now().replace(second=0)


@st.cache_data(ttl=DASHBOARD_REFRESH_SECONDS, show_spinner=False)
def _dashboard_data(url: str, filters, now) -> dict:
    from core import kpi
    with Session(_engine_for(url)) as s:
        return kpi.dashboard(s, filters, now=now)


@st.cache_data(ttl=DASHBOARD_REFRESH_SECONDS, show_spinner=False)
def _alert_candidates(url: str, now):
    from core import alerts
    with Session(_engine_for(url)) as s:
        return alerts.candidates(s, now=now)


def alerts_now(user: CurrentUser) -> tuple[list, int, bool]:
    """Early-warning alerts, how many there are in all and whether that is only "at least"
    (alerts.candidates), computed once per refresh interval; acknowledgements read fresh."""
    from core import alerts
    found = _alert_candidates(settings().database_url, _this_minute())
    with session() as s:
        return alerts.with_acks(s, user=user, found=found.shown), found.total, found.more_than


def dashboard_data(filters) -> dict:
    """The dashboard's aggregates (core.kpi), shared by every viewer of the same filters for
    the refresh interval: a wall of screens costs one set of queries, not one per screen."""
    return _dashboard_data(settings().database_url, filters, _this_minute())


@st.cache_data(ttl=60, show_spinner=False, max_entries=500)
def _public_board(url: str, township_id: int, start: date, end: date, language: str, now):
    from core import public_board
    with Session(_engine_for(url)) as s:
        return public_board.board(s, township_id=township_id, start=start, end=end, lang=language, now=now)


def public_board_data(township_id: int, start: date, end: date):
    """A township's public board (core.public_board), shared by every resident who opens the same
    board within the minute: a public page must not cost a set of queries per visit."""
    return _public_board(settings().database_url, township_id, start, end, lang(), _this_minute())


def sweep_overdue() -> None:
    _swept(settings().database_url)


def session() -> Session:
    return Session(engine(), expire_on_commit=False)


def lang() -> str:
    return st.session_state.get("app_lang", labels.DEFAULT_LANGUAGE)


def tr(key: str, **values: object) -> str:
    return labels.t(key, lang(), **values)


def lbl(member, enum=None) -> str:
    return labels.label(member, lang(), enum)


def holiday(name: str) -> str:
    return labels.holiday_name(name, lang())


def schedule_banner(user: CurrentUser) -> None:
    """From 1 November the admin is told while next year's holidays are still provisional."""
    if not user.has(Role.admin):
        return
    with session() as s:
        year = limits.schedule_warning(s, today=local_now().date())
    if year is not None:
        st.warning(tr("schedule.banner", year=year), icon=":material/event_busy:")


UPLOAD_WORDS = {"zh": ("选择文件", "拖入文件或点击选择"), "en": ("Choose files", "Drop files here or choose")}


def page_chrome() -> None:
    """What every signed-in page shares on a phone and in Chinese: inputs of 16 px (smaller ones
    make phones zoom in), the menu closing after a page is chosen on a narrow screen, and the file
    uploader's own English ("Upload", "200MB per file") replaced by the user's language — each
    uploader states its real limits in its help text."""
    button, drop = UPLOAD_WORDS[lang()]
    st.html(f"""<style>
@media (max-width: 640px) {{ input, textarea, [data-baseweb="select"] div {{ font-size: 16px !important; }} }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{button}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{drop}"; font-size: 0.8rem; }}
{'[data-testid="InputInstructions"] { display: none; }' if lang() == "zh" else ""}
</style>
<script>
if (!window.mqtMenuCloses) {{
  window.mqtMenuCloses = true;
  document.addEventListener("click", (event) => {{
    if (window.innerWidth > 640 || !event.target.closest('[data-testid="stSidebarNav"] a')) return;
    let tries = 0;  // the menu is redrawn while the page changes: try until it is closed
    const close = setInterval(() => {{
      const menu = document.querySelector('[data-testid="stSidebar"]');
      if (++tries > 30 || !menu || menu.getBoundingClientRect().right <= 1) return clearInterval(close);
      document.querySelector('[data-testid="stSidebarCollapseButton"] button')?.click();
    }}, 150);
  }});
}}
</script>""", unsafe_allow_javascript=True)


def page_title(key: str) -> str:
    return labels.page_title(key, lang())


def language_switch() -> None:
    """The language the user chose, kept in the address (?lang=en) so that a reload or a link
    copied from the address bar keeps it; Chinese, the default, needs no parameter."""
    if "app_lang" not in st.session_state and st.query_params.get("lang") in labels.LANGUAGES:
        st.session_state["app_lang"] = st.query_params["lang"]
    st.sidebar.segmented_control(
        labels.t("lang.switch"), options=list(labels.LANGUAGES), default=lang(), key="app_lang",
        format_func=lambda code: "中文" if code == "zh" else "English",
    )
    if st.session_state.get("app_lang") is None:  # a click on the selected option clears it
        st.session_state["app_lang"] = labels.DEFAULT_LANGUAGE
    if lang() == labels.DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang()


COOKIE_DAYS = 7
SESSION_VERSION, RENEW_COOKIE, SIGN_IN_REFUSAL = "auth_version", "_renew_cookie", "_sign_in_refusal"


def authenticator() -> stauth.Authenticate:
    """streamlit-authenticator keeps the browser cookie and the sign-out button; the password check,
    lockout and token versions are core.auth's (it holds no credentials)."""
    return stauth.Authenticate(
        {"usernames": {}}, cookie_name=COOKIE_NAME, cookie_key=settings().cookie_key,
        cookie_expiry_days=COOKIE_DAYS, auto_hash=False, login_sleep_time=0,
    )


def client_address() -> str:
    """The visitor's address for the per-client limits (the proxy's header when one is named)."""
    header = settings().client_ip_header
    forwarded = st.context.headers.get(header) if header else None
    if isinstance(forwarded, str) and forwarded.strip():
        return forwarded.split(",")[0].strip()[:64]
    address = st.context.ip_address
    return address[:64] if isinstance(address, str) else ""  # none in a test harness


def _begin_session(user: CurrentUser) -> None:
    st.session_state.update({"authentication_status": True, "username": user.username, "name": user.display_name,
                             "roles": sorted(user.roles), "logout": None, SESSION_VERSION: user.token_version})


def _write_cookie(authenticator_: stauth.Authenticate, user: CurrentUser) -> None:
    """The cookie component must stay on the page for a moment: never st.rerun() right after this."""
    now = datetime.now(timezone.utc)
    token = auth.session_token(user, key=settings().cookie_key, now=now, days=COOKIE_DAYS)
    authenticator_.cookie_controller.cookie_model.cookie_manager.set(
        COOKIE_NAME, token, expires_at=now + timedelta(days=COOKIE_DAYS))


def restore_session() -> None:
    """A new browser session signs in from the cookie of an earlier one while that is still valid."""
    if st.session_state.get("authentication_status") or st.session_state.get("logout"):
        return
    with session() as s:
        user = auth.user_from_token(s, st.context.cookies.get(COOKIE_NAME), key=settings().cookie_key,
                                    now=datetime.now(timezone.utc))
    if user is not None:
        _begin_session(user)


def end_session() -> None:
    for key in ("authentication_status", "username", "name", "roles", SESSION_VERSION):
        st.session_state[key] = None


def sign_in_form(authenticator_: stauth.Authenticate) -> None:
    with st.form("app_login"):
        st.subheader(tr("login.title"))
        username = st.text_input(tr("login.username"), key="login_username", autocomplete="username")
        password = st.text_input(tr("login.password"), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if submitted:
        try:
            with session() as s:
                user = auth.sign_in(s, username=username, password=password, client=client_address(), now=local_now())
        except DomainError as exc:
            st.session_state.update({"authentication_status": False, SIGN_IN_REFUSAL: exc})
        else:
            _begin_session(user)
            _write_cookie(authenticator_, user)
            return
    if st.session_state.get("authentication_status") is False and st.session_state.get(SIGN_IN_REFUSAL):
        show_error(st.session_state[SIGN_IN_REFUSAL])  # kept over the reruns until the next try


def sign_out_button(authenticator_: stauth.Authenticate) -> None:
    """Signing out ends the account's sessions and cookies on every device (core.auth.sign_out)."""
    def everywhere(info: dict) -> None:
        with session() as s:
            auth.sign_out(s, username=info.get("username") or "")
            s.commit()
    authenticator_.logout(button_name=tr("logout"), location="sidebar", key="app_logout", callback=everywhere)


def renew_cookie(authenticator_: stauth.Authenticate, user: CurrentUser) -> None:
    """After one's own password change the session goes on with the new token version: so does the cookie."""
    if st.session_state.pop(RENEW_COOKIE, False):
        _write_cookie(authenticator_, user)
        st.session_state[KEEP_FLASH] = True  # the message of the change must outlive the cookie's rerun


def current_user() -> CurrentUser | None:
    """The signed-in user read fresh from the database on every run (roles, unit, active), or None
    once the account was disabled, reset or signed out elsewhere."""
    if not st.session_state.get("authentication_status"):
        return None
    username = st.session_state.get("username")
    if not username:
        return None
    with session() as s:
        return auth.still_valid(s, username=username, token_version=st.session_state.get(SESSION_VERSION))


VIA_APP = "_via_app"  # set by app.py on each run just before it runs the page


def through_app() -> None:
    """Why: until a run of app.py has called st.navigation in this server process, Streamlit treats
    pages/ as an old-style page folder and runs a deep-linked page (a bookmark, a wall screen
    reconnecting after a restart) on its own, without app.py: no sign-in from the cookie, so the page
    refused. Such a run (app.py is the app, yet it did not run) leaves that mode and runs again,
    through app.py. Sessions that start at once each find out for themselves."""
    if st.session_state.pop(VIA_APP, False):
        return
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    context = get_script_run_ctx()
    if context is not None and Path(context.main_script_path).name == "app.py":  # not a test running the page
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()


def require_page(page_key: str) -> CurrentUser:
    """Every page calls this first: hiding a page from the menu is not protection."""
    through_app()
    user = current_user()
    if user is None:
        st.error(tr("guard.session_ended") if st.session_state.get("authentication_status") else tr("guard.denied"))
        st.stop()
    if not auth.may_open(user, page_key):
        st.error(tr("guard.denied"))
        st.stop()
    st.session_state[OPENED] = st.session_state.get(CURRENT_PAGE) != page_key
    st.session_state[CURRENT_PAGE] = page_key
    st.title(page_title(page_key))
    show_flash()
    return user


CURRENT_PAGE, OPENED = "_page", "_page_opened"


def just_opened() -> bool:
    """True on the first run of a page after coming from another page (not on its own reruns)."""
    return st.session_state.get(OPENED, True)


def form_generation(form: str) -> int:
    """Why: a form's widgets are keyed by its generation — a refused form keeps what was typed (the
    same keys), and after a save `new_form` gives empty widgets, so a second click repeats nothing."""
    return st.session_state.get(f"_form_gen_{form}", 0)


def new_form(form: str) -> None:
    st.session_state[f"_form_gen_{form}"] = form_generation(form) + 1


FLASH = "_flash"
KEEP_FLASH = "_keep_flash"
FLASH_UNTIL = "_flash_until"
FLASH_HOLD_SECONDS = 3.0  # how long a kept message outlives the reruns a cookie write starts
GO_HOME = "_go_home"  # set by a page that is done with the user: app.py switches to their home page


def flash(text: str, *, kind: str = "success", code: str | None = None) -> None:
    """A message for the next run of the page: a save reruns the page so that everything on it shows
    the new state, and the message must survive that rerun. `code` is shown once below it."""
    if st.session_state.pop(FLASH_UNTIL, None) is not None:  # a kept message of earlier: replaced
        st.session_state.pop(FLASH, None)
    st.session_state.setdefault(FLASH, []).append((kind, text, code))


def show_flash() -> None:
    """Shows the flashed messages once; with KEEP_FLASH (a cookie written this run) they are shown on
    every run for FLASH_HOLD_SECONDS, since the cookie component reruns the page once or twice at
    moments the server does not choose, and the message must be on the page the user ends up seeing."""
    now = time.monotonic()
    until = st.session_state.get(FLASH_UNTIL)
    if st.session_state.pop(KEEP_FLASH, False) and until is None:
        until = st.session_state[FLASH_UNTIL] = now + FLASH_HOLD_SECONDS
    if until is None or now >= until:
        messages = st.session_state.pop(FLASH, [])
        st.session_state.pop(FLASH_UNTIL, None)
        if until is not None:
            return  # kept long enough: a later run is the user's own
    else:
        messages = st.session_state.get(FLASH, [])
    for kind, text, code in messages:
        getattr(st, kind)(text)
        if code:
            st.code(code, language=None)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])")


def md(text: object) -> str:
    """Text someone typed, safe inside st.markdown: every markdown, HTML, autolink (the ':' of
    http://) and KaTeX ('$') character escaped, so residents' words show as words, never as links."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def show_error(exc: DomainError) -> None:
    st.error(exc.message(lang()))


def workbook_import(key: str, run, *, message, with_sheet: bool = False, after=None) -> None:
    """A workbook's upload with 检查 and 导入: `run(session, data, filename)` writes every good row and
    returns a result with `errors` (CellError); nothing is kept unless none was refused and it is not
    a check. Refusals are listed by (sheet,) row and column; `message(result, checked)` says what
    was (or would be) done, and `after(result)` runs before the page reruns on an import."""
    upload = st.file_uploader(tr("network.upload"), type=["xlsx", "csv"], key=f"{key}_upload")
    dry, go = st.columns(2)
    check = dry.button(tr("network.check"), key=f"{key}_check", disabled=upload is None)
    write = go.button(tr("network.import"), type="primary", key=f"{key}_import", disabled=upload is None)
    if upload is None or not (check or write):
        return
    try:
        with session() as s:
            result = run(s, upload.getvalue(), upload.name)
            if result.errors or check:
                s.rollback()
            else:
                s.commit()
    except DomainError as exc:
        show_error(exc)
        return
    if result.errors:
        st.error(tr("network.import_refused", n=len(result.errors)))
        st.table(pd.DataFrame([{**({tr("network.sheet"): c.sheet} if with_sheet else {}), tr("import.row"): c.row,
                                tr("import.column"): c.column, tr("import.problem"): c.error.message(lang())}
                               for c in result.errors]))
    elif check:
        st.success(message(result, True))
    else:  # rerun, so that the page shows what was imported
        flash(message(result, False))
        if after is not None:
            after(result)
        st.rerun()


def field_errors(form: str, exc: DomainError | None = None) -> dict[str, str]:
    """Messages per field of a form, kept across the rerun after a refused submit (FormErrors
    carries several; any other refusal sits under its own field or at the top)."""
    key = f"{form}_errors"
    if exc is not None:
        errors = getattr(exc, "errors", None) or {exc.field or "_form": exc}
        st.session_state[key] = {name: e.message(lang()) for name, e in errors.items()}
    return st.session_state.get(key, {})


def clear_field_errors(form: str) -> None:
    st.session_state.pop(f"{form}_errors", None)


def place_picker(townships: list, *, key: str, required: bool = False, columns=None) -> tuple[int | None, int | None]:
    """Township, then the villages of the chosen township (`{key}_township`, `{key}_village`)."""
    from core import network
    left, right = columns or st.columns(2)
    township = left.selectbox(tr("field.township_id") + (" *" if required else ""), [t.id for t in townships],
                              index=None, key=f"{key}_township", placeholder=tr("case.choose"),
                              format_func=lambda i: next(t.name for t in townships if t.id == i))
    with session() as s:
        villages = network.villages(s, township) if township else []
    village = right.selectbox(tr("field.village_id"), [v.id for v in villages], index=None, key=f"{key}_village",
                              format_func=lambda i: next(v.name for v in villages if v.id == i),
                              placeholder=tr("case.choose"))
    return township, village


def category_picker(content: str, category_names: dict[int, str], *, key: str, container=None) -> tuple[list, list]:
    """The category select box (`{key}_category`), the suggested categories first and the best one
    chosen until the user picks one themselves; returns the suggested categories and units."""
    from core import suggest
    suggested, units = [], []
    if content.strip():
        with session() as s:
            suggested, units = suggest.suggest(s, classifier(), content)
    options = [c.id for c in suggested if c.id in category_names]
    options += [i for i in category_names if i not in options]
    if suggested and not st.session_state.get(f"{key}_category_touched"):
        st.session_state[f"{key}_category"] = options[0]
    (container or st).selectbox(tr("field.category_id"), options, index=None, key=f"{key}_category",
                                format_func=category_names.get, placeholder=tr("report.category_hint"),
                                on_change=lambda: st.session_state.update({f"{key}_category_touched": True}))
    return suggested, units


def under(errors: dict[str, str], *names: str) -> None:
    for name in names:
        if name in errors:
            st.markdown(f":red[:material/error: {errors[name]}]")


def counters(items: list[tuple[str, int]], per_row: int = 4) -> None:
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, (key, value) in zip(cols, items[start:start + per_row]):
            col.metric(tr(key), f"{value:,}", border=True)


def queue_warnings(counts: dict[str, int]) -> None:
    """Overdue and nearing deadlines as a banner, so they are read and not only counted."""
    from core.board import WARNINGS
    shown = [tr("board.warning_item", queue=tr(f"queue.{key}"), n=counts[key])
             for key in WARNINGS if counts.get(key)]
    if shown:
        st.warning("；".join(shown) if lang() == "zh" else "; ".join(shown), icon=":material/alarm:")


def reception_warnings(found: dict, *, link: bool = False) -> None:
    """What the coming receptions still need (core.reception.warnings) as one banner."""
    shown = [tr("reception.warning_item", flag=tr(f"reception.flag.{flag}"), n=len(items))
             for flag, items in found.items() if items]
    if "calendar_unknown" in found:
        st.error(tr("error.calendar_unknown_short"), icon=":material/event_busy:")
    if shown:
        st.warning(tr("reception.warning", items="；".join(shown) if lang() == "zh" else "; ".join(shown)),
                   icon=":material/campaign:")
        if link:
            st.page_link("pages/reception.py", label=page_title("reception"), icon=":material/campaign:")


def reception_entries(entries: list[dict]) -> None:
    """一人一档 rows (core.reception.ledger_entries) in the user's language."""
    from core.models import CaseStatus, Rating
    if not entries:
        st.info(tr("reception_ledger.none"))
        return
    st.dataframe(pd.DataFrame([{
        tr("reception.col.date"): f"{e['date']:%Y-%m-%d}", tr("reception_ledger.col.visitor"): e["visitor"],
        tr("reception_ledger.col.demand"): e["demand"], tr("reception_ledger.col.answer"): e["on_site_answer"],
        tr("reception_ledger.col.code"): e["tracking_code"],
        tr("reception_ledger.col.status"): lbl(e["status"], CaseStatus) if e["status"] else "",
        tr("reception_ledger.col.due"): f"{e['due_at']:%Y-%m-%d}" if e["due_at"] else "",
        tr("reception_ledger.col.result"): e["result"],
        tr("reception_ledger.col.rating"): lbl(e["rating"], Rating) if e["rating"] else "",
        tr("reception_ledger.col.phone"): e["phone"], tr("reception_ledger.col.address"): e["address"],
        tr("reception.col.name"): e["reception"],
    } for e in entries]), hide_index=True, width="stretch",
        column_config={tr("reception_ledger.col.demand"): st.column_config.TextColumn(width="large")})


def demo_banner() -> None:
    st.warning(tr("demo.banner"), icon=":material/science:")


def case_table(frame, columns: list[str], key: str, many: bool = False) -> list[int]:
    """Render ledger rows (core.ledger.list_cases) with labels in the user's language. A click on
    any cell of a row opens that case's page; with `many`, rows are ticked for a bulk action and
    their positions returned."""
    from core.models import CaseStatus, Channel, Rating
    if frame.empty:
        st.info(tr("ledger.empty"))
        return []
    flags = frame.apply(lambda r: " ".join(tr(f"flag.{f}") for f, on in (
        ("urgent", r["is_urgent"]), ("major", r["is_major"]), ("overdue", r["overdue"]), ("due_today", r["due_today"]),
        ("supervised", r["on_supervision_register"])) if on), axis=1)
    shown = frame.assign(
        status=frame["status"].map(lambda v: lbl(v, CaseStatus)),
        channel=frame["channel"].map(lambda v: lbl(v, Channel)),
        rating=frame["rating"].map(lambda v: lbl(v, Rating) if isinstance(v, str) else ""),
        category=frame["category_en"] if lang() == "en" else frame["category"],
        reporter=frame["reporter_name"], phone=frame["reporter_phone"], flags=flags,
        received_at=frame["received_at"].dt.strftime("%Y-%m-%d %H:%M"),
        due_at=frame["due_at"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
    )
    picked = st.dataframe(shown[columns].fillna("").rename(columns={c: tr(f"col.{c}") for c in columns}), hide_index=True,
                          width="stretch", column_config={tr("col.title"): st.column_config.TextColumn(width="large")},
                          on_select="rerun", selection_mode="multi-row" if many else "single-cell", key=key)
    if many:
        return list(picked.selection.rows) if picked else []
    rows = [cell[0] for cell in picked.selection.cells] if picked else []  # a click anywhere on a row
    if rows:
        st.session_state["case_code"] = frame.iloc[rows[0]]["tracking_code"]
        st.switch_page("pages/case.py")
    return rows


def case_cards(frame, results: dict[int, str] | None = None) -> None:
    """Ledger rows as cards, for a phone: code, stage, what, dates, rating and result."""
    from core.models import CaseStatus, Rating
    for row in frame.itertuples():
        with st.container(border=True):
            st.markdown(f"**{row.tracking_code}** :blue-badge[{lbl(row.status, CaseStatus)}]"
                        + (f" :red-badge[{tr('flag.overdue')}]" if row.overdue else ""))
            st.text(row.title)
            facts = [f"{tr('col.received_at')} {row.received_at:%m-%d}"]
            if isinstance(row.due_at, pd.Timestamp):
                facts.append(f"{tr('col.due_at')} {row.due_at:%m-%d}")
            if isinstance(row.rating, str):
                facts.append(f"{tr('col.rating')} {lbl(row.rating, Rating)}")
            st.caption(" · ".join(facts))
            if results and results.get(row.id):
                st.caption(f"{tr('field.result')}：{results[row.id]}")


def template_picker(choices: list, values: dict[str, str], *, target_key: str, key: str) -> None:
    """A select box of templates (core.templates) above a form: picking one writes its text,
    filled from `values`, into the form's text field `target_key`, for the user to edit."""
    from core.templates import fill
    if not choices:
        return
    by_id = {row.id: row for row in choices}

    def use() -> None:
        picked = st.session_state.get(key)
        if picked in by_id:
            st.session_state[target_key] = fill(by_id[picked].body, values)

    st.selectbox(tr("template.use"), list(by_id), index=None, format_func=lambda i: by_id[i].title,
                 placeholder=tr("template.placeholder"), key=key, on_change=use)


def bulk_round(key: str) -> int:
    """Show the outcome of the last bulk action under `key` (done, and each refusal with its
    reason) and return the round number: tables keyed by it drop their ticks after an action."""
    if f"{key}_result" in st.session_state:
        done, refused = st.session_state.pop(f"{key}_result")
        st.success(tr("board.bulk_done", n=done))
        for code, reason in refused:
            st.error(tr("board.bulk_refused", code=code, reason=reason))
    return st.session_state.get(f"{key}_round", 0)


def act_on_rows(action, picked, *, user: CurrentUser, key: str, params_for=None, **params) -> None:
    """The same workflow action on each picked ledger row (core.services.act_many: each case its
    own step and event, refusals skipped), then a rerun that shows the outcome (bulk_round)."""
    from core import services
    codes = dict(zip(picked["id"].astype(int), picked["tracking_code"], strict=True))
    with session() as s:
        outcomes = services.act_many(s, action, cases=[(int(r.id), int(r.version)) for r in picked.itertuples()],
                                     actor=user, now=local_now(), params_for=params_for, **params)
        s.commit()
    st.session_state[f"{key}_result"] = (
        sum(1 for _id, refusal in outcomes if refusal is None),
        [(codes[case_id], refusal.message(lang())) for case_id, refusal in outcomes if refusal is not None])
    st.session_state[f"{key}_round"] = st.session_state.get(f"{key}_round", 0) + 1
    st.rerun()


def action_field(field, *, key: str, categories: dict[int, str], units: dict[int, str], default=None,
                 min_date=None, leaders: list[str] | None = None):
    """One input of an action form (core.casefile.ACTION_FORMS), labelled in the user's language;
    required fields are starred. `default` preselects a choice, category or unit."""
    label = tr(f"field.{field.name}") + ("" if field.optional else " *")
    given = {} if default is None else {"value": str(default)}  # a template may fill the field through its key
    if field.kind in ("text", "case_code"):
        return st.text_input(label, max_chars=40 if field.kind == "text" else 20, key=key, **given)
    if field.kind == "long_text":
        return st.text_area(label, max_chars=2000, height=80, key=key, **given)
    if field.kind in ("choice", "category", "unit"):
        if field.kind == "choice":
            options, show = [m.value for m in field.choices], (lambda v: lbl(v, field.choices))
        else:
            names = categories if field.kind == "category" else units
            options, show = list(names), names.get
        return st.selectbox(label, options, index=options.index(default) if default in options else None,
                            format_func=show, placeholder=tr("case.choose"), key=key)
    if field.kind == "leader":  # a sign-off names a leader of the network (三不结案)
        options = leaders or []
        return st.selectbox(label, options, index=options.index(default) if default in options else None,
                            placeholder=tr("case.choose_leader"), key=key)
    if field.kind == "date":
        return st.date_input(label, value=None, min_value=min_date, key=key)
    if field.kind == "bool":
        return st.checkbox(label, value=True, key=key)
    raise ValueError(field.kind)


def duplicates_panel(user: CurrentUser, case, *, key: str) -> None:
    """Possible duplicates of a newly registered case (same village and category, open, last 30
    days), most similar first, each with a one-click merge through the workflow engine."""
    from core import services, suggest
    with session() as s:
        found = suggest.possible_duplicates(s, user=user, text=case.content, category_id=case.category_id,
                                            village_id=case.village_id, township_id=case.township_id,
                                            now=local_now(), exclude_case_id=case.id)
    if not found:
        st.caption(tr("suggest.no_duplicates"))
        return
    st.markdown(f"**{tr('suggest.duplicates', n=len(found))}**")
    for other, score in found:
        left, right = st.columns([5, 1])
        left.markdown(f"`{other.tracking_code}` · {tr('suggest.similar', pct=round(score * 100))} · "
                      f"{other.received_at:%m-%d %H:%M}  \n{md(other.title)}")
        if right.button(tr("suggest.merge"), key=f"{key}_merge_{other.id}"):
            try:
                with session() as s:
                    services.merge(s, case_id=case.id, actor=user, now=local_now(), expected_version=case.version,
                                   master_case_id=other.id)
                    s.commit()
                st.session_state[f"{key}_merged"] = other.tracking_code
                st.rerun()
            except DomainError as exc:
                show_error(exc)


def settings_form(user: CurrentUser, prefix: str, *, key: str, title: str) -> None:
    """The county settings under `prefix` (core.county_settings) as one form for those who may
    edit them, saved together (the ranking's weights must add up to 100), with their last changes."""
    from core import county_settings
    editable = [k for k, spec in county_settings.SPECS.items() if k.startswith(prefix) and user.has(*spec.editors)]
    if not editable:
        return
    with session() as s:
        current = county_settings.values(s, prefix)
        changed = county_settings.history(s, prefix, limit=10)
    st.markdown(f"#### {title}")
    with st.form(key):
        cols = st.columns(len(editable))
        new = {k: col.number_input(tr(f"field.{k}"), min_value=county_settings.SPECS[k].low,
                                   max_value=county_settings.SPECS[k].high, value=current[k], step=1,
                                   key=f"{key}_{k}") for col, k in zip(cols, editable)}
        if st.form_submit_button(tr("settings.save")):
            try:
                with session() as s:
                    done = county_settings.change(s, actor=user, new={k: int(v) for k, v in new.items()},
                                                  now=local_now())
                    s.commit()
                flash(tr("settings.saved", n=len(done)))
                st.rerun()
            except DomainError as exc:
                show_error(exc)
    if not changed.empty:
        with st.expander(tr("settings.history")):
            st.dataframe(changed.assign(key=changed["key"].map(lambda k: tr(f"field.{k}"))).rename(columns={
                "changed_at": tr("settings.col.at"), "changed_by": tr("settings.col.by"), "key": tr("settings.col.key"),
                "old": tr("settings.col.old"), "new": tr("settings.col.new")}), hide_index=True, width="stretch")
