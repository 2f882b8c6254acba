"""The GitHub Actions example in docs/ci.md: valid, honest about which commands exist, and working.

The workflow is read from the page itself. Every `kefu` command it runs must be a command today and
pass on the demo shops; every one it mentions only in a comment must not be a command yet (none
is left now), so the page is updated when one lands. The comment step's script
runs for real on a copy of the demo shops, up to the `gh` line that would post it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kefu.tui.cli import cli
from tests.conftest import ROOT, copy_rules

PAGE = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
WORKFLOW = next(block for block in re.findall(r"^```yaml\n(.*?)^```", PAGE, re.S | re.M) if "jobs:" in block)
KEFU = Path(sys.executable).with_name("kefu")


def _workflow() -> dict[Any, Any]:
    yaml = pytest.importorskip("yaml")  # pre-commit's own dependency, in the dev extra
    loaded = yaml.safe_load(WORKFLOW)
    assert isinstance(loaded, dict)
    return loaded


def _steps() -> list[dict[str, Any]]:
    jobs = _workflow()["jobs"]
    assert list(jobs) == ["rules"]
    steps: list[dict[str, Any]] = jobs["rules"]["steps"]
    return steps


def test_workflow_runs_only_commands_that_exist_and_marks_the_coming_ones() -> None:
    running, coming = set(), set()
    for line in WORKFLOW.splitlines():
        code, hash_, comment = line.partition("#")
        running.update(re.findall(r"\bkefu ([a-z]+)", code))
        coming.update(re.findall(r"\bkefu ([a-z]+)", comment if hash_ else ""))
    assert running == {"check", "fmt", "test", "lint", "diff", "impact"}
    assert running <= set(cli.commands)
    assert coming == set()  # every command the page names exists now
    assert not coming & set(cli.commands), "a command has landed: run it in docs/ci.md's workflow"
    for word in coming:
        assert re.search(rf"`kefu {word}[^`]*` \|[^\n]*\| coming: not a command yet \|", PAGE), word


def test_comment_script_writes_a_section_per_command_and_the_steps_pass(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None or not KEFU.is_file():
        pytest.skip("needs bash and the kefu script")
    copy_rules(tmp_path)
    step = next(step for step in _steps() if step.get("name") == "Comment on the pull request")
    script, posting = step["run"].rstrip("\n").rsplit("\n", 1)
    assert posting.startswith('gh pr comment "$PR" --body-file comment.md')
    env = {**os.environ, "PATH": f"{KEFU.parent}{os.pathsep}{os.environ['PATH']}", "PR": "1"}
    subprocess.run([bash, "-e", "-c", script], cwd=tmp_path, env=env, check=True, timeout=300)
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    sections = re.findall(r"<summary><code>(kefu [^<]*)</code>: (\w+)", comment)
    assert sections == [
        ("kefu check rules/", "passed"),
        ("kefu fmt --check rules/", "passed"),
        ("kefu test rules/ --coverage", "passed"),
        ("kefu lint rules/", "passed"),
    ]
    assert "passed, 0 failed" in comment
    # the steps run the same commands (check with annotations for the pull request's diff)
    steps = [step["run"] for step in _steps() if step.get("run", "").startswith("kefu ")]
    assert [s.replace(" --format github", "") for s in steps] == [command for command, _ in sections]
    for command in (s for s in steps if "--format github" in s):
        argv = shlex.split(command)
        done = subprocess.run([str(KEFU), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "::" not in done.stdout, f"{command}:\n{done.stdout}{done.stderr}"


def test_comment_script_reports_a_failure_with_its_exit_status(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None or not KEFU.is_file():
        pytest.skip("needs bash and the kefu script")
    rules = copy_rules(tmp_path)
    (rules / "shops" / "tw" / "broken.kefu").write_text('faq broken.entry {\n    ask "沒有回覆"\n}\n', encoding="utf-8")
    step = next(step for step in _steps() if step.get("name") == "Comment on the pull request")
    script = step["run"].rstrip("\n").rsplit("\n", 1)[0]
    env = {**os.environ, "PATH": f"{KEFU.parent}{os.pathsep}{os.environ['PATH']}", "PR": "1"}
    subprocess.run([bash, "-e", "-c", script], cwd=tmp_path, env=env, check=True, timeout=300)
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert "<code>kefu check rules/</code>: failed (exit 1)" in comment
    assert "error[K013]" in comment


def test_comment_script_adds_the_semantic_diff_of_a_pull_request(tmp_path: Path) -> None:
    """In a pull request the comment also holds `kefu diff` and `kefu impact` of the base against the change."""
    bash, git = shutil.which("bash"), shutil.which("git")
    if bash is None or git is None or not KEFU.is_file():
        pytest.skip("needs bash, git and the kefu script")
    rules = copy_rules(tmp_path)
    quiet = {"cwd": tmp_path, "check": True, "capture_output": True}
    subprocess.run([git, "init", "-q", "-b", "main"], **quiet)  # type: ignore[call-overload]
    subprocess.run([git, "add", "."], **quiet)  # type: ignore[call-overload]
    identity = ["-c", "user.name=kefu", "-c", "user.email=kefu@example.invalid"]
    subprocess.run([git, *identity, "commit", "-q", "-m", "base"], **quiet)  # type: ignore[call-overload]
    subprocess.run([git, "update-ref", "refs/remotes/origin/main", "HEAD"], **quiet)  # type: ignore[call-overload]
    shop = rules / "shops" / "tw" / "shop.kefu"
    shop.write_text(shop.read_text(encoding="utf-8").replace("NT$100", "NT$120"), encoding="utf-8")
    step = next(step for step in _steps() if step.get("name") == "Comment on the pull request")
    script = step["run"].rstrip("\n").rsplit("\n", 1)[0]
    env = {**os.environ, "PATH": f"{KEFU.parent}{os.pathsep}{os.environ['PATH']}", "PR": "1", "GITHUB_BASE_REF": "main"}
    subprocess.run([bash, "-e", "-c", script], cwd=tmp_path, env=env, check=True, timeout=300)
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert "shipping.fee" in comment and "NT$120" in comment
    assert "kefu impact" in comment and "no decision changed" in comment.lower(), comment[-1500:]
