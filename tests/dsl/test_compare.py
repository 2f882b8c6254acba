"""dsl/compare.py on generated shops: what `kefu fmt` writes means what it was given, so `kefu diff`
of a file and its formatted form finds nothing (and neither does a file against itself)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, note

from kefu.dsl.compare import Side, compare, places_of
from kefu.dsl.fmt import format_bytes
from kefu.dsl.load import load
from tests.dsl.test_properties import PROPERTY, valid_shop_files


def side(folder: str, data: bytes, label: str) -> Side:
    """The shop written as `folder/label/shop.kefu`, loaded, with where its settings stand."""
    os.makedirs(os.path.join(folder, label))
    path = Path(folder) / label / "shop.kefu"
    path.write_bytes(data)
    result = load([path])
    assert result.errors == [], [f"{d.span}: {d.code} {d.message}" for d in result.errors]
    places = {shop.id: places_of(shop, result.items) for shop in result.rules.shops}
    return Side(label=label, rules=result.rules, places=places)


@PROPERTY
@given(valid_shop_files())
def test_a_file_and_its_formatted_form_mean_the_same(case: tuple[bytes, list[str]]) -> None:
    data, _ = case
    formatted = format_bytes(data, "shop.kefu")
    assert formatted.text is not None
    note(formatted.text)
    with tempfile.TemporaryDirectory(prefix="kefu-compare-") as folder:
        os.mkdir(os.path.join(folder, ".git"))  # the search for an enclosing shop stops here
        old = side(folder, data, "old")
        new = side(folder, formatted.text.encode("utf-8"), "new")
        assert compare(old, new).changes == ()
        assert compare(old, old).changes == ()
