#!/usr/bin/env python3
"""The docs test: every command block of README.md and docs/*.md runs as written.

A fenced block's info string says what it holds: `console` (commands after "$ ", the lines
after each its output), `sh` (every line a command), or anything else (toml, text, cpp, python:
not run). A fence without an info string fails the test, so that no command block goes
unnoticed. A command block preceded by `<!-- docs-test: skip: REASON -->` is skipped and its
reason printed (blocks that need ../shared, a GPU, a build, or minutes).

Each document runs in a fresh copy of the repository's tracked files, with `spotsweep` (and
`build/spotsweep`) the binary under test; its blocks run in order in one shell, so a block may use
what an earlier one wrote. A console command whose output starts with "spotsweep: error:" must
fail with exit status 2; every other command must succeed. Afterwards no tracked file of the copy
may have changed: no doc command writes into tracked files.

Usage: run_doc_commands.py SPOTSWEEP REPO_ROOT SCRATCH_DIR [DOC.md ...]
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

SKIP = re.compile(r"<!--\s*docs-test:\s*skip:\s*(.+?)\s*-->")
COMMAND_KINDS = {"console", "sh"}
TIMEOUT_S = 90


def blocks_of(path):
    """(line, info, lines, skip reason) of every fenced block."""
    lines = open(path, encoding="utf-8").read().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(```+)(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        skip = None
        j = start - 2
        while j >= 0 and lines[j].strip() == "":
            j -= 1
        if j >= 0:
            s = SKIP.search(lines[j])
            if s:
                skip = s.group(1)
        out.append((start, info, body, skip))
        i += 1
    return out


HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


def take_heredoc(cmd, body, i):
    """A command with a here-document takes the lines up to its terminator (kept verbatim)."""
    m = HEREDOC.search(cmd)
    if not m:
        return cmd, i
    lines = [cmd]
    while i < len(body):
        lines.append(body[i])
        i += 1
        if body[i - 1].strip() == m.group(1):
            break
    return "\n".join(lines), i


def commands_of(info, body):
    """(command, expect_error) pairs: continuation lines ending in a backslash are joined, and
    a here-document's lines belong to its command."""
    cmds = []
    if info == "console":
        i = 0
        while i < len(body):
            line = body[i]
            if not line.startswith("$ "):
                i += 1
                continue
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(body):
                i += 1
                cmd = cmd[:-1] + " " + body[i].strip()
            i += 1
            cmd, i = take_heredoc(cmd, body, i)
            output = []
            while i < len(body) and not body[i].startswith("$ "):
                output.append(body[i])
                i += 1
            expect_error = bool(output) and output[0].startswith("spotsweep: error:")
            cmds.append((cmd, expect_error))
    else:
        pending = ""
        i = 0
        while i < len(body):
            stripped = body[i].strip()
            i += 1
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            pending += (" " if pending else "") + stripped
            if pending.endswith("\\"):
                pending = pending[:-1]
                continue
            pending, i = take_heredoc(pending, body, i)
            cmds.append((pending, False))
            pending = ""
    return cmds


def tracked_digests(root, files):
    digests = {}
    for f in files:
        p = os.path.join(root, f)
        if os.path.isfile(p):
            digests[f] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return digests


def main(argv):
    binary, repo, scratch = (os.path.abspath(a) for a in argv[:3])
    docs = argv[3:] or ["README.md"] + sorted(
        os.path.join("docs", d) for d in os.listdir(os.path.join(repo, "docs")) if d.endswith(".md"))
    files = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(os.path.join(scratch, "bin"))
    os.symlink(binary, os.path.join(scratch, "bin", "spotsweep"))
    env = dict(os.environ, PATH=os.path.join(scratch, "bin") + os.pathsep + os.environ["PATH"])
    failures, ran, skipped = [], 0, 0
    start = time.time()
    for doc in docs:
        blocks = blocks_of(os.path.join(repo, doc))
        for line, info, body, skip in blocks:
            if not info:
                failures.append(f"{doc}:{line}: a fenced block without an info string (console, sh, "
                                "toml, text, ...): say whether it is a command block")
        runnable = [(l, i, b, s) for l, i, b, s in blocks if i in COMMAND_KINDS]
        if not runnable:
            continue
        # A fresh copy of the tracked files for each document.
        work = os.path.join(scratch, re.sub(r"\W", "_", doc))
        for f in files:
            os.makedirs(os.path.dirname(os.path.join(work, f)) or work, exist_ok=True)
            shutil.copy2(os.path.join(repo, f), os.path.join(work, f))
        os.makedirs(os.path.join(work, "build"), exist_ok=True)
        os.symlink(binary, os.path.join(work, "build", "spotsweep"))
        before = tracked_digests(work, files)
        script, expected = [], []
        for line, info, body, skip in runnable:
            if skip:
                print(f"skip {doc}:{line}: {skip}")
                skipped += 1
                continue
            for cmd, expect_error in commands_of(info, body):
                n = len(expected)
                expected.append((f"{doc}:{line}", cmd, expect_error))
                # Each command in the same shell (variables carry over), its output kept.
                script.append(f"{{ {cmd}\n}} >.doc_out_{n} 2>.doc_err_{n}; echo $? >.doc_rc_{n}")
        if not script:
            continue
        t0 = time.time()
        try:
            subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            failures.append(f"{doc}: its commands took more than {TIMEOUT_S} s: mark the slow ones")
        for n, (where, cmd, expect_error) in enumerate(expected):
            rc_path = os.path.join(work, f".doc_rc_{n}")
            rc = int(open(rc_path).read()) if os.path.exists(rc_path) else None
            err = open(os.path.join(work, f".doc_err_{n}")).read() if os.path.exists(
                os.path.join(work, f".doc_err_{n}")) else ""
            ran += 1
            if rc is None:
                failures.append(f"{where}: `{cmd}` did not run")
            elif expect_error and rc != 2:
                failures.append(f"{where}: `{cmd}` should fail with status 2 (its documented output is "
                                f"an error), got {rc}")
            elif not expect_error and rc != 0:
                failures.append(f"{where}: `{cmd}` failed with status {rc}: {err.strip()[-400:]}")
        after = tracked_digests(work, files)
        changed = sorted(f for f in before if after.get(f) != before[f])
        if changed:
            failures.append(f"{doc}: its commands changed tracked files: {', '.join(changed)}")
        print(f"{doc}: {len(expected)} commands in {time.time() - t0:.1f} s")
    for f in failures:
        print("FAIL", f)
    print(f"docs: {ran} commands run, {skipped} blocks skipped, {len(failures)} failures, "
          f"{time.time() - start:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
