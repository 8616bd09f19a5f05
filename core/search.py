"""Full-text search of cases' titles and content, indexed on both databases.

Why character pairs: Chinese has no spaces, and the words people type ("漏水", "路灯") are mostly two
characters, which a trigram index cannot find. Each text is cut into its overlapping pairs of
characters ("小区漏水" → "小区 区漏 漏水 水"), and a search for "区漏水" is the phrase of its pairs
"区漏 漏水": a substring match, answered from an index. The last character is also kept alone, so a
one-character search is a prefix match ("水*") that finds it anywhere. Spaces and punctuation are
left out on both sides, so "漏 水" finds "漏水" and "漏，水" (and a search of punctuation only, like
"%", falls back to a literal scan: see `core.ledger`).

SQLite: an FTS5 table `case_search` (contentless: it keeps no copy of the text), kept by triggers
on the case table that call `mqt_grams`, a Python function registered on every connection
(core.db). Every write path (a form, an import's executemany, the demo's bulk insert) keeps it.
A batch migration that rebuilds the case table drops its triggers: call `install` again there.

PostgreSQL: the same pairs computed by an SQL function of the same definition (`translate` with
the same character table, then one regex pass), their tsvector stored in a generated column
`search_document` with a GIN index, and phraseto_tsquery for the search. The database keeps it;
a test checks that the two definitions agree."""
from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core.db import id_chunks
from core.models import Case

# Left out of both texts and searches: spaces, ASCII punctuation, and the Chinese and full-width
# punctuation people type. One table, used by Python and (as a `translate` argument) by SQL.
DROPPED = (string.whitespace + string.punctuation + "\u00a0\u3000"
           + "，。、；：？！“”‘’（）【】《》〈〉「」『』〔〕［］｛｝—–…·～＃％＆＊＋－／＜＝＞＠＼＾＿｜￥")
_LOWER_FROM, _LOWER_TO = string.ascii_uppercase, string.ascii_lowercase  # ASCII only, as SQL translate does it
_TABLE = str.maketrans(_LOWER_FROM, _LOWER_TO, DROPPED)


def normalized(text: str | None) -> str:
    return (text or "").translate(_TABLE)


def grams(text: str | None, whole: bool = True) -> str:
    """The text's overlapping character pairs, space-separated; `whole` (a stored text) adds the
    last character alone, a search (whole=False) has only its pairs."""
    s = normalized(text)
    pairs = " ".join(map(operator.add, s, s[1:]))  # at C speed: an import indexes two texts a row
    if not whole or not s:
        return pairs
    return f"{pairs} {s[-1]}" if pairs else s


def searchable(text: str) -> bool:
    """Whether the index can answer: the search has a letter or digit left once spaces and
    punctuation are dropped."""
    return any(ch.isalnum() for ch in normalized(text))


# A newest-first list of cases whose words match draws its page from the matches when they are few
# (all of them fetched and sorted) and otherwise walks the cases newest first testing each (50 found
# after a few hundred rows). Where the two cost the same grows with the county (the square root of
# 50 × cases: 7,000 at a million); 5,000 keeps the draw under ~0.1 s. On the 1,000,000-case demo
# on SQLite: 126 matches 0.7 ms drawn vs 56 ms walked; 122,844 matches 310 ms drawn vs 42 ms
# walked (tests/perf/bench_search.py).
DRAW_FROM_MATCHES = 5_000


def match(connection: sa.Connection, text: str, listing: bool = True) -> sa.ColumnElement[bool]:
    """The cases whose title or content contains `text` (spaces and punctuation aside): from the
    index (for a count, or to draw a list's few matches), or for a newest-first list (`listing`):
    on PostgreSQL tested case by case for a walk (`draw` draws when the matches are few), on
    SQLite drawn or walked as the words' matches are few or many."""
    s = normalized(text)
    if connection.dialect.name == "postgresql":
        query = (sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), s + ":*") if len(s) == 1
                 else sa.func.phraseto_tsquery(sa.literal_column("'simple'::regconfig"), grams(s, whole=False)))
        found = DOCUMENT.op("@@")(query)
        # For a walk, inside a CASE: PostgreSQL estimates a phrase at one row, so given the index
        # (or the test alone) it fetched, joined and sorted every match of a common phrase; a CASE
        # it cannot index and estimates at half the rows, so it walks the date index.
        return sa.case((found, True), else_=False) if listing else found
    matches = sa.select(sa.literal_column("rowid")).select_from(sa.table("case_search")).where(
        sa.literal_column("case_search").op("MATCH")(_phrase(s)))
    if not listing:
        return Case.id.in_(matches)
    # SQLite decides here, from the index alone (the words' matches counted up to the bound, ~1 ms):
    # deciding under all of a list's conditions, as PostgreSQL does in `draw`, made a common word
    # with a township filter 14 → 100 ms on the 1,000,000-case demo (its ~4,500 matches drawn and
    # sorted, where walking finds 50 at once)
    many = connection.exec_driver_sql("SELECT count(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH ? LIMIT ?)",
                                      (_phrase(s), DRAW_FROM_MATCHES + 1)).scalar_one() > DRAW_FROM_MATCHES
    # `id + 0` hides the primary key from the planner, so that it walks the date index instead
    return (Case.id + 0 if many else Case.id).in_(matches)


