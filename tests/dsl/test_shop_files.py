"""Which files a check reads: a named folder as given; a named file with the rest of its shop, looked
for no higher than the working directory or the repository root, never in a folder of many shops."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.dsl.files import MAX_CLIMB, discover, enclosing_shop
from kefu.tui import cli as cli_module
from tests.conftest import RULES

SHOP = 'shop {name} "S" {{\n    timezone "Asia/Taipei"\n}}\n\nstaff {{\n    owner mia\n}}\n'
FAQ = 'faq {name}.q "t" {{\n    ask "{name}?"\n    reply "y"\n}}\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[object, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def names(files: list[Path], base: Path) -> list[str]:
    return sorted(f.relative_to(base.resolve()).as_posix() for f in files)


def test_a_copy_of_rules_in_a_shared_folder_is_checked_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The case of issue 9: `kefu check tb/rules` run from a shared temporary folder that also holds
    other projects' .kefu files (a shop file at its top among them) took the whole folder for the shop."""
    shared = tmp_path / "shared"
    write(shared / "shop.kefu", SHOP.format(name="stray"))
    write(shared / "orphan.kefu", FAQ.format(name="orphan"))
    for n in range(30):
        write(shared / f"project{n}" / "fixtures" / "shop.kefu", SHOP.format(name=f"p{n}"))
        write(shared / f"project{n}" / "fixtures" / "broken.kefu", "faq {\n")
    copied = []
    for source in RULES.rglob("*.kefu"):  # a plain copy: no .git marker anywhere
        copied.append(write(shared / "tb" / "rules" / source.relative_to(RULES), source.read_text(encoding="utf-8")))
    monkeypatch.chdir(shared)
    assert names(discover([Path("tb/rules")]), shared) == names(copied, shared)
    code, out, err = run(capsys, "check", "tb/rules")
    assert (code, out) == (0, "")
    assert err == f"checked {len(copied)} files: no problems\n"


def test_a_named_folder_is_checked_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop" / "shop.kefu", SHOP.format(name="s"))
    write(tmp_path / "shop" / "faq" / "a.kefu", FAQ.format(name="a"))
    monkeypatch.chdir(tmp_path)
    assert names(discover([Path("shop/faq")]), tmp_path) == ["shop/faq/a.kefu"]


def test_a_named_file_is_checked_with_its_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop" / "shop.kefu", SHOP.format(name="s"))
    write(tmp_path / "shop" / "faq" / "deep" / "a.kefu", FAQ.format(name="a"))
    write(tmp_path / "shop" / "policy.kefu", "bot off\n")
    monkeypatch.chdir(tmp_path)
    assert names(discover([Path("shop/faq/deep/a.kefu")]), tmp_path) == [
        "shop/faq/deep/a.kefu",
        "shop/policy.kefu",
        "shop/shop.kefu",
    ]


def test_naming_the_shop_file_means_the_whole_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 §7: `kefu check shop/shop.kefu` missed a duplicate id in `shop/extra.kefu`, and `kefu ask
    shop/shop.kefu` answered from part of the knowledge base. Whichever file is named, the shop is one unit."""
    write(tmp_path / "shop" / "shop.kefu", SHOP.format(name="s") + FAQ.format(name="a"))
    write(tmp_path / "shop" / "extra.kefu", FAQ.format(name="a"))
    monkeypatch.chdir(tmp_path)
    for named in ("shop/shop.kefu", "shop/extra.kefu", "shop"):
        code, out, err = run(capsys, "check", named)
        assert code == 1 and "K020" in out + err and "checked 2 files:" in err, named
    parcel = 'faq parcel "t" {\n    ask "where is my parcel"\n    reply "on its way"\n}\n'
    write(tmp_path / "shop" / "extra.kefu", parcel)
    for named in ("shop/shop.kefu", "shop/extra.kefu"):
        code, out, _ = run(capsys, "ask", named, "--json", "where is my parcel")
        assert code == 0 and '"parcel"' in out, named


def test_a_shop_file_among_other_shops_is_a_unit_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of one-file shops (imports written side by side), or a shop file above other shops' folders,
    is a collection: naming one shop file there reads that file alone, as `enclosing_shop` would."""
    write(tmp_path / "flat" / "a.kefu", SHOP.format(name="a"))
    write(tmp_path / "flat" / "b.kefu", SHOP.format(name="b"))
    write(tmp_path / "nested" / "shop.kefu", SHOP.format(name="s"))
    write(tmp_path / "nested" / "faq" / "a.kefu", FAQ.format(name="a"))
    write(tmp_path / "nested" / "branch" / "shop.kefu", SHOP.format(name="b"))
    monkeypatch.chdir(tmp_path)
    assert names(discover([Path("flat/a.kefu")]), tmp_path) == ["flat/a.kefu"]
    assert names(discover([Path("nested/shop.kefu")]), tmp_path) == ["nested/shop.kefu"]
    assert names(discover([Path("nested/faq/a.kefu")]), tmp_path) == ["nested/faq/a.kefu"]


