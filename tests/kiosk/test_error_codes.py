"""Every error class has its own technician code: the code on the resident's error screen
names one failure, never two (two branches once both took K015)."""
from __future__ import annotations

import inspect

from kiosk import errors


def test_every_error_code_names_one_error() -> None:
    seen: dict[str, str] = {}
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if not issubclass(cls, errors.KioskError) or cls.__module__ != errors.__name__:
            continue
        code = cls.__dict__.get("code")  # only the classes that set their own
        if code is None:
            continue
        assert code not in seen, f"{name} and {seen[code]} both use {code}"
        seen[code] = name
    assert len(seen) > 20
