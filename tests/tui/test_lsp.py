"""`kefu lsp` driven over its standard input and output by a real LSP client (pygls'): every
feature of issue 14, and bad input that must never end the server."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.uris import from_fs_path

from kefu.dsl.fmt import format_bytes
from kefu.tui.lsp.server import KefuServer, _older, _version_for
from tests.conftest import copy_rules
from tests.tui.lsp_client import KEFU, Client, apply

Scenario = Callable[[Client, Path], Awaitable[None]]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    return copy_rules(tmp_path)


def session(rules: Path, scenario: Scenario, *args: str, options: dict | None = None) -> None:
    """Start `kefu lsp` in the folder holding `rules`, run the scenario, then shut down and exit:
    the server must exit 0 after a clean shutdown."""

    async def run() -> None:
        client = Client(rules.parent, *args)
        await client.start([rules], options)
        try:
            await scenario(client, rules)
        finally:
            code = await asyncio.wait_for(client.stop(), 30)
        assert code == 0

    asyncio.run(run())


def tw(rules: Path) -> Path:
    return rules / "shops" / "tw" / "shop.kefu"


def line_of(text: str, needle: str) -> tuple[int, int]:
    """The 0-based line and column where `needle` first appears."""
    offset = text.index(needle)
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def codes(found: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in found]


# -- initialise, shutdown, exit -------------------------------------------------------------------


def test_initialize_advertises_every_feature_and_exit_ends_the_server(rules: Path) -> None:
    async def scenario(client: Client, rules: Path) -> None:
        assert client.alive

    captured: dict = {}

    async def run() -> None:
        client = Client(rules.parent)
        result = await client.start([rules])
        captured["caps"] = result.capabilities
        await scenario(client, rules)
        captured["code"] = await client.stop()

    asyncio.run(run())
    caps = captured["caps"]
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.completion_provider is not None and caps.document_formatting_provider
    assert caps.code_action_provider and caps.document_symbol_provider and caps.workspace_symbol_provider
    assert caps.text_document_sync is not None
    assert captured["code"] == 0


# -- diagnostics ------------------------------------------------------------------------------------


def test_diagnostics_of_unsaved_text_are_kefu_checks_own(rules: Path, tmp_path: Path) -> None:
    """The same codes, messages, levels and places as `kefu check` on that text saved."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    broken = text.replace("timezone", "timezon", 1).replace("on\n    auto_send on", "on\n    auto_sendd on", 1)

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        assert await client.diagnostics_for(uri, lambda d: d == []) == []
        client.change(uri, broken)
        found = await client.diagnostics_for(uri, lambda d: "K010" in codes(d))
        saved = tmp_path / "saved"
        saved.mkdir()
        copy = copy_rules(saved)
        (copy / "shops" / "tw" / "shop.kefu").write_text(broken, encoding="utf-8")
        done = subprocess.run(
            [str(KEFU), "check", "--json", "rules/shops/tw/shop.kefu"], cwd=saved, capture_output=True, text=True
        )
        expected = [
            (d["code"], d["severity"], d["line"] - 1, d["column"] - 1, d["message"])
            for d in json.loads(done.stdout)["diagnostics"]
            if d["path"].endswith("tw/shop.kefu")
        ]
        got = [
            (
                str(d.code),
                "error" if d.severity == types.DiagnosticSeverity.Error else "warning",
                d.range.start.line,
                d.range.start.character,
                d.message.split("\nhelp: ")[0],
            )
            for d in found
        ]
        assert sorted(got) == sorted(expected)
        assert all(d.source == "kefu" for d in found)
        assert shop.read_text(encoding="utf-8") == text  # nothing written

    session(rules, scenario)


def test_findings_carry_the_version_of_the_text_they_were_found_in() -> None:
    """A check reads the open documents at one moment; edits typed while it runs must not make its
    findings look current: they are for the version read, unless the text is the same again."""
    assert _version_for(now=("timezonX", 7), read=("timezone", 5)) == 5  # edited meanwhile: the version read
    assert _version_for(now=("timezone", 7), read=("timezone", 5)) == 7  # edited back: current again
    assert _version_for(now=None, read=("timezone", 5)) is None  # closed since
    assert _version_for(now=("timezone", 7), read=None) is None  # opened after: the check read the disk