def draw(connection: sa.Connection, matching: Callable[[], sa.Select]) -> sa.ColumnElement[bool] | None:
    """PostgreSQL: the condition of a list drawn from exactly its matches, when there are at most
    DRAW_FROM_MATCHES: `matching()` selects Case.id under all of the list's conditions, the words
    from the index (match with listing=False). None when there are more (the list walks), and on
    SQLite, where `match` has decided (and `matching` is not built)."""
    if connection.dialect.name != "postgresql":
        return None
    ids = connection.execute(matching().limit(DRAW_FROM_MATCHES + 1)).scalars().all()
    if len(ids) > DRAW_FROM_MATCHES:
        return None
    return Case.id == sa.any_(sa.literal(ids, postgresql.ARRAY(sa.Integer)))  # one array, not 5,000 parameters


def _phrase(s: str) -> str:
    """The FTS5 query of a normalized search (no quote survives normalized())."""
    return f'"{s}"*' if len(s) == 1 else f'"{grams(s, whole=False)}"'


def count(connection: sa.Connection, text: str) -> int:
    """How many cases match: on SQLite from the index alone (it holds one row per case)."""
    if connection.dialect.name == "postgresql":
        return connection.execute(sa.select(sa.func.count()).select_from(Case).where(match(connection, text, listing=False))).scalar_one()
    return connection.exec_driver_sql("SELECT count(*) FROM case_search WHERE case_search MATCH ?",
                                      (_phrase(normalized(text)),)).scalar_one()


def owns(name: str | None, _type: str = "", _parent=None) -> bool:
    """Tables, indexes and the column this module keeps outside the models (FTS5 makes
    case_search_data, …; PostgreSQL's case.search_document):
    Alembic's comparison of models and schema leaves them out (include_name)."""
    return bool(name) and (name.startswith(("case_search", "ix_case_search")) or name == "search_document")


def register(dbapi_connection) -> None:
    """SQLite: the function the triggers call (core.db registers it on every connection)."""
    dbapi_connection.create_function("mqt_grams", 2, lambda text, whole: grams(text, bool(whole)), deterministic=True)


INSERT_TRIGGER = "case_search_insert"


