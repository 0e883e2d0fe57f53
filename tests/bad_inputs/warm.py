"""A warm interpreter for the bad-input corpus.

Every training or evaluation stage script imports torch and transformers before
it reads its first input: 5-10 s per case on two cores, minutes for the corpus.
This process pays for those imports once, then runs each requested stage script
in a forked child exactly as `python stages/<x>.py ...` would (`__main__`, its
own working directory, argv, stdout and stderr), and answers its exit status.

Protocol: one JSON object per line on stdin, {"cwd", "argv", "stdout", "stderr"};
one exit status per line on stdout.
"""
import json
import os
import runpy
import sys
import traceback

import torch  # noqa: F401  (the imports the stages would each pay for)
from transformers import Trainer  # noqa: F401

import alignment_tax.contrastive.trainer  # noqa: F401
import alignment_tax.data.prepare  # noqa: F401
import alignment_tax.models.loader  # noqa: F401
import alignment_tax.scorers.toxicity  # noqa: F401
import sklearn.linear_model  # noqa: F401


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)  # sys.exit("message"), as the interpreter does
    return 1


def _child(request: dict) -> int:
    os.chdir(request["cwd"])
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, fd)
        os.close(out)
    sys.argv = list(request["argv"])
    sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
        return 0
    except SystemExit as exc:
        return _exit_code(exc)
    except BaseException:  # noqa: BLE001 - a traceback, as python prints it, exit 1
        traceback.print_exc()
        return 1


def run(request: dict) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _child(request)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


if __name__ == "__main__":
    print("ready", flush=True)
    for line in sys.stdin:
        print(run(json.loads(line)), flush=True)