def test_findings_are_placed_on_the_text_they_were_found_in() -> None:
    """Columns become the client's UTF-16 units on the text the check read, not on the text the
    document holds when the findings are sent: an emoji deleted meanwhile must not move them."""
    from types import SimpleNamespace

    from pygls.workspace import PositionCodec

    from kefu.engine.diagnostics import Diagnostic, Severity, Span
    from kefu.tui.lsp.text import Lines

    shop, other = Path("/shop/shop.kefu").resolve(), Path("/shop/faq.kefu").resolve()
    read = {shop: ("😀 timezonX\n", 5), other: ("faq\n", 2)}
    now = {shop: ("timezonX\n", 6), other: ("faq\n", 3)}
    older = _older(now, read)
    assert list(older) == [shop] and older[shop].line(1) == "😀 timezonX"  # the unchanged one is not kept
    assert list(_older({}, read)) == [shop, other]  # closed since: both kept as read

    class Probe(KefuServer):
        workspace = SimpleNamespace(position_codec=PositionCodec(types.PositionEncodingKind.Utf16))  # type: ignore[assignment]

    probe = Probe(lint=False)
    finding = Diagnostic(
        code="K002",
        severity=Severity.error,
        message="unknown setting",
        span=Span(file=str(shop), line=1, column=3, end_line=1, end_column=10),
    )
    placed = probe.to_lsp(finding, older[shop], older).range
    assert (placed.start.character, placed.end.character) == (3, 11)  # the emoji is two units
    on_now = probe.to_lsp(finding, Lines("timezonX\n"), {}).range
    assert (on_now.start.character, on_now.end.character) == (2, 8)  # placed on the text now: elsewhere
    sent: list[types.PublishDiagnosticsParams] = []
    probe.file_lines = lambda path: Lines(now[path][0])  # type: ignore[method-assign]
    probe.text_document_publish_diagnostics = sent.append  # type: ignore[method-assign]
    probe._send(shop, [finding], 5, True, older)
    assert [(d.range.start.character, d.range.end.character) for d in sent[0].diagnostics] == [(3, 11)]
    assert sent[0].version == 5
    # and through `publish`, as a check's result arrives: the text read, not the one now
    sent.clear()
    probe.read = lambda: now  # type: ignore[method-assign]
    checked = SimpleNamespace(diagnostics=[finding], files=[str(shop), str(other)], digests={})
    probe.publish(checked, read, {shop})  # type: ignore[arg-type]
    placed_by_file = {s.uri: [(d.range.start.character, d.range.end.character) for d in s.diagnostics] for s in sent}
    assert placed_by_file[from_fs_path(str(shop))] == [(3, 11)] and sent[0].version == 5


def test_changes_typed_fast_end_on_the_diagnostics_of_the_last_text(rules: Path) -> None:
    """Changes are coalesced: whatever was checked in between, the last version's findings arrive."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    line, column = line_of(text, "timezone")

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        for index in range(30):  # one key at a time: "timezone" -> "timezonX" ... and back
            client.edit(uri, line, column + 7, column + 8, "e" if index % 2 else "X")
        last = client.versions[uri]
        await client.diagnostics_for(uri, lambda d: client.published_version.get(uri) == last)
        assert client.diagnostics[uri] == []  # 30 edits: the text is as it was
        client.edit(uri, line, column + 7, column + 8, "X")
        broken = client.versions[uri]
        found = await client.diagnostics_for(uri, lambda d: client.published_version.get(uri) == broken)
        assert "K010" in codes(found) and any("'timezonX'" in d.message for d in found)

    session(rules, scenario, "--no-lint")


def test_a_change_to_a_preset_shows_in_the_shop_that_uses_it(rules: Path) -> None:
    """KB-2: a shop adopts preset entries; renaming one in the preset breaks the shop's override."""
    preset = rules / "presets" / "general.zh-Hant.kefu"

    async def scenario(client: Client, rules: Path) -> None:
        shop_uri = from_fs_path(str(tw(rules).resolve())) or ""  # not open: the server read the workspace
        uri = client.open(preset)
        text = preset.read_text(encoding="utf-8")
        client.change(uri, text.replace("faq shipping.free ", "faq shipping.gratis ", 1))
        found = await client.diagnostics_for(shop_uri, lambda d: "K026" in codes(d))
        assert any("'shipping.free'" in d.message for d in found)

    session(rules, scenario)


