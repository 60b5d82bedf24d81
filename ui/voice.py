"""Spoken prompts, offline: QtTextToSpeech on speech-dispatcher + espeak-ng. The Mandarin
voice is picked by name: espeak-ng's `cmn-latn-pinyin` reads tones correctly (plain `cmn`
reads them as English digits), and Qt lists no zh_CN locale for it: through speech-dispatcher
it is the voice named "Chinese (Mandarin, latin as Pinyin)" with the C locale.

Engines that talk to a daemon run in a child process (ui/speech_proc.py): speech-dispatcher
is a daemon behind a socket, and one stuck on a dead audio device blocks its next client
(seen here: with no sound card a `say` leaves it speaking for ever, and the next
QTextToSpeech constructor hangs inside a call that holds the GIL, freezing every thread of
its process). The kiosk only writes to the child. Tests use Qt's `mock` engine (in-process,
on a speech thread: it does no I/O), and tests/ui/test_voice.py the real speechd.
"""
from __future__ import annotations

import atexit
import json
import logging
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtTextToSpeech import QTextToSpeech, QVoice

logger = logging.getLogger(__name__)

ZH_VOICE = "cmn-latn-pinyin"
# the names a voice may carry, best first: speech-dispatcher shows espeak-ng's display
# name; other engines (and espeak-ng itself) its identifier
VOICE_NAMES: dict[str, tuple[str, ...]] = {
    "zh_CN": ("Chinese (Mandarin, latin as Pinyin)", ZH_VOICE),
    "en": ("English (America)", "English (Great Britain)", "en-us", "en-gb"),
}
VOLUMES = (0.4, 0.7, 1.0)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pick_voice(voices: Iterable[QVoice], lang: str) -> QVoice | None:
    """The voice for `lang` by name: an exact name first (in the order of VOICE_NAMES), then
    a name that only adds a variant (`...+Annie`). None when the kiosk has no such voice: the
    zh_CN prompts are then not spoken rather than read by a voice that garbles them."""
    wanted = [_norm(n) for n in VOICE_NAMES.get(lang, VOICE_NAMES["en"])]
    by_name: dict[str, QVoice] = {}
    for v in voices:
        by_name.setdefault(_norm(v.name()), v)
    for w in wanted:
        if w in by_name:
            return by_name[w]
    for w in wanted:
        for n, v in by_name.items():
            if n.startswith(w):
                return v
    return None


class _Engine(QObject):
    """The QTextToSpeech object and everything that talks to it, on the speech thread."""

    def __init__(self, engine: str, volume: float) -> None:
        super().__init__()
        self.engine_name, self.volume = engine, volume
        self.tts: QTextToSpeech | None = None
        self.voices: dict[str, str | None] = {}  # lang -> name of the voice picked (None: none)
        self.lang = ""
        self.ready = threading.Event()  # the engine was created (or failed to be)
        self.lock = threading.Lock()

    @Slot()
    def start(self) -> None:
        try:
            self.tts = QTextToSpeech(self.engine_name)
            self.tts.setVolume(self.volume)
        except Exception:  # noqa: BLE001 - no voice is not a reason to stop selling gas
            logger.warning("text to speech engine %s not available", self.engine_name)
        self.ready.set()

    def _voice(self, lang: str) -> QVoice | None:
        """Looked up again while the engine lists no voices yet (speech-dispatcher answers
        asynchronously); a full list without one is final."""
        assert self.tts is not None
        if lang in self.voices and self.voices[lang] is None:
            return None
        voices = [] if self.tts.state() is QTextToSpeech.State.Error else list(self.tts.allVoices(None))
        v = pick_voice(voices, lang)
        if v is None and voices:
            logger.warning("no %s voice among the engine's %d voices (want one of: %s)",
                           lang, len(voices), ", ".join(VOICE_NAMES.get(lang, ())))
        if v is not None or voices:
            with self.lock:
                self.voices[lang] = None if v is None else v.name()
        return v

    @Slot(str, str)
    def say(self, text: str, lang: str) -> None:
        if self.tts is None:
            return
        if lang != self.lang:
            v = self._voice(lang)
            if v is None and lang == "zh_CN":
                return  # Chinese is never read by a voice that garbles its tones
            if v is not None:
                self.tts.setVoice(v)
                self.lang = lang
        self.tts.stop()
        self.tts.say(text)

    @Slot(str)
    def look_up(self, lang: str) -> None:
        if self.tts is not None and lang not in self.voices:
            self._voice(lang)

    @Slot(float)
    def set_volume(self, v: float) -> None:
        if self.tts is not None:
            self.tts.setVolume(v)

    @Slot()
    def stop(self) -> None:
        if self.tts is not None:
            self.tts.stop()

    @Slot()
    def shutdown(self) -> None:
        tts, self.tts = self.tts, None
        if tts is not None:
            tts.stop()
            del tts  # the last reference: deleted here, on its own thread


_THREAD: QThread | None = None
_ENGINES: list[_Engine] = []  # kept for the life of the process (their thread owns them)


def _speech_thread() -> QThread:
    """The one speech thread of the process, started on first use, ended at exit."""
    global _THREAD
    if _THREAD is None:
        _THREAD = QThread()
        _THREAD.setObjectName("speech")
        _THREAD.start()
        atexit.register(_end_thread)
    return _THREAD


class _Closer(QObject):
    """Deletes the engines' QTextToSpeech objects on the speech thread (their timers belong
    to it), before the thread ends."""

    close = Signal()


