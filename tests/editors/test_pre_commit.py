"""The hook definitions (.pre-commit-hooks.yaml) with the real pre-commit tool, on a temporary repository.

This repository's package and hook files, as they are in the working tree, are committed to a temporary
hook repository; a second temporary repository holds a copy of the demo rules and a
`.pre-commit-config.yaml` naming the hook repository at that commit, as a merchant's does, and runs
each hook with `pre-commit run HOOK --files ...`. pre-commit installs kefu into its own environment
with pip (the slow part: kefu's dependencies); the four hooks share that one environment, made once
in this test. (`pre-commit try-repo` would make a new environment on every call.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.dsl.fmt import format_bytes
from tests.conftest import ROOT, copy_rules

pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra: pip install -e '.[dev]'")

HOOKS = ROOT / ".pre-commit-hooks.yaml"
# what pre-commit needs to install kefu from the hook repository: the package and the hook definitions
HOOK_REPO_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "dsl", "engine", "tui")
GIT = ["git", "-c", "user.name=kefu tests", "-c", "user.email=tests@kefu.invalid", "-c", "commit.gpgsign=false"]

UNFORMATTED = (
    'preset extra "額外" {\n  language zh-Hant\n}\n'  # a preset no shop uses: the shops' tests stay as they are
    'faq extra.gift "禮物" {\n ask "可以包裝嗎"\n      reply "可以。"\n}\n'
)
UNREADABLE = 'faq open.quote {\n    ask "沒有收尾的引號\n}\n'  # K002: kefu fmt leaves it alone
BROKEN = 'faq broken.entry "壞掉" {\n    ask "這一則沒有回覆"\n}\n'  # K013: an entry needs a reply


def test_hook_definitions_name_the_documented_hooks() -> None:
    import yaml  # pre-commit's own dependency

    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"kefu-check", "kefu-fmt", "kefu-lint", "kefu-test"}
    assert all(hook["language"] == "python" and hook["files"] == r"\.kefu$" for hook in hooks.values())
    assert hooks["kefu-test"]["pass_filenames"] is False  # a preset's change reaches the shops using it
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert all(f"id: {name}" in docs for name in hooks)


def _hook_repo(folder: Path) -> Path:
    """This repository's package and hooks as in the working tree, committed to a repository of their own."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *HOOK_REPO_FILES],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    subprocess.run([*GIT, "init", "-q"], cwd=folder, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "kefu as under test"], cwd=folder, check=True)
    return folder


def test_hooks_pass_and_fail_with_the_real_pre_commit(tmp_path: Path) -> None:
    hooks = _hook_repo(tmp_path / "hooks")
    work = tmp_path / "merchant"
    work.mkdir()
    rules = copy_rules(work)
    shutil.rmtree(work / ".git")  # copy_rules marks the folder with an empty .git: make it a real repository
    subprocess.run([*GIT, "init", "-q"], cwd=work, check=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, capture_output=True, text=True, check=True).stdout
    ids = "".join(f"      - id: {name}\n" for name in ("kefu-check", "kefu-fmt", "kefu-lint", "kefu-test"))
    config = f"repos:\n  - repo: {hooks}\n    rev: {rev.strip()}\n    hooks:\n{ids}"
    (work / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    subprocess.run([*GIT, "add", ".pre-commit-config.yaml"], cwd=work, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "NO_COLOR": "1"}

    def hook(name: str, *files: Path) -> subprocess.CompletedProcess[str]:
        """Stage the files, as a commit would, and run the hook on them."""
        names = [str(f.relative_to(work)) for f in files]
        subprocess.run([*GIT, "add", "--", *names], cwd=work, check=True)
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", name, "--color", "never", "--files", *names],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    tw = rules / "shops" / "tw" / "shop.kefu"
    done = hook("kefu-check", tw)
    assert done.returncode == 0 and "kefu check" in done.stdout and "Passed" in done.stdout, done.stdout + done.stderr

    broken = rules / "shops" / "tw" / "broken.kefu"
    broken.write_text(BROKEN, encoding="utf-8")
    done = hook("kefu-check", broken)
    assert done.returncode == 1 and "Failed" in done.stdout, done.stdout + done.stderr
    assert "rules/shops/tw/broken.kefu:1:1: error[K013]" in done.stdout
    subprocess.run([*GIT, "rm", "-q", "-f", "--", str(broken.relative_to(work))], cwd=work, check=True)

    extra = rules / "presets" / "extra.kefu"
    extra.write_text(UNFORMATTED, encoding="utf-8")
    done = hook("kefu-fmt", extra)
    assert done.returncode == 1 and "files were modified by this hook" in done.stdout, done.stdout + done.stderr
    formatted = extra.read_text(encoding="utf-8")
    assert formatted != UNFORMATTED
    assert formatted == format_bytes(UNFORMATTED.encode(), str(extra)).text
    done = hook("kefu-fmt", extra)
    assert done.returncode == 0 and "Passed" in done.stdout, done.stdout + done.stderr
    unreadable = rules / "presets" / "unreadable.kefu"
    unreadable.write_text(UNREADABLE, encoding="utf-8")
    done = hook("kefu-fmt", unreadable)
    assert done.returncode == 1 and "error[K002]" in done.stdout, done.stdout + done.stderr
    assert unreadable.read_text(encoding="utf-8") == UNREADABLE  # a file with syntax errors is left alone
    subprocess.run([*GIT, "rm", "-q", "-f", "--", str(unreadable.relative_to(work))], cwd=work, check=True)

    done = hook("kefu-lint", tw)
    assert done.returncode == 0 and "kefu lint" in done.stdout and "Passed" in done.stdout, done.stdout + done.stderr
    twice = rules / "shops" / "tw" / "twice.kefu"
    reply = re.search(r'^    reply "[^"\n]*"$', tw.read_text(encoding="utf-8"), re.M)
    assert reply is not None
    twice.write_text(f'faq store.twice "再一次" {{\n    ask "同一個回覆"\n{reply.group(0)}\n}}\n', encoding="utf-8")
    done = hook("kefu-lint", twice)
    assert done.returncode == 1 and "warning[K054]" in done.stdout, done.stdout + done.stderr
    subprocess.run([*GIT, "rm", "-q", "-f", "--", str(twice.relative_to(work))], cwd=work, check=True)

    sg = rules / "shops" / "sg" / "shop.kefu"
    done = hook("kefu-test", sg)
    assert done.returncode == 0 and "Passed" in done.stdout, done.stdout + done.stderr
    text = sg.read_text(encoding="utf-8")
    sg.write_text(text.replace('"who is your boss" -> none', '"who is your boss" -> order.status'), encoding="utf-8")
    done = hook("kefu-test", sg)
    assert done.returncode == 1 and "Failed" in done.stdout and "who is your boss" in done.stdout, done.stdout