def test_a_suppression_silences_the_warning_as_kefu_check_does(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8").replace('    timezone "Asia/Taipei"\n', "", 1)

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop, text)
        found = await client.diagnostics_for(uri, lambda d: "K045" in codes(d))
        assert found[0].severity == types.DiagnosticSeverity.Warning
        client.change(
            uri, text.replace('shop tw "Demo Store 台灣" {', 'shop tw "Demo Store 台灣" {  # kefu: ignore[K045]')
        )
        await client.diagnostics_for(uri, lambda d: d == [])

    session(rules, scenario)


def test_lint_findings_arrive_after_save_and_go_with_the_text(rules: Path) -> None:
    """kefu lint's costly findings (K058: an entry no test reaches) are found on save, in the background."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    untested = text.replace('    "你們有實體門市嗎" -> store.location\n', "", 1)
    assert untested != text

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        client.change(uri, untested)
        await asyncio.sleep(0.3)
        assert "K058" not in codes(client.diagnostics.get(uri, []))  # not while typing
        client.save(uri)
        found = await client.diagnostics_for(uri, lambda d: "K058" in codes(d), timeout=120)
        k058 = next(d for d in found if d.code == "K058")
        assert "store.location" in k058.message
        client.change(uri, text)  # the text it was found in is gone: so is the finding
        await client.diagnostics_for(uri, lambda d: "K058" not in codes(d))

    session(rules, scenario)


# -- hover ------------------------------------------------------------------------------------------


def test_hover_over_entries_test_lines_and_settings(rules: Path) -> None:
    """KB-2: an override's hover shows the preset entry and what the shop changed."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        line, column = line_of(text, "shipping.free {")
        found = await client.hover(uri, line, column + 2)
        assert found is not None
        value = found.contents.value  # type: ignore[union-attr]
        assert "**shipping.free** 商品包郵" in value and "rules/presets/general.zh-Hant.kefu:" in value
        assert 'asks added: "滿499有免運嗎"' in value and "reply:" in value

        line, column = line_of(text, '"請問這個有免運嗎?" -> shipping.free')
        found = await client.hover(uri, line, column + 3)
        value = found.contents.value  # type: ignore[union-attr]
        assert re.search(r"\*\*auto-send\*\*: shipping.free — score \d+\.\d, margin \d+\.\d", value), value
        assert "this case passes" in value and "runner-up:" in value and "normalised: '" in value

        line, column = line_of(text, "auto_send on")
        found = await client.hover(uri, line, column + 1)
        value = found.contents.value  # type: ignore[union-attr]
        assert "assist may send answers by itself" in value and "SPEC: AR-3, AR-8, D-7" in value

        line, column = line_of(text, "store.location")
        found = await client.hover(uri, line, column + 1)
        value = found.contents.value  # type: ignore[union-attr]
        assert "**store.location** 實體門市" in value and 'asks: "你們有實體店面嗎?"' in value

    session(rules, scenario)


# -- definition and references ------------------------------------------------------------------------


