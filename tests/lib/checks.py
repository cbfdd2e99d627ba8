# SPDX-License-Identifier: MIT
"""The check harness of the end-to-end test scripts (tests/*/run_*.py).

A script finds this module through its own directory, so that ctest's
command lines need nothing more:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "lib"))
    from checks import check, finish, note, skip, usage

and reports through it alone:

  check(cond, what, p=None)  prints "ok - WHAT" or "not ok - WHAT" and
                             counts it; returns bool(cond). Lines of WHAT
                             after its first are printed as notes. With p (a
                             subprocess.CompletedProcess) a failed check
                             also notes p's exit status and output tails.
  note(text)                 prints text, each line after "# ".
  skip(why)                  prints "SKIP: WHY" and exits 77 (ctest's
                             SKIP_RETURN_CODE).
  finish()                   prints "N checks, M failed" and exits: 0 when
                             at least one check ran and none failed, 1
                             otherwise.
  usage(msg)                 prints "SCRIPT: MSG" on stderr and exits 2.

Exit status: 0 all passed, 1 a check failed (or none ran), 77 the test
does not apply here, 2 a usage error.

These functions must never:
  - exit without printing why: every exit goes through a "SKIP: " line,
    the summary line or a usage message;
  - exit 0 when a check failed or when no check ran at all;
  - let skip() hide a failed check: after one, skip() finishes (exit 1);
  - print a line starting "ok" or "not ok" other than a check's own, or
    hold output back (stdout is flushed after every line, so it
    interleaves with the output of the programs the tests run);
  - raise on what they are given to report (any cond, any text).
They keep no state but the two counters below, one process, one test.
"""

import os
import sys

_run = 0
_failed = 0


def check(cond, what, p=None):
    global _run, _failed
    ok = bool(cond)
    _run += 1
    if not ok:
        _failed += 1
    first, _, rest = str(what).partition("\n")
    print(("ok - " if ok else "not ok - ") + first, flush=True)
    if rest.strip():
        note(rest)
    if not ok and p is not None:
        note("exit %s\nstdout:\n%s\nstderr:\n%s" % (p.returncode, (p.stdout or "")[-3000:],
                                                    (p.stderr or "")[-3000:]))
    return ok


def note(text):
    for line in str(text).rstrip("\n").split("\n"):
        print("# " + line)
    sys.stdout.flush()


def skip(why):
    if _failed:
        note("not skipped (%s): a check failed already" % why)
        finish()
    print("SKIP: " + str(why), flush=True)
    sys.exit(77)


def finish():
    if not _run:
        note("no check ran")
    print("%d checks, %d failed" % (_run, _failed), flush=True)
    sys.exit(1 if _failed or not _run else 0)


def usage(msg):
    sys.stdout.flush()
    print("%s: %s" % (os.path.basename(sys.argv[0]), msg), file=sys.stderr, flush=True)
    sys.exit(2)
