"""Load test: N concurrent sessions against a running 民情通 (one server or `python -m core.cluster up`),
for a bounded time. Each session is a websocket speaking Streamlit's own protocol, as a browser
tab does, signed in by the sign-in cookie (minted with the server's cookie key from its database):
half are leaders on 领导驾驶舱, half are clerks on 民情台账. A session loads its page, then reruns it
after a think time (a leader's screen refreshing, a clerk clicking), until the time is up. A view is
timed from the rerun request to the server's "script finished"; an error is a page that raised, a
run that did not finish within 60 s, or a lost connection.

    python -m tests.perf.load_cluster [--dir data/cluster] [--sessions 50] [--seconds 120] [--think 2]
    python -m tests.perf.load_cluster --url http://127.0.0.1:8501 --database-url URL --replicas 1

Prints, per page: views, p50/p95/max seconds, errors; and which replica served how many sessions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import websockets
from sqlmodel import Session
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from core import auth, cluster
from core.db import make_engine
from core.settings import load_settings
from core.ui import COOKIE_DAYS, COOKIE_NAME

PAGES = {"leader": ("dashboard", "领导驾驶舱"), "clerk": ("ledger", "民情台账")}
RUN_TIMEOUT = 60


def cookies_for(database_url: str, usernames: list[str]) -> dict[str, str]:
    """The sign-in cookie each account's browser would hold (signed with this server's key)."""
    key = load_settings().cookie_key
    now = datetime.now(timezone.utc)
    with Session(make_engine(database_url)) as s:
        return {name: auth.session_token(auth.load_current_user(s, name), key=key, now=now, days=COOKIE_DAYS)
                for name in usernames}


async def one_run(ws, page: str, title: str) -> str | None:
    """Asks for a run of the page; None when it finished showing the page's title (signed in, the
    page allowed) and no exception, else what went wrong."""
    back = BackMsg()
    back.rerun_script.page_name = page
    back.rerun_script.query_string = ""
    await ws.send(back.SerializeToString())
    raised, titled = False, False
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), RUN_TIMEOUT))
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            raised |= element.WhichOneof("type") == "exception"
            titled |= element.WhichOneof("type") == "heading" and element.heading.body == title
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # the app reran itself (sign-in from the cookie)
                continue
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                return "compile error"
            if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                return "exception on the page" if raised else None if titled else "page not shown"


async def session(url: str, role: str, cookie: str, until: float, think: float, results: dict) -> None:
    page, title = PAGES[role]
    ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
    pinned = f"{cluster.REPLICA_COOKIE}=r{random.randint(1, 2)}" if results["replicas"] > 1 else ""
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}" + (f"; {pinned}" if pinned else ""), "Origin": url}
    times, errors = results[role]["times"], results[role]
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                      max_size=None, open_timeout=RUN_TIMEOUT) as ws:
            served = ws.response.headers.get("X-MQT-Replica", "single")
            results["served"][served] = results["served"].get(served, 0) + 1
            await asyncio.sleep(random.uniform(0, think))  # sessions do not all start on the same tick
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    problem = await one_run(ws, page, title)
                except asyncio.TimeoutError:
                    problem = f"no answer in {RUN_TIMEOUT} s"
                times.append(time.monotonic() - started)
                if problem:
                    errors["errors"] += 1
                    errors.setdefault("why", []).append(problem)
                await asyncio.sleep(think * random.uniform(0.5, 1.5))
    except (OSError, websockets.WebSocketException) as exc:
        errors["errors"] += 1
        errors.setdefault("why", []).append(f"connection: {type(exc).__name__}")


async def run(url: str, database_url: str, sessions: int, seconds: float, think: float, replicas: int) -> dict:
    roles = ["leader" if i % 2 == 0 else "clerk" for i in range(sessions)]
    cookies = cookies_for(database_url, sorted(set(roles)))
    results = {"replicas": replicas, "served": {},
               **{role: {"times": [], "errors": 0} for role in PAGES}}
    until = time.monotonic() + seconds
    await asyncio.gather(*(session(url, role, cookies[role], until, think, results) for role in roles))
    return results


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=cluster.ROOT / "data" / "cluster",
                        help="the folder of a running `python -m core.cluster up`: its address and database")
    parser.add_argument("--url", help="a server's address instead (with --database-url)")
    parser.add_argument("--database-url", help="the server's database, to mint sign-in cookies")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a session's views (±50 %%)")
    parser.add_argument("--replicas", type=int, default=2, help="how many replicas sit behind --url (1: a single server)")
    args = parser.parse_args()
    if args.url is None:
        state = json.loads((args.dir / cluster.STATE_FILE).read_text(encoding="utf-8"))
        args.url, args.replicas = state["url"], len(state["replicas"])
        args.database_url = args.database_url or state["database"]
    if args.database_url is None:
        parser.error("--database-url is needed with --url")
    started = time.monotonic()
    results = asyncio.run(run(args.url, args.database_url, args.sessions, args.seconds, args.think, args.replicas))
    wall = time.monotonic() - started
    print(f"{args.sessions} sessions for {args.seconds:.0f} s (wall {wall:.0f} s), think {args.think} s, "
          f"sessions per replica {results['served']}")
    for role, (page, title) in PAGES.items():
        times = sorted(results[role]["times"])
        if not times:
            print(f"  {title} ({page}): no view finished; errors {results[role]['errors']}")
            continue
        print(f"  {title} ({page}): {len(times)} views, p50 {percentile(times, 50):.2f} s, "
              f"p95 {percentile(times, 95):.2f} s, max {times[-1]:.2f} s, errors {results[role]['errors']}"
              + (f" {dict(Counter(results[role]['why']))}" if results[role].get("why") else ""))


if __name__ == "__main__":
    main()
