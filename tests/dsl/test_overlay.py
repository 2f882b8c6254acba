"""Unsaved texts over the disk (`kefu.dsl.overlay`): what `kefu lsp` checks while the user types."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.dsl.cache import Cache
from kefu.dsl.load import load
from kefu.dsl.overlay import overlaid, overlay_bytes
from tests.conftest import copy_rules


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_rules(tmp_path)


def codes(paths: list[Path], **options: object) -> list[str]:
    return [d.code for d in load(paths, Cache.disabled(), **options).diagnostics]  # type: ignore[arg-type]


def test_an_unsaved_text_is_checked_in_place_of_the_file(rules: Path) -> None:
    shop = rules / "shops" / "tw" / "shop.kefu"
    text = shop.read_text(encoding="utf-8")
    assert codes([shop]) == []
    with overlaid({shop: text.replace("timezone", "timezon", 1)}):
        assert "K010" in codes([shop])
    assert codes([shop]) == []  # the overlay ends with the block, and the disk was never written
    assert shop.read_text(encoding="utf-8") == text


def test_a_preset_edited_unsaved_shows_in_the_shops_that_use_it(rules: Path) -> None:
    preset = rules / "presets" / "general.zh-Hant.kefu"
    shop = rules / "shops" / "tw" / "shop.kefu"
    text = preset.read_text(encoding="utf-8")
    assert "faq shipping.free " in text  # the shop overrides it
    with overlaid({preset: text.replace("faq shipping.free ", "faq shipping.gratis ", 1)}):
        found = load([shop], Cache.disabled()).diagnostics
    assert any(d.code == "K026" and "'shipping.free'" in d.message for d in found), found


def test_a_file_not_yet_on_disk_joins_its_shop(rules: Path) -> None:
    new = rules / "shops" / "tw" / "more.kefu"
    with overlaid({new: 'faq more.q "t" {\n    ask "more?"\n    reply "yes"\n}\n'}):
        result = load([new], Cache.disabled())
        assert overlay_bytes(new) is not None
    tw = next(shop for shop in result.rules.shops if shop.id == "tw")
    assert "more.q" in [entry.id for entry in tw.entries]
    assert not new.exists()


def test_the_memo_keeps_parse_results_by_content(rules: Path) -> None:
    shop = rules / "shops" / "tw" / "shop.kefu"
    memo: dict = {}
    load([shop], Cache.disabled(), memo=memo)
    before = dict(memo)
    assert before
    load([shop], Cache.disabled(), memo=memo)
    assert memo == before  # nothing parsed again
    with overlaid({shop: shop.read_text(encoding="utf-8") + "\n# edited\n"}):
        load([shop], Cache.disabled(), memo=memo)
    assert len(memo) == len(before) + 1  # one more result: the edited text's, under its own digest
