#!/usr/bin/env python3
"""Runs every code block of the documentation that is marked to run, so a stale example fails the build.

    scripts/doc-examples.py [FILE.md ...]     default: docs/*.md and every README.md git tracks

A fence's info string marks a block:

    ```python cronium-run      an event script: written to a file and run with `cronium run FILE --json`
                               (bash, python, js); it passes when the run succeeded
    ```bash runnable           shell commands: run with bash -euo pipefail from the repository root,
                               `cronium` on PATH; it passes when they exit 0
    ```bash runnable exit=2    ... or with this exit status

Every block runs as a user of its own on a fresh embedded store (XDG_DATA_HOME in a temporary folder,
removed afterwards). `cronium` is the CLI at $CRONIUM_CLI_DLL (default artifacts/cli/cronium.dll,
published when missing). Ends with `doc-examples: N passed, N failed`; the exit status is 1 when any failed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator, List, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[A-Za-z]+)(?P<tags>[^`]*)$")
EXTENSIONS = {"bash": ".sh", "sh": ".sh", "python": ".py", "js": ".mjs", "javascript": ".mjs"}


class Block(NamedTuple):
    file: Path
    line: int
    lang: str
    tags: List[str]
    code: str


def blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start, indent, tags = i, match.group("indent"), match.group("tags").split()
        body: List[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        if "cronium-run" in tags or "runnable" in tags:
            yield Block(path, start + 1, match.group("lang").lower(), tags, "\n".join(body) + "\n")


def documentation() -> List[Path]:
    tracked = subprocess.run(["git", "ls-files", "*README.md", "docs/*.md"], cwd=ROOT, capture_output=True, text=True)
    names = tracked.stdout.split() if tracked.returncode == 0 else []
    found = {ROOT / n for n in names} | set((ROOT / "docs").glob("*.md"))
    return sorted(p for p in found if p.is_file())


def cli_dll() -> Path:
    dll = Path(os.environ.get("CRONIUM_CLI_DLL") or ROOT / "artifacts" / "cli" / "cronium.dll")
    if not dll.is_file():
        subprocess.run(["dotnet", "publish", str(ROOT / "src" / "Cronium.Cli"), "-c", "Release", "-o", str(dll.parent),
                        "--nologo", "-v", "q"], check=True)
    return dll


def run(block: Block, number: int, dll: Path, scratch: Path) -> subprocess.CompletedProcess:
    folder = scratch / ("block-%d" % number)
    folder.mkdir()
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "cronium"
    wrapper.write_text('#!/bin/sh\nexec dotnet "%s" "$@"\n' % dll)
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRONIUM_")}
    env.update(XDG_DATA_HOME=str(folder / "data"), PATH="%s:%s" % (bin_dir, env.get("PATH", "")))
    if "cronium-run" in block.tags:
        extension = EXTENSIONS.get(block.lang)
        if extension is None:
            raise ValueError("a cronium-run block must be bash, python or js, not %s" % block.lang)
        if extension == ".mjs" and "require(" in block.code:
            extension = ".cjs"
        script = folder / ("example" + extension)
        script.write_text(block.code, encoding="utf-8")
        command = [str(wrapper), "run", str(script), "--json", "--user", "docs-%d" % number]
    else:
        command = ["bash", "-euo", "pipefail", "-c", block.code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def main(argv: List[str]) -> int:
    files = [Path(a).resolve() for a in argv] or documentation()
    todo = [b for f in files for b in blocks(f)]
    if not todo:
        print("doc-examples: no block is marked to run", file=sys.stderr)
        return 1
    dll = cli_dll()
    scratch = Path(tempfile.mkdtemp(prefix="cronium-doc-examples-"))
    passed = failed = 0
    try:
        for number, block in enumerate(todo, 1):
            where = "%s:%d (%s %s)" % (block.file.relative_to(ROOT), block.line, block.lang, " ".join(block.tags))
            want = next((int(t[5:]) for t in block.tags if t.startswith("exit=")), 0)
            result = run(block, number, dll, scratch)
            if result.returncode == want:
                passed += 1
                print("ok     " + where, flush=True)
            else:
                failed += 1
                print("FAIL   %s: exit %d, wanted %d" % (where, result.returncode, want), flush=True)
                for line in (result.stdout + result.stderr).strip().splitlines()[-25:]:
                    print("         " + line)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("doc-examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