@contextmanager
def bulk(connection: sa.Connection) -> Iterator[list[int]]:
    """Around a bulk insert of cases, whose ids the caller adds to the yielded list: on SQLite the
    insert trigger is dropped, the new cases are indexed in one pass at the end, and the trigger is
    made again, all in the caller's transaction (so no other writer, and no committed case, ever
    goes without it). Why: a table with a row trigger took twice as long to insert into, even
    with a trigger that did nothing (0.73 s vs 0.38 s for 20,000 cases)."""
    ids: list[int] = []
    if connection.dialect.name == "postgresql":  # the generated column is computed by the insert
        yield ids
        return
    if not connection.connection.dbapi_connection.in_transaction:  # DDL alone would commit at once
        connection.exec_driver_sql("BEGIN")
    trigger = connection.exec_driver_sql(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '{INSERT_TRIGGER}'").scalar_one()
    connection.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    try:
        yield ids
    finally:  # (after a failure the caller's rollback would restore it too)
        connection.exec_driver_sql(trigger)
    index = sa.table("case_search", sa.column("rowid"), sa.column("title"), sa.column("content"))
    document = [sa.literal_column(f"mqt_grams(\"case\".{column}, 1)") for column in ("title", "content")]
    for chunk in id_chunks(Case.id, ids):
        connection.execute(index.insert().from_select(["rowid", "title", "content"],
                                                      sa.select(Case.id, *document).where(chunk)))


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_document(row: str) -> str:
    return f"mqt_grams({row}.title, 1), mqt_grams({row}.content, 1)"


SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5(title, content, content='', tokenize='unicode61')",
    f'CREATE TRIGGER IF NOT EXISTS {INSERT_TRIGGER} AFTER INSERT ON "case" BEGIN '
    f"INSERT INTO case_search(rowid, title, content) VALUES (new.id, {_sqlite_document('new')}); END",
    f'CREATE TRIGGER IF NOT EXISTS case_search_delete AFTER DELETE ON "case" BEGIN '
    f"INSERT INTO case_search(case_search, rowid, title, content) VALUES ('delete', old.id, {_sqlite_document('old')}); END",
    f'CREATE TRIGGER IF NOT EXISTS case_search_update AFTER UPDATE OF title, content ON "case" BEGIN '
    f"INSERT INTO case_search(case_search, rowid, title, content) VALUES ('delete', old.id, {_sqlite_document('old')}); "
    f"INSERT INTO case_search(rowid, title, content) VALUES (new.id, {_sqlite_document('new')}); END",
)
POSTGRES_DDL = (
    # the same pairs as grams(): translate() with the same table, then every character written
    # twice with a space between ("abc" → "a ab bc c"): without the first character alone that is
    # "ab bc c", the stored pairs; without the last one too, "ab bc", a search's (one C regex pass)
    "CREATE OR REPLACE FUNCTION mqt_grams(t text, whole boolean) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT CASE WHEN whole THEN p ELSE left(p, -2) END FROM (SELECT substr(regexp_replace(translate(coalesce(t, ''), "
    f"{_sql_literal(_LOWER_FROM + DROPPED)}, {_sql_literal(_LOWER_TO)}), '(.)', '\\1 \\1', 'g'), 3) AS p) AS pairs $$",
    "CREATE OR REPLACE FUNCTION mqt_case_document(title text, content text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    # schema-qualified: pg_restore runs the body with an empty search_path while it loads the rows
    "SELECT to_tsvector('simple'::regconfig, {schema}.mqt_grams(title, true) || ' ' || {schema}.mqt_grams(content, true)) $$",
    # stored, so that a phrase's recheck (GIN keeps no positions) reads it rather than computing it
    'ALTER TABLE "case" ADD COLUMN IF NOT EXISTS search_document tsvector '
    "GENERATED ALWAYS AS (mqt_case_document(title, content)) STORED",
    'CREATE INDEX IF NOT EXISTS ix_case_search ON "case" USING gin (search_document)',
)
DOCUMENT = sa.literal_column('"case".search_document')  # PostgreSQL only; not a model column


def install(connection: sa.Connection) -> None:
    """Creates the index (and on SQLite fills it from the cases); idempotent."""
    if connection.dialect.name == "postgresql":
        schema = connection.dialect.identifier_preparer.quote(connection.exec_driver_sql("SELECT current_schema()").scalar())
        for statement in POSTGRES_DDL:
            statement = statement.replace("{schema}", schema)
            connection.exec_driver_sql(statement.replace("%", "%%"))  # the driver reads % as a placeholder
        return
    fresh = not connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'case_search'").first()
    for statement in SQLITE_DDL:
        connection.exec_driver_sql(statement)
    if fresh:
        rebuild(connection)


def rebuild(connection: sa.Connection) -> None:
    """Refills the index from the cases (after a change of `grams`). On PostgreSQL rewriting the
    rows recomputes their stored document after CREATE OR REPLACE of the functions."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql('UPDATE "case" SET title = title')
        return
    connection.exec_driver_sql("INSERT INTO case_search(case_search) VALUES ('delete-all')")
    document = _sqlite_document('"case"')
    connection.exec_driver_sql(f'INSERT INTO case_search(rowid, title, content) SELECT id, {document} FROM "case"')


def uninstall(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_case_search")
        connection.exec_driver_sql('ALTER TABLE "case" DROP COLUMN IF EXISTS search_document')
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS mqt_case_document(text, text)")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS mqt_grams(text, boolean)")
        return
    for name in ("case_search_insert", "case_search_delete", "case_search_update"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    connection.exec_driver_sql("DROP TABLE IF EXISTS case_search")