def test_a_named_file_with_a_header_is_its_own_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop" / "shop.kefu", SHOP.format(name="s"))
    write(tmp_path / "shop" / "presets" / "p.kefu", 'preset p "P" {\n}\n')
    monkeypatch.chdir(tmp_path)
    assert enclosing_shop(Path("shop/presets/p.kefu")) is None


def test_the_search_stops_at_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop.kefu", SHOP.format(name="above"))
    faq = write(tmp_path / "work" / "faq" / "a.kefu", FAQ.format(name="a"))
    monkeypatch.chdir(tmp_path / "work")
    assert enclosing_shop(faq) is None
    monkeypatch.chdir(tmp_path)  # the working directory itself is still looked at
    assert enclosing_shop(faq) == tmp_path.resolve()


def test_the_search_stops_at_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop.kefu", SHOP.format(name="above"))
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    faq = write(tmp_path / "repo" / "faq" / "a.kefu", FAQ.format(name="a"))
    monkeypatch.chdir(tmp_path)
    assert enclosing_shop(faq) is None
    write(tmp_path / "repo" / "shop.kefu", SHOP.format(name="root"))  # the root itself is still looked at
    assert enclosing_shop(faq) == (tmp_path / "repo").resolve()


def test_the_search_looks_at_most_at_max_climb_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "shop.kefu", SHOP.format(name="s"))
    monkeypatch.chdir(tmp_path)
    near = write(tmp_path.joinpath(*["d"] * (MAX_CLIMB - 1), "a.kefu"), FAQ.format(name="a"))
    far = write(tmp_path.joinpath(*["d"] * MAX_CLIMB, "b.kefu"), FAQ.format(name="b"))
    assert enclosing_shop(near) == tmp_path.resolve()
    assert enclosing_shop(far) is None


def test_a_folder_with_shops_below_it_is_never_a_shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "shop.kefu", SHOP.format(name="top"))
    write(tmp_path / "shops" / "tw" / "shop.kefu", SHOP.format(name="tw"))
    write(tmp_path / "misc" / "a.kefu", FAQ.format(name="a"))
    monkeypatch.chdir(tmp_path)
    assert enclosing_shop(Path("misc/a.kefu")) is None
    assert names(discover([Path("misc/a.kefu")]), tmp_path) == ["misc/a.kefu"]
    code, _, err = run(capsys, "check", "misc/a.kefu")
    assert code == 1 and "K036" in err + _ and "checked 1 file:" in err


def test_a_time_zone_folder_name_is_an_unknown_zone_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`timezone "Asia"` names a folder of the zone database: it was an internal error (exit 3)."""
    write(tmp_path / "s" / "shop.kefu", SHOP.format(name="s").replace("Asia/Taipei", "Asia"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "s")
    assert code == 1 and "error[K022]: unknown time zone 'Asia'" in out and "internal error" not in err
