"""Rules reload in `kefu tui` (issue 11 §2): a saved rule file swaps the session to the new rules and
live conversations carry on; a broken save keeps the last good rules and reports its diagnostics."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kefu.dsl.cache import Cache
from kefu.engine.events import Kind
from kefu.tui.reload import Reload, Reloader, targets
from kefu.tui.session import Session
from kefu.tui.shops import load_shops

SHOP = """\
shop demo "Demo" {
    language en
    timezone "Asia/Singapore"
}

staff {
    owner lim
    agent raj capacity 2
}

bot {
    on
    when all_day
    fallback "Sorry, nobody can answer that now."
}

matching {
    confidence 80
}

faq shipping.free "Free shipping" {
    ask "Is shipping free?"
    ask "Do you ship for free?"
    reply "REPLY"
}
"""
START = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


PRESET = 'preset general "General" {\n    language en\n}\n\nfaq hello "Hello" {\n    ask "hi"\n    reply "REPLY"\n}\n'


def write_shop(folder: Path, reply: str = "Shipping is free above $50.", extra: str = "", use: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "shop.kefu"
    text = SHOP.replace("REPLY", reply).replace(
        '    timezone "Asia/Singapore"\n', f'    timezone "Asia/Singapore"\n{use}'
    )
    path.write_text(text + extra, encoding="utf-8")
    return path


def bot_answers(session: Session, conversation: str = "c1") -> list[str]:
    return [line.text for line in session.transcripts.of(conversation) if line.kind == Kind.answer.value]


@pytest.fixture
def shop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the search for an enclosing shop stops here
    folder = tmp_path / "rules" / "demo"
    write_shop(folder)
    return folder


def session_on(folder: Path) -> Session:
    return Session(load_shops(folder, Cache.disabled()), START, rules=str(folder))


def test_a_saved_reply_is_used_from_the_next_message_on_and_the_conversation_carries_on(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    session.customer_says("c1", "Is shipping free?")
    write_shop(shop_dir, reply="Free shipping on every order!")
    done = Reloader(session, cache=Cache.disabled()).reload([shop_dir / "shop.kefu"])
    assert done == Reload(True, "rules reloaded (rules/demo/shop.kefu)", saved=("rules/demo/shop.kefu",))
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Shipping is free above $50.", "Free shipping on every order!"]
    conversation = session.state.conversations["c1"]
    assert conversation.session is not None and conversation.session.repeats == {"shipping.free": 2}


def test_a_broken_save_keeps_the_last_good_rules_and_reports_the_diagnostics_as_kefu_check(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    reloader = Reloader(session, cache=Cache.disabled())
    write_shop(shop_dir, reply="Never shown", extra='faq broken "Broken" {\n    ask "x"\n')
    done = reloader.reload([shop_dir / "shop.kefu"])
    assert done is not None and not done.ok
    assert done.message == "rules have 1 error; the last good rules stay in force"
    assert done.report.startswith("rules/demo/shop.kefu:") and "error[K0" in done.report
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Shipping is free above $50."]
    write_shop(shop_dir, reply="Fixed")
    fixed = reloader.reload([shop_dir / "shop.kefu"])
    assert fixed is not None and fixed.ok
    session.customer_says("c1", "Do you ship for free?")
    assert bot_answers(session)[-1] == "Fixed"


def test_a_save_that_changes_nothing_the_rules_mean_is_no_reload(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    write_shop(shop_dir, extra="# a comment\n")
    assert Reloader(session, cache=Cache.disabled()).reload([shop_dir / "shop.kefu"]) is None


def test_the_transcript_is_untouched_and_the_store_run_goes_on_with_the_new_shop_recorded(
    tmp_path: Path, shop_dir: Path
) -> None:
    from kefu.engine.store import Store

    store = Store.open(tmp_path / "kefu.db")
    session = Session(load_shops(shop_dir, Cache.disabled()), START, store, rules=str(shop_dir))
    session.customer_says("c1", "Is shipping free?")
    shown = list(session.transcripts.of("c1"))
    run = session.loop.run
    other = tmp_path / "rules" / "demo2" / "shop.kefu"
    write_shop(other.parent)
    other.write_text(other.read_text(encoding="utf-8").replace("shop demo ", "shop demo2 "), encoding="utf-8")
    reloader = Reloader(session, rules=tmp_path / "rules", cache=Cache.disabled())
    done = reloader.reload([other])
    assert done is not None and done.added == ("demo2",)
    assert list(session.transcripts.of("c1")) == shown
    session.customer_says("c2", "Is shipping free?")
    assert session.loop.run == run
    session.close()
    stored = Store.read(tmp_path / "kefu.db")
    assert len(stored.runs()) == 1 and stored.zones()["demo2"] == "Asia/Singapore"


def test_the_current_shop_gone_from_the_files_leaves_and_the_screen_moves_to_the_first_shop_left(
    tmp_path: Path, shop_dir: Path
) -> None:
    other = write_shop(tmp_path / "rules" / "demo2")
    other.write_text(other.read_text(encoding="utf-8").replace("shop demo ", "shop demo2 "), encoding="utf-8")
    session = Session(load_shops(tmp_path / "rules", Cache.disabled()), START, rules=str(tmp_path / "rules"))
    session.switch_shop("demo2")
    session.customer_says("c1", "Is shipping free?")
    other.unlink()
    other.parent.rmdir()
    done = Reloader(session, cache=Cache.disabled()).reload([other])
    assert done is not None and done.ok and done.removed == ("demo2",)
    assert "gone from the files: demo2 (now showing demo)" in done.message
    assert list(session.shops) == ["demo"] and session.shop_id == "demo"


def test_rules_with_no_shop_left_keep_the_last_good_rules(tmp_path: Path, shop_dir: Path) -> None:
    session = session_on(tmp_path / "rules")
    (shop_dir / "shop.kefu").unlink()
    done = Reloader(session, cache=Cache.disabled()).reload([shop_dir / "shop.kefu"])
    assert done is not None and not done.ok
    assert done.message == "the rules hold no shop; the last good rules stay in force"
    assert list(session.shops) == ["demo"]


def test_a_rules_folder_gone_keeps_the_last_good_rules_and_says_it_cannot_read_them(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    (shop_dir / "shop.kefu").unlink()
    shop_dir.rmdir()
    done = Reloader(session, cache=Cache.disabled()).reload([shop_dir / "shop.kefu"])
    assert done is not None and not done.ok
    assert done.message.startswith("cannot read the rules: ")
    assert done.message.endswith("rules/demo: no such file or directory; the last good rules stay in force")
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Shipping is free above $50."]


def test_the_watched_folders_are_the_rules_folder_and_those_of_the_presets_it_uses(shop_dir: Path) -> None:
    presets = shop_dir.parent.parent / "presets"
    presets.mkdir()
    preset = presets / "general.kefu"
    preset.write_text(PRESET.replace("REPLY", "Hi!"), encoding="utf-8")
    shop = write_shop(shop_dir, use='    use "../../presets/general.kefu"\n')
    session = session_on(shop_dir)
    reloader = Reloader(session, cache=Cache.disabled())
    assert reloader.reload() is None  # the session already plays these rules
    watched = reloader.targets
    assert set(watched.paths) == {shop_dir.resolve(), presets.resolve()}
    assert watched.matters(preset.resolve()) and watched.matters((shop_dir / "new.kefu").resolve())
    assert not watched.matters((presets / "other.kefu").resolve())
    assert not watched.matters((shop_dir / "notes.txt").resolve())
    assert targets(shop, session.shops.values(), [shop]).homes == (shop_dir.resolve(),)


def watched_reports(
    reloader: Reloader, *saves: Callable[[], None], until: Callable[[list[Reload]], bool] = bool
) -> list[Reload]:
    """Run the real watcher; once it is in place, make each save in turn, each time waiting (bounded)
    for a report; stop it when `until` holds."""
    reports: list[Reload] = []

    async def scenario() -> None:
        ready = asyncio.Event()
        watching = asyncio.create_task(reloader.watch(reports.append, ready.set))
        await asyncio.wait_for(ready.wait(), 30)
        for save in saves:
            seen = len(reports)
            save()
            for _ in range(600):  # bounded: at most a minute on a slow machine
                if len(reports) > seen and (save is not saves[-1] or until(reports)):
                    break
                await asyncio.sleep(0.1)
        reloader.stop()
        await asyncio.wait_for(watching, 30)

    asyncio.run(scenario())
    return reports


def test_the_watcher_reloads_on_a_real_save_and_stops_when_asked(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    reports = watched_reports(Reloader(session, cache=Cache.disabled()), lambda: write_shop(shop_dir, "Saved"))
    assert [report.message for report in reports] == ["rules reloaded (rules/demo/shop.kefu)"]
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Saved"]


def test_an_editors_save_by_rename_is_one_reload_and_its_temporary_file_none(shop_dir: Path) -> None:
    session = session_on(shop_dir)

    def save_by_rename() -> None:
        temporary = shop_dir / ".shop.kefu.swp"
        temporary.write_text(SHOP.replace("REPLY", "Renamed into place"), encoding="utf-8")
        temporary.replace(shop_dir / "shop.kefu")

    reports = watched_reports(Reloader(session, cache=Cache.disabled()), save_by_rename)
    assert [report.saved for report in reports] == [("rules/demo/shop.kefu",)]
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Renamed into place"]


def test_a_preset_saved_outside_the_shops_folder_reloads_the_shop_that_uses_it(shop_dir: Path) -> None:
    presets = shop_dir.parent.parent / "presets"
    presets.mkdir()
    preset = presets / "general.kefu"
    preset.write_text(PRESET.replace("REPLY", "Hi!"), encoding="utf-8")
    write_shop(shop_dir, extra="", use='    use "../../presets/general.kefu"\n')
    session = session_on(shop_dir)
    reports = watched_reports(
        Reloader(session, cache=Cache.disabled()),
        lambda: preset.write_text(PRESET.replace("REPLY", "Hello from the preset"), encoding="utf-8"),
    )
    assert [report.message for report in reports] == ["rules reloaded (presets/general.kefu)"]
    entry = session.shop.entry("hello")
    assert entry is not None and entry.reply == "Hello from the preset"


def test_the_app_reloads_a_file_saved_while_it_runs_shows_a_broken_save_and_quits_cleanly(shop_dir: Path) -> None:
    from kefu.tui.app import KefuApp
    from kefu.tui.screens import DiagnosticsScreen

    session = session_on(shop_dir)
    app = KefuApp(session)

    async def wait_for(pilot: Any, done: Callable[[], bool]) -> None:
        for _ in range(600):  # bounded: a minute at most on a loaded machine
            if done():
                return
            await pilot.pause(0.1)

    async def scenario() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.rules_watched)
            write_shop(shop_dir, reply="Saved while the app runs")
            await wait_for(pilot, lambda: bool(app.rules_note))
            assert app.rules_note == "rules reloaded (rules/demo/shop.kefu)"
            await pilot.click("#customer-input")
            await pilot.press(*"Is shipping free?", "enter")
            await wait_for(pilot, lambda: bool(bot_answers(session)))
            assert bot_answers(session) == ["Saved while the app runs"]
            write_shop(shop_dir, extra="faq broken {\n")
            await wait_for(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
            assert isinstance(app.screen, DiagnosticsScreen)
            assert app.rules_note == "rules have 1 error; the last good rules stay in force"
            assert "rules/demo/shop.kefu:" in app.screen.report
            await pilot.press("escape")
            await pilot.press("ctrl+q")
        assert app.return_code == 0

    asyncio.run(scenario())
    assert session.transcripts.of("c1")[0].text == "Is shipping free?"
    assert bot_answers(session) == ["Saved while the app runs"]


def test_a_shop_folder_removed_and_made_again_is_watched_again(shop_dir: Path) -> None:
    import shutil

    session = session_on(shop_dir)  # the folder watched is the one replaced

    def replace_folder() -> None:
        shutil.rmtree(shop_dir)
        write_shop(shop_dir, "From the new folder")

    reports = watched_reports(
        Reloader(session, cache=Cache.disabled()),
        replace_folder,
        lambda: write_shop(shop_dir, "Saved in the new folder"),
        until=lambda reports: any(r.ok and "rules/demo/shop.kefu" in r.saved for r in reports[1:]),
    )
    assert reports[-1].ok
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Saved in the new folder"]


def test_a_file_saved_while_the_app_starts_is_caught_up_when_the_watcher_is_in_place(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    write_shop(shop_dir, "Saved before the watcher")  # after the rules were read, before the watcher watches
    reports = watched_reports(Reloader(session, cache=Cache.disabled()))
    assert [report.message for report in reports] == ["rules reloaded"]
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Saved before the watcher"]


def test_a_broken_save_while_the_app_starts_is_reported_when_the_watcher_is_in_place(shop_dir: Path) -> None:
    session = session_on(shop_dir)
    (shop_dir / "shop.kefu").write_text(SHOP.replace('reply "REPLY"', "reply"), encoding="utf-8")
    reports = watched_reports(Reloader(session, cache=Cache.disabled()))
    assert [(report.ok, report.message) for report in reports] == [
        (False, "rules have 2 errors; the last good rules stay in force")
    ]
    assert "shop.kefu" in reports[0].report  # the diagnostics, as `kefu check` prints them
    session.customer_says("c1", "Is shipping free?")
    assert bot_answers(session) == ["Shipping is free above $50."]


def test_unchanged_files_at_start_are_no_reload_even_with_the_shops_in_another_order(shop_dir: Path) -> None:
    write_shop(shop_dir.parent / "other", extra="").write_text(
        SHOP.replace('shop demo "Demo"', 'shop other "Other"').replace("REPLY", "Other"), encoding="utf-8"
    )
    shops = load_shops(shop_dir.parent, Cache.disabled())
    session = Session(list(reversed(shops)), START, rules=str(shop_dir.parent))
    assert watched_reports(Reloader(session, cache=Cache.disabled())) == []
