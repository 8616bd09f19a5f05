"""Full-text search (core.search) and the ledger's keyset paging: a search finds exactly the cases
whose title or content holds the words typed (spaces and punctuation aside), on both databases;
the index follows every write; a cursor's pages are OFFSET's pages without their cost."""
from __future__ import annotations

import itertools

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import Session, select

from core import auth, ledger, search
from core.db import make_engine, migrate
from core.models import Case, CaseStatus as S, Role
from tests import factories
from tests.conftest import ON_POSTGRES, new_database_url

NOW = datetime(2026, 11, 21, 9, 0)
# a small alphabet, so that the texts share pairs and substrings, with the punctuation and spaces
# a search ignores and ASCII letters of both cases
LETTERS = "水管漏路灯坏aB1"
ALPHABET = LETTERS + "，。 -%_\n"


def test_grams_are_overlapping_pairs_with_the_last_character_kept_alone():
    assert search.grams("小区漏水") == "小区 区漏 漏水 水"
    assert search.grams("小区漏水", whole=False) == "小区 区漏 漏水"
    assert search.grams("漏，水 管！") == "漏水 水管 管"  # spaces and punctuation dropped
    assert search.grams("MQ-12") == "mq q1 12 2"  # ASCII lower-cased
    assert search.grams("") == "" and search.grams(None) == ""
    assert search.grams("水") == "水" and search.grams("水", whole=False) == ""
    assert not search.searchable("% _ ——") and search.searchable("，水")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A database with 120 cases of random short titles and texts from ALPHABET."""
    import random
    rnd = random.Random(7)
    engine = make_engine(new_database_url(tmp_path_factory.mktemp("search")))
    migrate(engine)
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        texts = {}
        for i in range(120):
            title = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 6)))
            content = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 30)))
            case = factories.case(s, status=S.received, received_at=NOW - timedelta(hours=i), content=content)
            case.title = title
            s.flush()
            texts[case.id] = (title, content)
        s.commit()
    yield engine, texts
    engine.dispose()


def expected(texts, typed: str) -> set[int]:
    """The independent answer: the cases whose normalized title or content holds the normalized search."""
    needle = search.normalized(typed)
    return {i for i, (title, content) in texts.items()
            if needle in search.normalized(title) or needle in search.normalized(content)}


def found(engine, typed: str) -> tuple[set[int], int]:
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "desk")
        filters = ledger.LedgerFilter(text=typed)
        total, rows = ledger.list_cases(s, user=clerk, filters=filters, now=NOW, page_size=500)
        assert ledger.count_cases(s, user=clerk, filters=filters, now=NOW) == total
        return (set(rows["id"]) if len(rows) else set()), total


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_search_finds_exactly_the_cases_that_hold_it(corpus, data):
    engine, texts = corpus
    source = data.draw(st.sampled_from(sorted(texts)))
    title, content = texts[source]
    whole = data.draw(st.sampled_from([title, content]))
    start = data.draw(st.integers(0, len(whole)))
    typed = data.draw(st.one_of(st.just(whole[start:start + data.draw(st.integers(1, 8))]),
                                st.text(alphabet=ALPHABET, min_size=1, max_size=5)))
    if not typed.strip():
        return
    ids, total = found(engine, typed)
    if search.searchable(typed):
        assert ids == expected(texts, typed), typed
    else:  # punctuation only: the literal scan of what was typed
        assert ids == {i for i, (t, c) in texts.items() if typed.strip() in t or typed.strip() in c}, typed
    assert total == len(ids)


@pytest.mark.parametrize("bound", [0, 10_000])  # every list walks the cases newest first / draws its matches
def test_a_list_drawn_from_its_matches_or_walked_shows_the_same_pages(corpus, monkeypatch, bound):
    engine, texts = corpus
    monkeypatch.setattr(search, "DRAW_FROM_MATCHES", bound)
    with Session(engine) as s:
        clerk = auth.load_current_user(s, "desk")
        real_draw, draws = search.draw, []
        monkeypatch.setattr(search, "draw", lambda *a: draws.append(1) or real_draw(*a))
        for typed, planned in itertools.product(("水", "漏水", "管漏", "aB", "水管漏路", "灯灯灯灯"), (False, True)):
            want = expected(texts, typed)
            filters = ledger.LedgerFilter(text=typed)
            draws.clear()  # a plan decided once (as the ledger page keeps it) serves every page
            plan = ledger.search_plan(s, user=clerk, filters=filters, now=NOW) if planned else None
            pages, after, turns = [], None, 0
            while True:  # pages of 7 by cursor, as the ledger turns them
                turns += 1
                _n, rows = ledger.list_cases(s, user=clerk, filters=filters, now=NOW, page_size=7, after=after,
                                             count=False, plan=plan)
                if rows.empty:
                    break
                pages += list(rows["id"])
                after = ledger.cursor_after(rows)
            by_time = {c.id: c.received_at for c in s.exec(select(Case).where(Case.id.in_(want or [0])))}
            assert set(pages) == want and len(pages) == len(want), typed
            assert pages == sorted(pages, key=lambda i: (by_time[i], i), reverse=True), typed
            assert len(draws) == (1 if planned else turns), (typed, turns)


def test_sql_pairs_equal_pythons(engine):
    """PostgreSQL computes the pairs in SQL, SQLite calls the Python function: the same answer."""
    samples = ["小区漏水", "漏，水 管！", "MQ-2026-000123", "Ｍ全角ＡＢ", "a\u200bb", "水🙂管", "'; DROP TABLE x; --",
               "  \t\n ", "Ünïcödé ÀB", "一" * 300, "%_\\", "…——·", "x"]
    with engine.connect() as conn:
        for text in samples:
            for whole in (True, False):
                assert conn.execute(sa.text("SELECT mqt_grams(:t, :w)"), {"t": text, "w": whole}).scalar() == \
                    search.grams(text, whole), (text, whole)


def test_the_index_follows_edits_and_deletes(engine):
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        case = factories.case(s, status=S.received, received_at=NOW, content="小区路灯不亮")
        gone = factories.case(s, status=S.received, received_at=NOW, content="路灯坏了")
        s.commit()
        case_id = case.id
        assert found(engine, "路灯")[0] == {case_id, gone.id}
        case.content = "楼道漏水严重"
        case.title = "漏水"
        s.delete(gone)
        s.commit()
    assert found(engine, "路灯")[0] == set()
    assert found(engine, "楼道漏水")[0] == {case_id}
    with engine.begin() as conn:  # a Core UPDATE that bypasses the ORM is followed too (the triggers)
        conn.execute(sa.update(Case).where(Case.id == case_id).values(content="噪音扰民"))
    assert found(engine, "楼道")[0] == set() and found(engine, "漏水")[0] == {case_id}  # the title still says 漏水
    assert found(engine, "噪音")[0] == {case_id}


def _has_insert_trigger(conn) -> bool:
    return conn.exec_driver_sql(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = '{search.INSERT_TRIGGER}'").scalar() == 1


def _bulk_county(engine) -> dict:
    """A county with the clerk "desk", and a case's columns for a Core insert (no tracking code, no content)."""
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        s.commit()
    return {"channel": "hotline", "status": "received", "title": "t", "received_at": NOW, "version": 1, "imported": False,
            "affected_count": 1, "is_urgent": False, "is_major": False, "on_supervision_register": False,
            "return_count": 0, "consecutive_returns": 0, "misroute_count": 0, "circular_due": False}


