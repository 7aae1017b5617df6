"""Host facts for results.md, and the per-process set-up every load process calls.

Call ``raise_file_limit()`` first thing in every process that opens many sockets, and
``pin(cores)`` to keep relay and load apart (``RELAY_CORES`` / ``LOAD_CORES``).
"""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata


def _cores() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


CORES = _cores()
#: The relay (and the baseline servers, in their turn) run on the first core...
RELAY_CORES = {CORES[0]}
#: ...and every load generator on the others (on one core: the same one, noted).
LOAD_CORES = set(CORES[1:]) or {CORES[0]}


def pin(cores: set[int], pid: int = 0) -> bool:
    """Pin a process (``0``: this one) to ``cores``; False where the OS refuses."""
    try:
        os.sched_setaffinity(pid, cores)
        return True
    except (AttributeError, OSError):
        return False


#: Open files wanted per process: room for issue 8's 20,000 sockets plus the server's own.
WANTED_FILES = 32_768


def raise_file_limit() -> int:
    """Raise this process's open-files limit (inherited by its children); returns it.

    The hard limit too when the process may (root, or CAP_SYS_RESOURCE: the default
    hard limit of 20,000 here is below issue 8's capacity figure), else the soft limit
    up to the hard one.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < WANTED_FILES:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (WANTED_FILES, WANTED_FILES))
        except (ValueError, OSError):  # not privileged: what the hard limit allows
            pass
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def hard_file_limit() -> int:
    """The hard open-files limit, as ``raise_file_limit`` left it (call that first)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 1_000_000 if hard == resource.RLIM_INFINITY else hard


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo") as info:
            kib = int(info.readline().split()[1])
        return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """``uptime``'s load averages (other engineers share this machine)."""
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"
    except OSError:
        return "unknown"


def facts() -> dict[str, str]:
    """Everything results.md says about the machine and the software."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cores usable": ", ".join(map(str, CORES)),
        "memory": _memory(),
        "kernel": platform.release(),
        "cpu": _cpu_model(),
        "open files (hard)": str(hard_file_limit()),
        "python": sys.version.split()[0],
        "aiohttp": _version("aiohttp"),
        "websockets": _version("websockets"),
        "sqlalchemy": _version("sqlalchemy"),
        "aiosqlite": _version("aiosqlite"),
        "sqlite": sqlite3.sqlite_version,
        "git": _git_head(),
    }


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def process_rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` from /proc (0 when unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
