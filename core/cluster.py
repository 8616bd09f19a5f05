"""Several app servers on one machine, started by one command: PostgreSQL 15, N `streamlit run`
replicas and nginx in front with sticky sessions (Streamlit keeps each session's state in the server
process that holds its websocket, so a browser must stay on one replica).

    python -m core.cluster up [--port 8600] [--replicas 2] [--database-url URL] [--dir data/cluster]
    python -m core.cluster down [--dir data/cluster]

Without --database-url a PostgreSQL 15 cluster of its own is made in DIR/pg (port PORT+100). The
database is migrated and filled (demo county or first admin, as MQT_MODE says) once, before the
replicas start; each replica then finds it ready. Replicas listen on PORT+1…PORT+N, nginx on PORT;
everything binds 127.0.0.1. MQT_* variables are handed to every replica."""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian's is outside a normal user's PATH
STATE_FILE = "cluster.json"
REPLICA_COOKIE = "mqt_replica"
DATABASE_NAME = "minqingtong"


class ClusterError(RuntimeError):
    pass


def nginx_config(directory: Path, port: int, replica_ports: list[int]) -> str:
    """A new browser is sent to a replica at random and given a cookie naming it; later requests
    (the websocket too) carry the cookie and go to the same replica. A cookie naming a replica that
    no longer exists counts as none."""
    share = f"{100 / len(replica_ports):.2f}"
    split = "".join(f"        {share}% r{i};\n" for i in range(1, len(replica_ports)))
    pinned = "".join(f"        r{i} r{i};\n" for i in range(1, len(replica_ports) + 1))
    upstreams = "".join(f"    upstream r{i} {{ server 127.0.0.1:{p}; }}\n" for i, p in enumerate(replica_ports, 1))
    temp = directory / "nginx-temp"
    return f"""# written by python -m core.cluster up; rewritten on every start
worker_processes 1;
pid {directory / 'nginx.pid'};
error_log {directory / 'nginx-error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp / 'body'};
    proxy_temp_path {temp / 'proxy'};
    fastcgi_temp_path {temp / 'fastcgi'};
    uwsgi_temp_path {temp / 'uwsgi'};
    scgi_temp_path {temp / 'scgi'};
    client_max_body_size 200m;  # Streamlit's own upload limit
{upstreams}
    split_clients "${{remote_addr}}${{request_id}}" $mqt_new {{
{split}        * r{len(replica_ports)};
    }}
    map $cookie_{REPLICA_COOKIE} $mqt_replica {{
{pinned}        default $mqt_new;
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://$mqt_replica;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Real-IP $remote_addr;  # the visitor, whatever the request claims
            proxy_read_timeout 1d;  # a wall screen keeps its websocket open all day
            proxy_buffering off;
            add_header Set-Cookie "{REPLICA_COOKIE}=$mqt_replica; Path=/; HttpOnly; SameSite=Lax" always;
            add_header X-MQT-Replica $mqt_replica always;
        }}
    }}
}}
"""


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, its commands run as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _start_postgres(directory: Path, port: int) -> str:
    if not (PG_BIN / "initdb").exists():
        raise ClusterError("PostgreSQL 15 is not installed (apt-get install postgresql-15), "
                           "or pass --database-url of a database you run yourself.")
    pg = directory / "pg"
    pg.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(pg, "postgres")
    data = pg / "data"
    if not data.exists():
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(pg / "server.log"), "-w",
                                 "-o", f"-h 127.0.0.1 -p {port} -k {pg}", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    exists = subprocess.run(_as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port),
                                          "-U", "postgres", "-tAc",
                                          f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"]),
                            check=True, capture_output=True, text=True).stdout.strip()
    if exists != "1":
        subprocess.run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                     DATABASE_NAME]), check=True)
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE_NAME}"


