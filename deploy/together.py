#!/usr/bin/env python3
"""Run a few commands side by side and stop them all together.

    python deploy/together.py "manage.py runserver" "manage.py qcluster"

Used by `make run` (runserver and the import worker) and `make serve`
(gunicorn and the import worker). Each command runs in its own process group:
Ctrl+C reaches only this script, which passes SIGINT on to every group,
waits at most --grace seconds, then kills what is left, the whole group
(qcluster's children too). Exit status: 0 when stopped by Ctrl+C or SIGTERM;
otherwise the status of the first command that ended by itself (the others
are then stopped too).
"""

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import time


def stop(children, grace):
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(child.poll() is None for child in children):
        time.sleep(0.05)
    for child in children:
        # The group, not only the leader: qcluster's workers and runserver's
        # reloaded child would otherwise live on.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def take_the_terminal():
    """Make this script's process group the terminal's foreground group, so
    Ctrl+C reaches it alone, not `make` above it (make would print
    "*** [run] Interrupt" or "Error 130" and end with status 130). Returns
    a function that gives the terminal back. Without a terminal: nothing."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
        previous = os.tcgetpgrp(terminal)
    except OSError:
        return lambda: None
    # A process group that is not in the foreground is stopped by SIGTTOU when
    # it changes the foreground group, unless it ignores the signal.
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
        os.tcsetpgrp(terminal, os.getpgrp())
    except OSError:
        os.close(terminal)
        return lambda: None

    def give_back():
        with contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, previous)
        os.close(terminal)

    return give_back


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait before killing")
    parser.add_argument("commands", nargs="+", help="each command as one quoted string")
    args = parser.parse_args(argv)

    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    give_back = take_the_terminal()

    children = []
    status = 0
    try:
        for command in args.commands:
            children.append(subprocess.Popen(shlex.split(command), start_new_session=True))
        while not stopping:
            ended = [child for child in children if child.poll() is not None]
            if ended:
                status = ended[0].returncode
                command = args.commands[children.index(ended[0])]
                print(f"{command!r} ended (status {status}); stopping the others.", file=sys.stderr)
                break
            time.sleep(0.1)
    finally:
        stop(children, args.grace)
        give_back()
    return 0 if stopping else (status if status > 0 else 1 if status else 0)


if __name__ == "__main__":
    sys.exit(main())