def test_a_bulk_insert_is_indexed_once_and_a_failed_one_leaves_the_trigger_on(engine):
    row = _bulk_county(engine)
    with engine.begin() as conn:
        with search.bulk(conn) as indexed:  # the first statement of its transaction
            if not ON_POSTGRES:  # the insert trigger is gone for the bulk insert's length ...
                assert not _has_insert_trigger(conn)
                with engine.connect() as other:  # ... inside the transaction only
                    assert _has_insert_trigger(other)
            conn.execute(sa.insert(Case), [{**row, "tracking_code": f"B-{i}", "content": f"批量{i}号楼漏水"} for i in range(3)])
            indexed.extend(conn.execute(select(Case.id).where(Case.tracking_code.like("B-%"))).scalars())
        with pytest.raises(sa.exc.IntegrityError):  # a failed bulk insert (a duplicate code) ...
            with conn.begin_nested(), search.bulk(conn):
                conn.execute(sa.insert(Case), [{**row, "tracking_code": "B-0", "content": "重复"}])
        conn.execute(sa.insert(Case), [{**row, "tracking_code": "C-1", "content": "之后的路灯"}])  # ... leaves it on
        if not ON_POSTGRES:
            assert _has_insert_trigger(conn)
    assert len(found(engine, "号楼漏水")[0]) == 3  # indexed by the pass at the end
    with engine.connect() as conn:
        assert search.count(conn, "号楼漏水") == 3
    assert len(found(engine, "路灯")[0]) == 1


