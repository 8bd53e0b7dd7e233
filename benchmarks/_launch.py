"""Run a command as a grandchild and report its resource usage: ``python -S _launch.py OUT CMD...``.

Why a launcher: on Linux a process's ``ru_maxrss`` starts from the high-water mark of the memory
image it was exec'ed from (``setmax_mm_hiwater_rss`` at ``execve``), and Python's ``subprocess``
spawns with ``vfork``, i.e. from the benchmark parent's image. A parent that generated the
benchmark data in-process (~800 MiB) then made every child report at least that peak (seen in the
2026-12-02 run: 777 MiB for the unit-conversion task). This launcher is a bare interpreter
(``-S``, standard library only, ~10 MiB): it forks, the fork execs the command, and the
launcher writes the command's ``wait4`` usage (peak RSS in bytes, user and system CPU seconds)
as JSON to ``OUT``, then exits with the command's exit status.
"""

import json
import os
import sys


def main() -> int:
    out, cmd = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:  # the command: a fresh image, forked from this small one
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"maxrss": usage.ru_maxrss * 1024, "utime": usage.ru_utime, "stime": usage.ru_stime}, fh)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