def _end_thread(wait_ms: int = 2000) -> None:
    t = _THREAD
    if t is None or not t.isRunning():
        return
    done = threading.Event()
    closer = _Closer()
    for e in _ENGINES:
        closer.close.connect(e.shutdown)
    closer.close.connect(lambda: done.set(), Qt.ConnectionType.QueuedConnection)
    closer.moveToThread(t)
    closer.close.emit()
    done.wait(wait_ms / 1000)
    t.quit()
    if not t.wait(wait_ms):  # stuck in a dead speech daemon: nothing left to lose at exit
        logger.warning("speech thread did not stop within %d ms; terminated", wait_ms)
        t.terminate()
        t.wait(wait_ms)


class _ProcessEngine:
    """The engine in a child process (ui/speech_proc.py): the kiosk only writes JSON lines to
    it, on a writer thread, so a speech daemon that hangs can never stop the kiosk."""

    def __init__(self, engine: str, volume: float) -> None:
        self.voices: dict[str, str | None] = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.ok = False
        self._q: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.speech_proc", engine, str(volume)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        _PROCS.append(self)
        threading.Thread(target=self._write, name="speech-out", daemon=True).start()
        threading.Thread(target=self._read, name="speech-in", daemon=True).start()

    def send(self, op: str, **kw: object) -> None:
        self._q.put(json.dumps({"op": op, **kw}, ensure_ascii=False))

    def _write(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        while (line := self._q.get()) is not None:
            try:
                stdin.write(line + "\n")
                stdin.flush()
            except OSError:
                logger.warning("speech process gone: prompts are not spoken")
                return
        stdin.close()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        for line in stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "ready" in msg:
                self.ok = bool(msg["ready"])
                self.ready.set()
            if "voices" in msg:
                with self.lock:
                    self.voices.update(msg["voices"])
        self.ready.set()

    def close(self, wait_s: float = 2.0) -> None:
        self._q.put(None)
        try:
            self.proc.wait(wait_s)
        except subprocess.TimeoutExpired:  # stuck in a dead speech daemon
            self.proc.kill()
            self.proc.wait(wait_s)


_PROCS: list[_ProcessEngine] = []


@atexit.register
def _end_processes() -> None:
    for p in _PROCS:
        p.close()


class Speaker(QObject):
    """What the window calls (GUI thread); nothing here waits. Engines that talk to a daemon
    (speechd) run in a child process (ui/speech_proc.py); Qt's `mock` engine, which does no
    I/O, on the speech thread of this process (fast for the tests)."""

    _start = Signal()
    _say = Signal(str, str)
    _look_up = Signal(str)
    _volume = Signal(float)
    _stop = Signal()

    def __init__(self, engine: str = "speechd", process: bool | None = None) -> None:
        super().__init__()
        self.engine_name = engine
        self.enabled = True
        self.volume_step = 1
        self.spoken: list[tuple[str, str]] = []  # (lang, text): what was asked, for tests/logs
        self.last: tuple[str, str] | None = None
        self._proc: _ProcessEngine | None = None
        self._engine: _Engine | None = None
        if process if process is not None else engine != "mock":
            self._proc = _ProcessEngine(engine, VOLUMES[self.volume_step])
            return
        self._engine = _Engine(engine, VOLUMES[self.volume_step])
        _ENGINES.append(self._engine)
        self._engine.moveToThread(_speech_thread())
        self._say.connect(self._engine.say)
        self._look_up.connect(self._engine.look_up)
        self._volume.connect(self._engine.set_volume)
        self._stop.connect(self._engine.stop)
        self._start.connect(self._engine.start)
        self._start.emit()  # queued: the engine is made on the speech thread

    def voice_name(self, lang: str) -> str | None:
        """The name of the voice the engine picked for `lang` so far (None: not yet, or none);
        asks the engine to look it up. Safe on any thread."""
        if self._proc is not None:
            self._proc.send("voice", lang=lang)
            with self._proc.lock:
                return self._proc.voices.get(lang)
        assert self._engine is not None
        self._look_up.emit(lang)
        with self._engine.lock:
            return self._engine.voices.get(lang)

    def looked_up(self, lang: str) -> bool:
        """The engine has answered whether it has a voice for `lang`."""
        e = self._proc or self._engine
        assert e is not None
        with e.lock:
            return lang in e.voices

    def engine_ready(self) -> bool:
        if self._proc is not None:
            return self._proc.ready.is_set() and self._proc.ok
        assert self._engine is not None
        return self._engine.ready.is_set() and self._engine.tts is not None

    def say(self, text: str, lang: str) -> None:
        self.last = (lang, text)
        if not self.enabled or not text:
            return
        self.spoken.append((lang, text))
        if self._proc is not None:
            self._proc.send("say", text=text, lang=lang)
        else:
            self._say.emit(text, lang)

    def repeat(self) -> None:
        if self.last is not None:
            was, self.enabled = self.enabled, True
            self.say(self.last[1], self.last[0])
            self.enabled = was

    def next_volume(self) -> int:
        self.volume_step = (self.volume_step + 1) % len(VOLUMES)
        if self._proc is not None:
            self._proc.send("volume", v=VOLUMES[self.volume_step])
        else:
            self._volume.emit(VOLUMES[self.volume_step])
        return self.volume_step

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send("stop")
        else:
            self._stop.emit()