def test_a_bulk_insert_that_fails_leaves_neither_cases_nor_a_missing_trigger(engine):
    """All or nothing: the cases, the dropped trigger and the index go back together."""
    row = _bulk_county(engine)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        with search.bulk(conn) as indexed:
            conn.execute(sa.insert(Case), [{**row, "tracking_code": "D-1", "content": "半途失败的水管"}])
            indexed.extend(conn.execute(select(Case.id).where(Case.tracking_code == "D-1")).scalars())
        raise RuntimeError("the import fails after the batch")
    with Session(engine) as s:  # a case added the usual way afterwards is indexed by the trigger
        s.add(Case(**{**row, "tracking_code": "D-2", "content": "之后的水管"}))
        s.commit()
    assert len(found(engine, "水管")[0]) == 1
    with engine.connect() as conn:
        assert conn.execute(select(sa.func.count()).select_from(Case)).scalar() == 1
        if not ON_POSTGRES:
            assert _has_insert_trigger(conn)


def test_the_demo_counties_bulk_inserted_cases_are_indexed(demo_engine):
    """The demo writes cases by executemany: the index counts what a LIKE scan counts."""
    with Session(demo_engine) as s:
        clerk = auth.load_current_user(s, "clerk")
        seen = 0
        for word in ("漏水", "路灯", "低保", "水", "噪音扰民", "村", "管道破裂漏水"):
            like = s.exec(select(sa.func.count()).select_from(Case).where(
                sa.or_(Case.title.contains(word), Case.content.contains(word)))).one()
            assert ledger.count_cases(s, user=clerk, filters=ledger.LedgerFilter(text=word), now=NOW) == like, word
            seen += like > 0
        assert seen >= 4  # most of the words are in the demo's texts


def test_tracking_codes_whole_or_their_beginning(engine):
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        cases = [factories.case(s, status=S.received, received_at=NOW, content="无关内容") for _ in range(3)]
        codes = {c.id: c.tracking_code for c in cases}
        s.commit()
    first_id, first = next(iter(codes.items()))
    assert found(engine, first)[0] == {first_id}
    assert found(engine, first.lower())[0] == {first_id}
    assert first_id in found(engine, first[:-2])[0]  # its beginning
    assert found(engine, "MQ-2026")[0] == set(codes)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's expression index: this run is on SQLite")
def test_postgres_answers_a_search_from_its_index(engine):
    with Session(engine) as s:
        clerk = factories.user(s, "desk", {Role.clerk}, NOW)
        s.commit()
        s.execute(sa.text("SET enable_seqscan = off"))
        clause = search.match(s.connection(), "漏水", listing=False)  # a count, or a list's few matches
        plan = "\n".join(r[0] for r in s.execute(sa.text("EXPLAIN " + str(
            select(Case.id).where(clause).compile(s.get_bind(), compile_kwargs={"literal_binds": True})))))
        assert "ix_case_search" in plan, plan
        assert clerk


def test_a_cursor_pages_like_offset_without_gaps_or_repeats(engine):
    with Session(engine) as s:
        factories.county(s)
        factories.user(s, "desk", {Role.clerk}, NOW)
        for i in range(23):  # pairs of cases received at the same minute: the id breaks the tie
            factories.case(s, status=S.received, received_at=NOW - timedelta(minutes=i // 2))
        s.commit()
        clerk = auth.load_current_user(s, "desk")
        everything = ledger.LedgerFilter()
        by_offset, by_cursor, cursor = [], [], None
        for page in range(1, 6):
            by_offset += list(ledger.list_cases(s, user=clerk, filters=everything, now=NOW, page=page, page_size=5)[1]["id"])
        while True:
            total, rows = ledger.list_cases(s, user=clerk, filters=everything, now=NOW, page_size=5, after=cursor,
                                            count=False)
            assert total is None
            by_cursor += list(rows["id"])
            if len(rows) < 5:
                break
            cursor = ledger.cursor_after(rows)
        newest_first = [c.id for c in sorted(s.exec(select(Case)).all(), key=lambda c: (c.received_at, c.id), reverse=True)]
    assert by_cursor == by_offset == newest_first
    with pytest.raises(ValueError):
        ledger.list_cases(s, user=clerk, filters=everything, now=NOW, after=cursor, by_deadline=True)
