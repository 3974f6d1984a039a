"""Server processes: start and stop a process group, wait until it answers, measure its RSS."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from .constants import READY_TIMEOUT_S


@contextlib.contextmanager
def started(
    args: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group; on exit stop the whole group (workers included)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def http_status(port: int, path: str) -> int | None:
    """The status of one GET over a fresh connection, or None if nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
        return int(status_line.split()[1])
    except (OSError, IndexError, ValueError):
        return None


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, poll_s: float = 0.005) -> float:
    """Block until GET /health/live answers 200; return the seconds it took."""
    started_at = time.monotonic()
    while time.monotonic() - started_at < READY_TIMEOUT_S:
        if http_status(port, "/health/live") == 200:
            return time.monotonic() - started_at
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log_tail(log)}")
        time.sleep(poll_s)
    raise RuntimeError(f"no 200 on /health/live within {READY_TIMEOUT_S:.0f} s:\n{log_tail(log)}")


def settle(port: int, timeout: float = 60.0) -> None:
    """Wait until the server answers /health/live quickly again: requests queued by the last run
    (argon2 logins above all) must not land in the next run's numbers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started_at = time.monotonic()
        if http_status(port, "/health/live") == 200 and time.monotonic() - started_at < 0.02:
            return
        time.sleep(0.1)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name is in parentheses and may hold spaces: split after the last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def worker_rss(proc: subprocess.Popen[bytes], workers: int) -> list[float]:
    """RSS (MiB) of each process that serves requests: uvicorn itself, or its worker children."""
    pids = [proc.pid] if workers == 1 else children(proc.pid)
    # multiprocessing's resource tracker is a child of the supervisor too, but serves nothing.
    pids = [pid for pid in pids if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return [round(rss_mib(pid), 1) for pid in pids]


def uvicorn_args(venv: Path, target: str, port: int, workers: int) -> list[str]:
    # The production image's command, with a fixed worker count and loopback only.
    return [
        str(venv / "bin/uvicorn"),
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--proxy-headers",
    ]