def test_definition_from_use_override_and_test_lines(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    preset = (rules / "presets" / "general.zh-Hant.kefu").resolve()
    preset_text = preset.read_text(encoding="utf-8")

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        line, column = line_of(text, '"../../presets/general.zh-Hant.kefu"')
        found = await client.definition(uri, line, column + 5)
        assert [loc.uri for loc in found] == [from_fs_path(str(preset))]

        line, column = line_of(text, "override faq shipping.free")
        found = await client.definition(uri, line, column + len("override faq ") + 1)
        assert found[0].uri == from_fs_path(str(preset))
        assert found[0].range.start.line == line_of(preset_text, "faq shipping.free ")[0]

        line, column = line_of(text, "-> store.location")
        found = await client.definition(uri, line, column + 4)
        assert found[0].uri == uri and found[0].range.start.line == line_of(text, "faq store.location")[0]

        line, column = line_of(text, "expect bot shipping.free")
        found = await client.definition(uri, line, column + len("expect bot ") + 1)
        assert found[0].uri == from_fs_path(str(preset))

    session(rules, scenario)


def test_references_of_an_entry_id_across_the_shop_and_its_preset(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    preset = (rules / "presets" / "general.zh-Hant.kefu").resolve()

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        line, column = line_of(text, "-> shipping.free")
        found = await client.references(uri, line, column + 4)
        places = {(loc.uri, loc.range.start.line) for loc in found}
        in_shop = {n for n, row in enumerate(text.split("\n")) if re.search(r"\bshipping\.free\b", row)}
        assert {(uri, n) for n in in_shop} <= places
        assert any(loc_uri == from_fs_path(str(preset)) for loc_uri, _ in places)

    session(rules, scenario)


# -- completion ---------------------------------------------------------------------------------------


def test_completion_of_statements_values_ids_and_placeholders(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    extra = (
        "\nbot {\n    when \n}\n"
        'test "more" {\n    "x" -> \n}\n'
        'faq more.q "t" {\n    ask "a"\n    reply "您好 ${sh"\n}\n'
        "staff {\n    \n}\n"
        "\n"
    )
    body = text + extra

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop, body)
        base = text.count("\n")
        assert {"all_day", "off_hours"} <= set(await client.completion(uri, base + 2, len("    when ")))
        await client.diagnostics_for(uri, lambda found: True)  # the shop's entries are known from its first check
        ids = await client.completion(uri, base + 5, len('    "x" -> '))
        assert "none" in ids and "store.location" in ids and "shipping.free" in ids
        placeholders = await client.completion(uri, base + 9, len('    reply "您好 ${sh'))
        assert placeholders == ["shop.name", "shop.hours"]
        roles = await client.completion(uri, base + 12, 4)
        assert {"owner", "admin", "agent"} <= set(roles)
        top = await client.completion(uri, base + 14, 0)
        assert {"faq", "test", "scenario", "override faq", "drop faq"} <= set(top)
        inside = await client.completion(uri, base + 8, 4)
        assert {"ask", "reply", "keywords"} <= set(inside) and "faq" not in inside

    session(rules, scenario)


# -- formatting and code actions ------------------------------------------------------------------------


def test_formatting_gives_kefu_fmts_text(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    messy = text.replace("    language zh-Hant", "  language    zh-Hant", 1).replace("    owner mia", "owner mia", 1)

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop, messy)
        edits = await client.formatting(uri)
        assert edits
        assert apply(messy, edits) == format_bytes(messy.encode(), "shop.kefu").text == text
        client.change(uri, text)
        assert list(await client.formatting(uri)) == []  # already in kefu fmt's form: no edit

    session(rules, scenario)


def test_code_actions_did_you_mean_suppression_and_a_test_for_an_entry(rules: Path) -> None:
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")

    async def scenario(client: Client, rules: Path) -> None:
        typo = text.replace("timezone", "timezon", 1)
        uri = client.open(shop, typo)
        found = await client.diagnostics_for(uri, lambda d: "K010" in codes(d))
        k010 = next(d for d in found if d.code == "K010")
        actions = await client.code_actions(uri, k010)
        fix = next(a for a in actions if "timezone" in a.title)
        assert fix.edit is not None and fix.edit.changes is not None
        assert apply(typo, fix.edit.changes[uri]) == text

        no_zone = text.replace('    timezone "Asia/Taipei"\n', "", 1)
        client.change(uri, no_zone)
        found = await client.diagnostics_for(uri, lambda d: "K045" in codes(d))
        actions = await client.code_actions(uri, next(d for d in found if d.code == "K045"))
        ignore = next(a for a in actions if "ignore[K045]" in a.title)
        assert ignore.edit is not None and ignore.edit.changes is not None
        silenced = apply(no_zone, ignore.edit.changes[uri])
        assert "# kefu: ignore[K045]" in silenced
        client.change(uri, silenced)
        await client.diagnostics_for(uri, lambda d: d == [])

        untested = text.replace('    "你們有實體門市嗎" -> store.location\n', "", 1)
        client.change(uri, untested)
        client.save(uri)
        found = await client.diagnostics_for(uri, lambda d: "K058" in codes(d), timeout=120)
        actions = await client.code_actions(uri, next(d for d in found if d.code == "K058"))
        add = next(a for a in actions if a.title.startswith("Add a test"))
        assert add.edit is not None and add.edit.changes is not None
        tested = apply(untested, add.edit.changes[uri])
        assert re.search(r'test "store.location" \{\n    "[^"]+" -> store.location\n\}\n$', tested)

    session(rules, scenario)


def test_a_test_for_an_untested_preset_entry_goes_into_the_shop_the_finding_names(rules: Path) -> None:
    """KB-2: a preset's entry is the shop's to test; a preset holds no tests."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    untested = text.replace('    "這件還有現貨嗎" -> product.stock\n', "", 1)
    assert untested != text
    preset_uri = from_fs_path(str((rules / "presets" / "general.zh-Hant.kefu").resolve())) or ""

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop, untested)
        client.save(uri)
        found = await client.diagnostics_for(preset_uri, lambda d: "K058" in codes(d), timeout=120)
        k058 = next(d for d in found if d.code == "K058" and "product.stock" in d.message)
        assert "shop 'tw'" in k058.message
        actions = await client.code_actions(preset_uri, k058)
        add = next(a for a in actions if a.title.startswith("Add a test"))
        assert add.edit is not None and add.edit.changes is not None
        assert list(add.edit.changes) == [uri]  # the shop's file, not the preset
        assert re.search(
            r'test "product.stock" \{\n    "[^"]+" -> product.stock\n\}\n$', apply(untested, add.edit.changes[uri])
        )

    session(rules, scenario)


# -- symbols ------------------------------------------------------------------------------------------------


def test_document_and_workspace_symbols(rules: Path) -> None:
    shop = tw(rules)

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        await client.diagnostics_for(uri, lambda d: d == [])
        outline = await client.symbols(uri)
        names = [s.name for s in outline]
        assert names[0] == "tw" and "staff" in names and "store.location" in names
        assert "override shipping.free" in names and any(n.startswith("test ") for n in names)
        header = outline[0]
        assert {"language", "timezone", "use"} <= {c.name for c in header.children}
        found = await client.workspace_symbols("shipping.free")
        places = {s.location.uri for s in found}
        assert from_fs_path(str((rules / "presets" / "general.zh-Hant.kefu").resolve())) in places
        assert {s.name for s in found} == {"shipping.free"}

    session(rules, scenario)


# -- bad input never ends the server ---------------------------------------------------------------------


def test_a_binary_file_and_a_huge_file_are_findings_not_crashes(rules: Path) -> None:
    async def scenario(client: Client, rules: Path) -> None:
        binary = rules / "shops" / "tw" / "blob.kefu"
        uri = client.open(binary, "faq \x00\x01\x02 {\n" * 10)
        found = await client.diagnostics_for(uri, lambda d: "K005" in codes(d))
        assert len(found) == 1
        await client.hover(uri, 0, 1)
        await client.completion(uri, 0, 4)
        client.close(uri)  # never saved: it is gone, and so are its findings
        await client.diagnostics_for(uri, lambda d: d == [])
        assert await client.hover(uri, 0, 1) is None  # asked about after closing: no answer, no error
        assert await client.symbols(uri) is None
        huge = rules / "shops" / "sg" / "huge.kefu"  # 10 MB pasted into a file of the shop by mistake
        text = "".join(
            f"line {n} of a log that is no rule file at all, pasted here by mistake\n" for n in range(150_000)
        )
        assert len(text.encode()) > 10 * 1024 * 1024
        big = client.open(huge, text)
        found = await client.diagnostics_for(big, lambda d: "K010" in codes(d), timeout=120)
        assert any("not a kefu rule file" in d.message for d in found)
        await client.completion(big, 10, 0)
        await client.hover(big, 100_000, 6)
        await client.symbols(big)
        client.close(big)
        shop = client.open(tw(rules))
        assert await client.diagnostics_for(shop, lambda d: d == []) == []  # and it goes on serving
        assert client.alive and not [log for log in client.logs if "failed" in log]
        assert not [line for line in client.stderr if "Traceback" in line], "\n".join(client.stderr[-40:])

    session(rules, scenario, "--no-lint")


def test_a_document_half_typed_anywhere_never_ends_the_server(rules: Path) -> None:
    """Every statement boundary of a demo shop, and random cursor positions (a fixed seed): the text
    cut there is sent, and hover, completion, definition, symbols and formatting are asked there."""
    shop = tw(rules)
    text = shop.read_text(encoding="utf-8")
    bounds = [m.start() for m in re.finditer(r"^\S", text, re.M)]
    rng = random.Random(14)
    cuts = sorted(set(bounds + [rng.randrange(len(text)) for _ in range(40)]))

    async def scenario(client: Client, rules: Path) -> None:
        uri = client.open(shop)
        for cut in cuts:
            half = text[:cut]
            client.change(uri, half)
            line = half.count("\n")
            character = len(half) - (half.rfind("\n") + 1)
            await client.hover(uri, line, character)
            await client.completion(uri, line, character)
            await client.definition(uri, line, character)
            await client.symbols(uri)
            await client.formatting(uri)
        client.change(uri, text)
        await client.diagnostics_for(uri, lambda d: d == [])
        assert client.alive and not [log for log in client.logs if "failed" in log]
        assert not [line for line in client.stderr if "Traceback" in line], "\n".join(client.stderr[-40:])

    session(rules, scenario, "--no-lint")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_lint_worker_dies_with_the_server(tmp_path: Path) -> None:
    """A server killed while its lint child works leaves no process behind (PR_SET_PDEATHSIG). The
    child's standard input stays open here (the test holds its other end), so it does not end by
    reading the end of its request: it stands for a child busy with a large shop."""
    read, write = os.pipe()
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys, time\n"
            "env = dict(os.environ, KEFU_PARENT_PID=str(os.getpid()))  # as the server names itself\n"
            "child = subprocess.Popen([sys.executable, '-m', 'kefu.tui.lsp.worker'], stdin=sys.stdin, env=env)\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdin=read,
        stdout=subprocess.PIPE,
        text=True,
    )
    os.close(read)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    time.sleep(1.0)  # the worker has asked for the signal (its first step)
    parent.kill()
    parent.wait()
    for _ in range(50):
        if not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]:
            break
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        os.close(write)
        pytest.fail("the lint worker outlived the server")
    os.close(write)


def test_a_lint_worker_whose_server_died_before_it_started_ends_at_once() -> None:
    """The server may be killed while its child is still starting (importing); the child then has
    another parent already, sees that it is not the one that named itself, and ends (exit 1) without
    waiting for a request that will never come: its standard input is left open here."""
    read, write = os.pipe()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    worker = subprocess.Popen(
        [sys.executable, "-m", "kefu.tui.lsp.worker"],
        stdin=read,
        env={**os.environ, "KEFU_PARENT_PID": str(gone.pid)},
    )
    os.close(read)
    try:
        assert worker.wait(timeout=60) == 1
    finally:
        os.close(write)
        if worker.poll() is None:
            worker.kill()


def test_a_newer_lint_of_a_shop_replaces_what_an_older_one_found(tmp_path: Path) -> None:
    """A file opened before the server knows its shop (no workspace folder) is linted on its own;
    the shop's own lint after a fix must clear that older finding, not sit beside it for good."""
    (tmp_path / ".git").mkdir()
    shop_dir = tmp_path / "shop"
    shop_dir.mkdir()
    faq = shop_dir / "faq.kefu"
    faq.write_text(
        'faq returns "退貨" {\n    ask "怎麼退貨"\n    reply "請在訂單頁申請退貨。"\n}\n'
        'faq shipping "運費" {\n    ask "運費多少"\n    reply "運費六十元。"\n}\n',
        encoding="utf-8",
    )
    shop = shop_dir / "shop.kefu"
    shop.write_text(
        'shop demo "Demo" {\n    language zh-Hant\n}\nstaff {\n    owner mia\n}\n'
        'test "t" {\n    "怎麼退貨" -> returns\n}\n',
        encoding="utf-8",
    )

    async def run() -> None:
        client = Client(tmp_path)
        await client.start([])
        try:
            f = client.open(faq)
            await client.diagnostics_for(f, lambda found: "K058" in codes(found))
            s = client.open(shop)
            text = shop.read_text(encoding="utf-8").replace(
                '"怎麼退貨" -> returns', '"怎麼退貨" -> returns\n    "運費多少" -> shipping'
            )
            client.change(s, text)
            shop.write_text(text, encoding="utf-8")
            client.save(s)
            await client.diagnostics_for(f, lambda found: "K058" not in codes(found))
        finally:
            assert await asyncio.wait_for(client.stop(), 30) == 0

    asyncio.run(run())
