"""The site configuration: the example parses; every mistake is one clear message."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_config, parse_config
from kiosk.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "packaging" / "kiosk.example.toml"


def test_the_example_configuration_parses() -> None:
    c = load_config(EXAMPLE)
    assert c.kiosk_id == "HZ-0001" and c.terminal == 1 and c.printer_model == "80"
    assert c.limits.max_fen == 200000 and c.journal_path.name == "journal.db"
    assert c.sam_replenish_below_fen == 1_000_000 and c.sam_check_interval_s == 600
    assert c.cash_checksum == "simple" and c.cash_echo is False and c.cash_reports_cassette is True


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["kiosk"].pop("id"), "kiosk.id"),
    (lambda d: d["kiosk"].__setitem__("terminal", 0), "kiosk.terminal"),
    (lambda d: d["kiosk"].__setitem__("terminal", "1"), "kiosk.terminal"),
    (lambda d: d["devices"].__setitem__("printer_model", "76"), "devices.printer_model"),
    (lambda d: d["devices"].pop("cash_url"), "devices.cash_url"),
    (lambda d: d["devices"].__setitem__("cash_checksum", "crc8"), "devices.cash_checksum"),
    (lambda d: d["devices"].__setitem__("cash_echo", "yes"), "devices.cash_echo"),
    (lambda d: d["devices"].__setitem__("cash_reports_cassette", 1), "devices.cash_reports_cassette"),
    (lambda d: d["server"].pop("kiosk_key_file"), "server"),
    (lambda d: d["limits"].__setitem__("max_fen", 50), "limits"),
    (lambda d: d["server"].__setitem__("sam_replenish_below_fen", 0), "server.sam_replenish_below_fen"),
    (lambda d: d["server"].__setitem__("sam_check_interval_s", "10m"), "server.sam_check_interval_s"),
])
def test_mistakes_are_named(edit, field) -> None:  # type: ignore[no-untyped-def]
    doc = tomllib.loads(EXAMPLE.read_text())
    edit(doc)
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert e.value.data["field"] == field


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no configuration file"):
        load_config(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[kiosk\nid=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
