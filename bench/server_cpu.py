"""The app servers' CPU time, read from /proc, for the load test's "app CPU
per request" (bench/locustfile.py). Apart from the locustfile so that it can
be tested without importing locust (which patches the standard library)."""

import os
from collections import namedtuple
from pathlib import Path

# Seconds of CPU a process used itself, and what its exited children used
# (counted into it when it reaped them); its parent's pid.
Reading = namedtuple("Reading", "own children ppid")


def _listening_inodes(ports):
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            port = int(parts[1].rsplit(":", 1)[1], 16)
            if parts[3] == "0A" and port in ports:  # 0A: LISTEN
                inodes.add(parts[9])
    return inodes


def server_processes(ports):
    """pid -> Reading of every process holding a listening socket on
    `ports`: a gunicorn master and its workers share it."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(ports)}
    found = {}
    if not wanted:
        return found
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if not any(os.readlink(fd) in wanted for fd in (proc / "fd").iterdir()):
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        found[int(proc.name)] = Reading((utime + stime) / tick, (cutime + cstime) / tick, int(fields[1]))
    return found


def cpu_used(before, after):
    """CPU seconds the servers used between two readings of server_processes.

    - A process in both: what its own and its reaped children's CPU grew by.
    - A process that started in between (a worker restarted after
      max_requests): all of its CPU.
    - A worker that exited in between and was reaped by a master still
      running: the master's children time now holds the worker's whole life,
      so what the worker had used before the first reading comes off again.
      (Counting it made the run with a killed server, whose survivors
      restart their workers after 2,000 requests, read 27.8 ms per request
      where the steady run read 18.5.)
    - A server killed in between: its CPU is lost with it, as nobody reaped it.
    """
    common = before.keys() & after.keys()
    used = sum(after[p].own + after[p].children - before[p].own - before[p].children for p in common)
    used += sum(after[p].own + after[p].children for p in after.keys() - common)
    for pid in before.keys() - after.keys():
        if before[pid].ppid in common:
            used -= before[pid].own + before[pid].children
    return used
