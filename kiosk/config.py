"""Site configuration of a kiosk: one TOML file (packaging/kiosk.example.toml). Parsed and
checked here, with one clear message per mistake; the composition root (main.py) builds the
devices, the core and the sync client from it."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .pricing import AmountLimits

CASH_CHECKSUMS = ("simple", "crc16")  # devices.cash.cctalk.CHECKSUMS (kiosk/ imports no devices)


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str
    terminal: int
    utility_name: str
    data_dir: Path
    printer_url: str
    printer_model: str
    cash_url: str
    cash_checksum: str = "simple"  # the ccTalk frame layout: "simple" 8-bit sum or "crc16"
    cash_echo: bool = False  # a single-wire ccTalk bus: the kiosk reads its request back
    # the validator reports its cassette going out and in (ccTalk events 11/12): a collection
    # waits for both; false: the technician confirms it
    cash_reports_cassette: bool = True
    card_reader: str | None = None
    sam_reader: str | None = None
    server_url: str | None = None
    kiosk_key_file: Path | None = None
    server_public_key_file: Path | None = None
    hotline: str = ""
    tariff_id: str = "residential"
    limits: AmountLimits = field(default_factory=AmountLimits)
    # the sync client tops the SAM's offline quota up from the server when it is below this,
    # checked every sam_check_interval_s (sync.jobs.SyncClient.sam_job)
    sam_replenish_below_fen: int = 1_000_000
    sam_check_interval_s: int = 600
    # technician id -> PBKDF2 hash of the PIN (kiosk.technician); empty: no service screen
    technicians: dict[str, str] = field(default_factory=dict)
    technician_max_failures: int = 5
    technician_lockout_s: int = 300

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.db"


def _get(table: dict[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise ConfigError(f"{where}.{key}: missing", field=f"{where}.{key}")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ConfigError(f"{where}.{key}: must be {kind.__name__}", field=f"{where}.{key}")
    return value


def parse_config(doc: dict[str, Any]) -> KioskConfig:
    k = _get(doc, "kiosk", dict, "config")
    d = _get(doc, "devices", dict, "config")
    s = _get(doc, "server", dict, "config", {})
    lim = _get(doc, "limits", dict, "config", {})
    kiosk_id = _get(k, "id", str, "kiosk")
    if not kiosk_id or len(kiosk_id) > 32 or not kiosk_id.replace("-", "").isalnum():
        raise ConfigError("kiosk.id: 1-32 letters, digits or '-'", field="kiosk.id")
    terminal = _get(k, "terminal", int, "kiosk")
    if not 0 < terminal < 65536:
        raise ConfigError("kiosk.terminal: 1..65535 (written on every card record)",
                          field="kiosk.terminal")
    model = str(_get(d, "printer_model", str, "devices", "80"))
    if model not in ("58", "80"):
        raise ConfigError("devices.printer_model: 58 or 80", field="devices.printer_model")
    cash_checksum = _get(d, "cash_checksum", str, "devices", "simple")
    if cash_checksum not in CASH_CHECKSUMS:
        raise ConfigError("devices.cash_checksum: simple or crc16 (as the acceptor is set)",
                          field="devices.cash_checksum")
    limits = AmountLimits(
        min_fen=_get(lim, "min_fen", int, "limits", 100),
        max_fen=_get(lim, "max_fen", int, "limits", 200_000),
        offline_per_card_day_fen=_get(lim, "offline_per_card_day_fen", int, "limits", 50_000),
        offline_per_kiosk_fen=_get(lim, "offline_per_kiosk_fen", int, "limits", 2_000_000),
    )
    if not 0 < limits.min_fen <= limits.max_fen:
        raise ConfigError("limits: 0 < min_fen <= max_fen", field="limits")
    server_url = _get(s, "url", str, "server", None)
    key_file = _get(s, "kiosk_key_file", str, "server", None)
    pub_file = _get(s, "public_key_file", str, "server", None)
    if server_url and not (key_file and pub_file):
        raise ConfigError("server: url needs kiosk_key_file and public_key_file",
                          field="server")
    below = _get(s, "sam_replenish_below_fen", int, "server", 1_000_000)
    if below <= 0:
        raise ConfigError("server.sam_replenish_below_fen: more than 0",
                          field="server.sam_replenish_below_fen")
    every = _get(s, "sam_check_interval_s", int, "server", 600)
    if every <= 0:
        raise ConfigError("server.sam_check_interval_s: more than 0 seconds",
                          field="server.sam_check_interval_s")
    tech = _get(doc, "technician", dict, "config", {})
    staff = _get(tech, "staff", dict, "technician", {})
    for who, encoded in staff.items():
        if not isinstance(encoded, str):
            raise ConfigError(f"technician.staff.{who}: a PIN hash string (kioskctl technician pin-hash)",
                              field=f"technician.staff.{who}")
        try:
            _check_pin_hash(encoded)
        except ConfigError as exc:
            raise ConfigError(f"technician.staff.{who}: {exc}", field=f"technician.staff.{who}") from None
    max_failures = _get(tech, "max_failures", int, "technician", 5)
    lockout_s = _get(tech, "lockout_s", int, "technician", 300)
    if max_failures <= 0 or lockout_s <= 0:
        raise ConfigError("technician: max_failures and lockout_s more than 0", field="technician")
    return KioskConfig(
        kiosk_id=kiosk_id, terminal=terminal,
        utility_name=_get(k, "utility_name", str, "kiosk", "城市燃气"),
        data_dir=Path(_get(k, "data_dir", str, "kiosk", "/var/lib/gas-kiosk")),
        hotline=_get(k, "hotline", str, "kiosk", ""),
        tariff_id=_get(k, "tariff_id", str, "kiosk", "residential"),
        printer_url=_get(d, "printer_url", str, "devices"),
        printer_model=model,
        cash_url=_get(d, "cash_url", str, "devices"),
        cash_checksum=cash_checksum,
        cash_echo=_get(d, "cash_echo", bool, "devices", False),
        cash_reports_cassette=_get(d, "cash_reports_cassette", bool, "devices", True),
        card_reader=_get(d, "card_reader", str, "devices", None),
        sam_reader=_get(d, "sam_reader", str, "devices", None),
        server_url=server_url,
        kiosk_key_file=Path(key_file) if key_file else None,
        server_public_key_file=Path(pub_file) if pub_file else None,
        limits=limits,
        sam_replenish_below_fen=below,
        sam_check_interval_s=every,
        technicians=dict(staff),
        technician_max_failures=max_failures,
        technician_lockout_s=lockout_s,
    )


def _check_pin_hash(encoded: str) -> None:
    from .technician import pin_hash_ok

    pin_hash_ok(encoded)


def load_config(path: str | Path) -> KioskConfig:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"no configuration file at {path}", field="file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", field="file") from None
    return parse_config(doc)
