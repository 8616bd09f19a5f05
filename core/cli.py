"""`python -m core.cli …`: init, demo, sweep, user management; later issues add import, export,
kpi, reception and report commands. Every command honours DATABASE_URL and exits non-zero with a
message on error."""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date

import sqlalchemy as sa

from core import auth, demo
from core.auth import CurrentUser
from core.clock import local_now
from core.db import DatabaseError, is_database_busy, make_engine, migrate, session_scope
from core.errors import DomainError
from core.models import Leader, Role, Unit
from core.settings import SettingsError, load_settings
from sqlmodel import Session, select
from core.startup import ensure_ready


def _engine(args: argparse.Namespace):
    settings = load_settings()
    return make_engine(args.database_url or settings.database_url), settings


def cmd_init(args: argparse.Namespace) -> int:
    engine, settings = _engine(args)
    now = local_now()
    if args.bootstrap:
        outcome = ensure_ready(engine, settings, today=now.date(), now=now)
    else:
        migrate(engine)
        outcome = "migrated"
    print(f"Database at {engine.url.render_as_string(hide_password=True)} is at the newest schema ({outcome}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    engine, _settings = _engine(args)
    migrate(engine)
    today = date.fromisoformat(args.today) if args.today else local_now().date()
    started = time.perf_counter()

    def progress(done: int) -> None:
        if args.cases >= 50_000:
            print(f"  {done:,} / {args.cases:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)

    stats = demo.load_demo(engine, cases=args.cases, seed=args.seed, today=today, progress=progress)
    elapsed = time.perf_counter() - started
    print(f"Demo county loaded in {elapsed:.1f} s: {stats['cases']:,} cases, {stats['events']:,} events, "
          f"{stats['villages']} villages, {stats['leaders']} leaders, {stats['accounts']} demo accounts "
          f"(password {demo.DEMO_PASSWORD}).")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from core import services
    engine, _settings = _engine(args)
    migrate(engine)
    with session_scope(engine) as session:
        added = services.sweep_overdue(session, now=local_now())
    print(f"{added} overdue case(s) put on the supervision register.")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    engine, _settings = _engine(args)
    migrate(engine)
    now = local_now()
    password = args.password or auth.generate_password()
    with session_scope(engine) as session:
        unit_id = _unit_id(session, args.unit) if args.unit else None
        station_id = _unit_id(session, args.station) if args.station else None
        auth.create_user(session, actor=None, username=args.username, display_name=args.name or args.username,
                         password=password, roles={Role(r) for r in args.role}, now=now, unit_id=unit_id,
                         station_id=station_id, must_change_password=True)
    print(f"User {args.username} created." + ("" if args.password else f" Password (shown once): {password}"))
    return 0


def cmd_user_reset(args: argparse.Namespace) -> int:
    engine, _settings = _engine(args)
    now = local_now()
    password = args.password or auth.generate_password()
    with session_scope(engine) as session:
        from sqlmodel import select
        from core.models import User
        user = session.exec(select(User).where(User.username == args.username)).first()
        if user is None:
            raise SystemExit(f"error: no user named {args.username!r}")
        user.password_hash = auth.hash_password(password, user.username)
        user.must_change_password = True
        user.active = True
        user.token_version += 1  # sessions and cookies of the old password end
        user.updated_at = now
    print(f"Password of {args.username} reset." + ("" if args.password else f" New password (shown once): {password}"))
    return 0


def _unit_id(session, name_or_code: str) -> int:
    from sqlmodel import or_, select
    unit = session.exec(select(Unit).where(or_(Unit.code == name_or_code, Unit.name == name_or_code))).first()
    if unit is None:
        raise SystemExit(f"error: no unit with code or name {name_or_code!r}")
    return unit.id


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import ledger_io
    engine, _settings = _engine(args)
    migrate(engine)
    path = Path(args.path)
    with path.open("rb") as source, session_scope(engine) as session:
        # two readings, never the whole file in memory: every row checked, then (if none is bad) written
        good, errors = ledger_io.check_file(session, source, path.name)
        for cell in errors:
            print(f"row {cell.row}, column {cell.column}: {cell.error.message('en')}", file=sys.stderr)
        if errors:
            print(f"error: {len(errors)} error(s) in {path.name}; nothing imported.", file=sys.stderr)
            return 2
        if args.dry_run:
            print(f"Dry run: {good} row(s) of {path.name} are good; nothing written.")
            return 0
        written = ledger_io.import_file(session, actor=None, source=source, filename=path.name, now=local_now(),
                                        total=good, progress=lambda done, n: print(f"  {done:,} / {n:,} cases written",
                                                                                   flush=True))
    print(f"Imported {written} case(s) from {path.name}.")
    return 0


# the command line acts as the county's administrator (whoever may run it may read the database)
CLI_ADMIN = CurrentUser(id=None, username="cli", display_name="命令行", roles=frozenset({Role.admin}),
                        unit_id=None, liaison_id=None)


def _all_or_nothing(engine, path, run, where, *, dry_run: bool):
    """A workbook import: `run(session)` writes every good row and collects the refused cells; each
    refusal is printed (`where` names its place) and nothing is kept unless none was refused and it
    is not a dry run."""
    session = Session(engine)
    try:
        result = run(session)
        for cell in result.errors:
            print(f"{where(cell)}: {cell.error.message('en')}", file=sys.stderr)
        if result.errors:
            print(f"error: {len(result.errors)} error(s) in {path.name}; nothing imported.", file=sys.stderr)
        if result.errors or dry_run:
            session.rollback()
        else:
            session.commit()
        return result
    finally:
        session.close()


def cmd_households(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import households_io
    engine, _settings = _engine(args)
    migrate(engine)
    path = Path(args.path)
    if args.households_command == "template":
        path.write_bytes(households_io.template())
        print(f"Wrote the households workbook template to {path}.")
        return 0
    if args.households_command == "export":
        with session_scope(engine) as session:
            rows = households_io.export_rows(session, user=CLI_ADMIN)
        path.write_bytes(households_io.write_workbook(rows))
        print(f"Exported {len(rows):,} households to {path}.")
        return 0
    result = _all_or_nothing(engine, path, lambda session: households_io.import_households(
        session, actor=CLI_ADMIN, data=path.read_bytes(), filename=path.name),
        lambda c: f"row {c.row}, column {c.column}", dry_run=args.dry_run)
    if result.errors:
        return 2
    if args.dry_run:
        print(f"Dry run: {path.name} is good ({result.created} to add, {result.updated} to update); nothing written.")
        return 0
    print(f"Imported {path.name}: {result.created} added, {result.updated} updated.")
    return 0


def cmd_network(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import network_io
    engine, _settings = _engine(args)
    migrate(engine)
    path = Path(args.path)
    if args.network_command == "template":
        path.write_bytes(network_io.template())
        print(f"Wrote the network workbook template to {path}.")
        return 0
    if args.network_command == "export":
        with session_scope(engine) as session:
            rows = network_io.export_rows(session)
        path.write_bytes(network_io.write_workbook(rows))
        print(f"Exported the network to {path}: " + ", ".join(f"{name} {len(r)}" for name, r in rows.items()) + ".")
        return 0
    result = _all_or_nothing(engine, path, lambda session: network_io.import_network(
        session, actor=CLI_ADMIN, data=path.read_bytes(), filename=path.name, now=local_now()),
        lambda c: f"sheet {c.sheet}, row {c.row}, column {c.column}", dry_run=args.dry_run)
    if result.errors:
        return 2
    if args.dry_run:
        print(f"Dry run: {path.name} is good ({result.changed} row(s) would change); nothing written.")
        return 0
    summary = ", ".join(f"{sheet} +{result.created.get(sheet, 0)} ~{result.updated.get(sheet, 0)}"
                        for sheet in network_io.SHEETS if sheet in result.created or sheet in result.updated)
    print(f"Imported {path.name}: {summary or 'nothing changed'}.")
    for username, password in result.passwords:
        print(f"  new account {username}: first password (shown once) {password}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import ledger_io
    engine, _settings = _engine(args)
    migrate(engine)
    target = Path(args.path)
    partial = target.with_name(target.name + ".part")  # a failed export leaves no file that looks whole
    try:
        with session_scope(engine) as session, partial.open("wb") as out:
            count = ledger_io.write_export(ledger_io.iter_export_rows(session, user=None), out, target.name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    print(f"Exported {count} case(s) to {args.path}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from core import backup
    engine, _settings = _engine(args)
    counts = backup.backup(engine, args.path)
    print(f"Backed up {sum(counts.values())} row(s) in {len(counts)} table(s) "
          f"({counts.get('case', 0)} case(s), {counts.get('attachment', 0)} attachment(s)) to {args.path}.")
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    from core import rollup
    engine, _settings = _engine(args)
    migrate(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        if args.action == "check":
            differ = rollup.kept_rows(connection) != rollup.recomputed_rows(connection)
            print("The dashboard's kept aggregates " + ("differ from the cases: run `rollup rebuild`." if differ
                                                         else "equal a recomputation from the cases."))
            return 1 if differ else 0
        rollup.rebuild(connection)
    print(f"The dashboard's kept aggregates were rebuilt from the cases in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from core import backup
    if not args.replace:
        raise SystemExit("error: restoring replaces every row of the database with the backup's; "
                         "stop the app, then run again with --replace")
    engine, _settings = _engine(args)
    counts = backup.restore(engine, args.path)
    print(f"Restored {sum(counts.values())} row(s) in {len(counts)} table(s) "
          f"({counts.get('case', 0)} case(s), {counts.get('attachment', 0)} attachment(s)) from {args.path}.")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_reception_plan(args: argparse.Namespace) -> int:
    import json

    from core import reception
    engine, _settings = _engine(args)
    migrate(engine)
    with session_scope(engine) as session:
        plan = reception.occurrences(session, start=args.start, end=args.end)
        names = {leader.id: leader.name for leader in session.exec(select(Leader)).all()}
        rows = [reception.as_plan_row(session, occ, names) for occ in plan]
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            moved = f"  (moved from {row['original_date']})" if row["moved"] else ""
            leader = row["substitute"] or row["leader"] or "-"
            print(f"{row['date']} {row['time']}  {row['rule']}  {leader}  {row['place']}{moved}")
    return 0


def _township_id(session, name: str | None) -> int | None:
    if not name:
        return None
    from core.models import UnitKind
    found = session.exec(select(Unit.id).where(Unit.name == name, Unit.kind.in_((UnitKind.township,
                                                                               UnitKind.community)))).first()
    if found is None:
        raise ValueError(f"no township or community named {name!r}")
    return found


def cmd_kpi(args: argparse.Namespace) -> int:
    import json

    from core import kpi
    engine, _settings = _engine(args)
    migrate(engine)
    with session_scope(engine) as session:
        filters = kpi.KpiFilter(start=args.start, end=args.end, township_id=_township_id(session, args.township))
        figures = kpi.compute(session, filters, now=local_now()).as_dict()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        for key, value in figures.items():
            print(f"{key:28} {value}")
    return 0


# for the center's monthly draw (回访抽查), run from cron: the command line acts as the center
CLI_CENTER = CurrentUser(id=None, username="cli", display_name="命令行", roles=frozenset({Role.clerk}),
                         unit_id=None, liaison_id=None)


def cmd_callback(args: argparse.Namespace) -> int:
    from core import callback
    engine, _settings = _engine(args)
    migrate(engine)
    now = local_now()
    month = date.fromisoformat(f"{args.month}-01") if args.month else callback.last_finished_month(now)
    with session_scope(engine) as session:
        made = callback.draw(session, actor=CLI_CENTER, month=month, now=now, seed=args.seed)
        size = len(callback.call_list(session, user=CLI_CENTER, draw_id=made.id))
    print(f"Drew {size} of the {made.population:,} cases closed in {month:%Y-%m} (seed {made.seed}); "
          f"the call list is on the 回访抽查 page.")
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    import json

    from core import kpi
    engine, _settings = _engine(args)
    migrate(engine)
    with session_scope(engine) as session:
        found = kpi.assessment(session, args.year)
    out = {group: {"most_circulars": list(frame.loc[frame["most_circulars"], "name"]) if len(frame) else [],
                   "under_60_and_last": list(frame.loc[frame["lowest"], "name"]) if len(frame) else [],
                   "scores": [{"name": r.name, "score": None if r.score != r.score else r.score,
                               "circulars": int(r.circulars)} for r in frame.itertuples()]}
           for group, frame in found.items()}
    print(json.dumps({"year": args.year, "townships": out["township"], "departments": out["unit"]},
                     ensure_ascii=False, indent=1))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import network, reports
    engine, _settings = _engine(args)
    migrate(engine)
    now = local_now()
    with session_scope(engine) as session:
        county = network.county_name(session)
        if args.kind == "monthly":
            if not args.month:
                raise ValueError("--month YYYY-MM is required")
            table = reports.monthly_table(session, reports.month_filter(args.month))
            body = reports.monthly_xlsx(table, title=f"{county}民情民意联络工作月报表（{args.month}）")
        elif args.kind == "digest":
            start, end = reports.digest_periods(args.day) if args.day else reports.last_finished_digest_period(now.date())
            body = reports.ten_day_digest(session, start=start, end=end, now=now, county=county).encode("utf-8")
        else:
            if not args.quarter:
                raise ValueError("--quarter YYYYQn is required")
            body = reports.quarterly_docx(session, reports.quarter_filter(args.quarter), now=now, county=county)
    Path(args.out).write_bytes(body)
    print(f"Wrote the {args.kind} report to {args.out} ({len(body):,} bytes).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="民情通 administration")
    parser.add_argument("--database-url", help="overrides DATABASE_URL for this command")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the schema")
    p.add_argument("--bootstrap", action="store_true",
                   help="also fill an empty database (demo county in demo mode, first admin in production)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="load the demo pilot county into an empty database")
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--seed", type=int, default=20261121)
    p.add_argument("--today", help="YYYY-MM-DD the demo treats as today (default: today)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sweep", help="put overdue cases on the supervision register (run from cron)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("import", help="import an old ledger (.csv or .xlsx), all rows or none")
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export", help="export data")
    p.add_argument("what", choices=["cases"])
    p.add_argument("path", help="a .csv or .xlsx file")
    p.set_defaults(func=cmd_export)

    network_cmd = sub.add_parser("network", help="the network workbook (units, villages, categories, leaders, "
                                 "liaisons, users)").add_subparsers(dest="network_command", required=True)
    p = network_cmd.add_parser("import", help="import a network workbook, all rows or none; re-importing changes nothing")
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_network)
    for name, text in (("export", "export the whole network as a workbook"), ("template", "write the empty template")):
        p = network_cmd.add_parser(name, help=text)
        p.add_argument("path")
        p.set_defaults(func=cmd_network, dry_run=False)

    households_cmd = sub.add_parser("households", help="一户一档: the households workbook").add_subparsers(
        dest="households_command", required=True)
    p = households_cmd.add_parser("import", help="import households, all rows or none; re-importing changes nothing")
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(func=cmd_households)
    for name, text in (("export", "export every household on file"), ("template", "write the empty template")):
        p = households_cmd.add_parser(name, help=text)
        p.add_argument("path")
        p.set_defaults(func=cmd_households, dry_run=False)

    reception_cmd = sub.add_parser("reception", help="reception days").add_subparsers(dest="reception_command",
                                                                                      required=True)
    p = reception_cmd.add_parser("plan", help="the occurrences of every rule in a period, holidays shifted")
    p.add_argument("--from", dest="start", type=_day, required=True)
    p.add_argument("--to", dest="end", type=_day, required=True)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_reception_plan)

    p = sub.add_parser("backup", help="copy the whole database (every table, attachments too) to a new file")
    p.add_argument("path", help="SQLite: a .db file; PostgreSQL: a pg_dump custom-format file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the whole database with a backup (stop the app first)")
    p.add_argument("path")
    p.add_argument("--replace", action="store_true", help="confirm that every row is replaced")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("rollup", help="the dashboard's kept aggregates: rebuild them from the cases, or check them")
    p.add_argument("action", choices=["rebuild", "check"])
    p.set_defaults(func=cmd_rollup)
    p = sub.add_parser("kpi", help="every KPI of a period (cases received in it, as they stand now)")
    p.add_argument("--from", dest="start", type=_day, required=True)
    p.add_argument("--to", dest="end", type=_day, required=True)
    p.add_argument("--township", help="a township's or community's name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpi)

    p = sub.add_parser("callback", help="draw a finished month's call-back sample (回访抽查; run from cron early each month)")
    p.add_argument("action", choices=["draw"])
    p.add_argument("--month", help="YYYY-MM (default: last month)")
    p.add_argument("--seed", type=int, help="reproduce a draw with its recorded seed (default: a new random seed)")
    p.set_defaults(func=cmd_callback)
    p = sub.add_parser("assess", help="the annual assessment (年度考核): scores, circulars and the two S4 lists, as JSON")
    p.add_argument("--year", type=int, required=True)
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("report", help="monthly table (.xlsx), ten-day digest (.html), quarterly analysis (.docx)")
    p.add_argument("kind", choices=["monthly", "digest", "quarterly"])
    p.add_argument("--month", help="YYYY-MM (monthly)")
    p.add_argument("--day", type=_day, help="a day of the ten-day period (digest; default: the last finished period)")
    p.add_argument("--quarter", help="YYYYQn, e.g. 2026Q3 (quarterly)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_report)

    user = sub.add_parser("user", help="accounts").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="create an account")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    p.add_argument("--unit", help="unit code or name (unit_handler)")
    p.add_argument("--station", help="station code or name (liaison)")
    p.add_argument("--password", help="default: generated and printed once")
    p.set_defaults(func=cmd_user_add)
    p = user.add_parser("reset-password", help="reset a password and re-enable the account")
    p.add_argument("username")
    p.add_argument("--password")
    p.set_defaults(func=cmd_user_reset)
    return parser


BUSY_RETRIES = (1.0, 3.0)  # seconds to wait before the second and the third try


def _run_retrying_when_busy(args: argparse.Namespace) -> int:
    """Why: every command is one transaction, so one that met a locked database wrote nothing and
    may simply run again once the other writer is done."""
    for wait in (*BUSY_RETRIES, None):
        try:
            return args.func(args)
        except Exception as exc:
            if not is_database_busy(exc) or wait is None:
                raise
            print(f"the database is busy (another program is writing); trying again in {wait:.0f} s", file=sys.stderr)
            time.sleep(wait)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run_retrying_when_busy(args)
    except (SettingsError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc.message('en')}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sa.exc.OperationalError as exc:
        if not is_database_busy(exc):
            raise
        print(f"error: the database stayed busy (another program kept writing to it) through "
              f"{len(BUSY_RETRIES) + 1} tries; nothing was changed. Run the command again in a moment.", file=sys.stderr)
        return 75  # EX_TEMPFAIL


if __name__ == "__main__":
    sys.exit(main())