def wait_healthy(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise ClusterError(f"{url} did not become healthy")


def up(directory: Path, *, port: int = 8600, replicas: int = 2, database_url: str | None = None) -> dict:
    """Starts everything and returns the state written to DIR/cluster.json."""
    if replicas < 1:
        raise ClusterError("--replicas must be at least 1")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / STATE_FILE).exists():
        raise ClusterError(f"a cluster already runs from {directory}: python -m core.cluster down --dir {directory}")
    if not Path(NGINX).exists():
        raise ClusterError("nginx is not installed (apt-get install nginx-light)")
    state: dict = {"dir": str(directory), "url": f"http://127.0.0.1:{port}", "replicas": [], "postgres": None}
    try:
        if database_url is None:
            database_url = _start_postgres(directory, port + 100)
            state["postgres"] = str(directory / "pg" / "data")
        # for tools beside the cluster (tests/perf/load_cluster.py); a password is not written down
        state["database"] = make_url(database_url).render_as_string(hide_password=True)
        _save(directory, state)
        env = {"MQT_CLIENT_IP_HEADER": "X-Real-IP"} | {  # per-visitor sign-in limits, not one for nginx
            k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": database_url}
        # migrate and fill once, before any replica serves
        subprocess.run([sys.executable, "-m", "core.cli", "init", "--bootstrap"], cwd=ROOT, env=env, check=True)
        for i in range(1, replicas + 1):
            replica_port = port + i
            log = open(directory / f"replica{i}.log", "w")
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                 "--server.port", str(replica_port), "--server.headless", "true",
                 "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            state["replicas"].append({"port": replica_port, "pid": proc.pid})
            _save(directory, state)
        for replica in state["replicas"]:
            wait_healthy(f"http://127.0.0.1:{replica['port']}")
        temp = directory / "nginx-temp"
        temp.mkdir(exist_ok=True)
        if os.geteuid() == 0:  # nginx's workers run as nobody and buffer uploads here
            shutil.chown(temp, pwd.getpwnam("nobody").pw_uid)
        config = directory / "nginx.conf"
        config.write_text(nginx_config(directory, port, [r["port"] for r in state["replicas"]]), encoding="utf-8")
        subprocess.run([NGINX, "-c", str(config), "-p", str(directory)], check=True)
        state["nginx"] = str(directory / "nginx.pid")
        _save(directory, state)
        wait_healthy(state["url"])
    except BaseException:
        down(directory)
        raise
    return state


def down(directory: Path) -> None:
    """Stops what `up` started from DIR (nginx, replicas, its own PostgreSQL); the data stays."""
    directory = directory.resolve()
    state_path = directory / STATE_FILE
    if not state_path.exists():
        return
    state = json.loads(state_path.read_text(encoding="utf-8"))
    pid_file = Path(state.get("nginx") or directory / "nginx.pid")
    if pid_file.exists():
        _stop(int(pid_file.read_text().strip()))
    for replica in state["replicas"]:
        _stop(replica["pid"])
    if state.get("postgres"):
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", state["postgres"], "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_path.unlink()


def _stop(pid: int, seconds: float = 20) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child: reap it
                return
        except ChildProcessError:  # not our child (`down` from another shell): poll until it is gone
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def _save(directory: Path, state: dict) -> None:
    (directory / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.cluster", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="start PostgreSQL (unless --database-url), the replicas and nginx")
    p.add_argument("--port", type=int, default=8600, help="nginx's port; replicas use the next ones, PostgreSQL +100")
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--database-url", help="a PostgreSQL database you run yourself")
    p.add_argument("--dir", type=Path, default=ROOT / "data" / "cluster", help="logs, pid files, its own PostgreSQL")
    p = sub.add_parser("down", help="stop everything `up` started")
    p.add_argument("--dir", type=Path, default=ROOT / "data" / "cluster")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            state = up(args.dir, port=args.port, replicas=args.replicas, database_url=args.database_url)
            print(f"民情通 runs at {state['url']} on {len(state['replicas'])} replicas "
                  f"(ports {', '.join(str(r['port']) for r in state['replicas'])}); "
                  f"logs in {state['dir']}. Stop: python -m core.cluster down --dir {state['dir']}")
        else:
            down(args.dir)
            print("Stopped.")
    except (ClusterError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
