"""The speech engine in a process of its own (`python -m ui.speech_proc ENGINE VOLUME`), for
engines that talk to a daemon (speechd). A speech-dispatcher stuck on a dead audio device
blocks its client inside a C++ call that holds Python's GIL: in the kiosk's process that
froze every thread (seen here), in this child it freezes only the child. Commands come as
JSON lines on stdin (`say`, `voice`, `volume`, `stop`); it answers JSON lines on stdout
(`{"ready": bool}` once, then `{"voices": {lang: name or null}}` when a voice is looked up)."""
from __future__ import annotations

import json
import sys
import threading

from PySide6.QtCore import QCoreApplication, QObject, Signal

from .voice import _Engine


class _Commands(QObject):
    got = Signal(str)


def main(argv: list[str]) -> int:
    engine_name, volume = argv[0], float(argv[1]) if len(argv) > 1 else 0.7
    app = QCoreApplication([])
    engine = _Engine(engine_name, volume)
    engine.start()
    out_lock = threading.Lock()

    def send(msg: dict[str, object]) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(msg, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    send({"ready": engine.tts is not None})
    commands = _Commands()

    def run(line: str) -> None:
        cmd = json.loads(line)
        op = cmd.get("op")
        before = dict(engine.voices)
        if op == "say":
            engine.say(str(cmd["text"]), str(cmd["lang"]))
        elif op == "voice":
            engine.look_up(str(cmd["lang"]))
        elif op == "volume":
            engine.set_volume(float(cmd["v"]))
        elif op == "stop":
            engine.stop()
        elif op == "quit":
            engine.shutdown()
            app.quit()
        if engine.voices != before:
            send({"voices": engine.voices})

    commands.got.connect(run)

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                commands.got.emit(line)
        commands.got.emit(json.dumps({"op": "quit"}))  # the kiosk went away

    threading.Thread(target=read, name="speech-stdin", daemon=True).start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
