"""One error type for bad input, and the wrapper every stage runs under.

Bad input (a params key, a data file line, a model directory) must end a stage
with one line naming what is wrong and a non-zero exit, never a traceback that
buries the cause. An OSError (disk full, permission denied, a path that is a
link or a directory) is the machine, not the code: one line with the path too,
same exit status. Bugs (anything else) still raise with their full traceback.
"""
from __future__ import annotations

import functools
import signal
import sys
import threading
from typing import Callable


class AlignmentTaxError(Exception):
    """Bad input from the user: params, data files, model directories."""


EXIT_BAD_INPUT = 2


def _exit_on_sigterm(signum, frame):
    # Python's default SIGTERM ends the process on the spot; unwinding instead lets
    # atomic writes remove their temporary files (SIGKILL cannot be caught: those
    # temporaries stay, under names no stage reads).
    raise SystemExit(128 + signum)


def os_error_line(exc: OSError) -> str:
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{paths}: {reason}" if paths else f"{type(exc).__name__}: {reason}"


def _close_progress_bars() -> None:
    """A tqdm bar (Trainer, generation) left open ends its line with \r: close it so `error:` starts a line."""
    tqdm = sys.modules.get("tqdm.std")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ()) or ()):
        bar.close()


def _fail(message: str) -> None:
    _close_progress_bars()
    msg = " ".join(message.split())  # always exactly one line
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def stage_main(fn: Callable[..., None]) -> Callable[..., None]:
    """Run a stage's main(); turn AlignmentTaxError into `error: ...` + exit 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():  # signal handlers live there only
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            return fn(*args, **kwargs)
        except AlignmentTaxError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(os_error_line(exc))

    return wrapper
