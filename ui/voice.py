"""Spoken prompts, offline: QtTextToSpeech on speech-dispatcher + espeak-ng. The Mandarin
voice is picked by name: `cmn-latn-pinyin` reads tones correctly (plain `cmn` reads them as
English digits) and Qt lists no zh_CN locale for it. Tests use Qt's `mock` engine."""
from __future__ import annotations

import logging

from PySide6.QtTextToSpeech import QTextToSpeech

logger = logging.getLogger(__name__)

ZH_VOICE = "cmn-latn-pinyin"
VOLUMES = (0.4, 0.7, 1.0)


class Speaker:
    def __init__(self, engine: str = "speechd") -> None:
        self.engine_name = engine
        self.enabled = True
        self.volume_step = 1
        self.spoken: list[tuple[str, str]] = []  # (lang, text): what was asked, for tests/logs
        self.last: tuple[str, str] | None = None
        self._tts: QTextToSpeech | None = None
        try:
            self._tts = QTextToSpeech(engine)
            self._tts.setVolume(VOLUMES[self.volume_step])
        except Exception:  # noqa: BLE001 - no voice is not a reason to stop selling gas
            logger.warning("text to speech engine %s not available", engine)
        self._lang = ""

    def _pick_voice(self, lang: str) -> None:
        if self._tts is None or lang == self._lang:
            return
        self._lang = lang
        voices = self._tts.availableVoices()
        want = ZH_VOICE if lang == "zh_CN" else "en"
        for v in voices:
            name = v.name()
            if (lang == "zh_CN" and name == ZH_VOICE) or (lang != "zh_CN" and name.startswith(want)):
                self._tts.setVoice(v)
                return
        for v in voices:
            if lang == "zh_CN" and ZH_VOICE in v.name():
                self._tts.setVoice(v)
                return
        logger.info("voice for %s not found among %d voices", lang, len(voices))

    def say(self, text: str, lang: str) -> None:
        self.last = (lang, text)
        if not self.enabled or not text:
            return
        self.spoken.append((lang, text))
        if self._tts is not None:
            self._pick_voice(lang)
            self._tts.stop()
            self._tts.say(text)

    def repeat(self) -> None:
        if self.last is not None:
            was, self.enabled = self.enabled, True
            self.say(self.last[1], self.last[0])
            self.enabled = was

    def next_volume(self) -> int:
        self.volume_step = (self.volume_step + 1) % len(VOLUMES)
        if self._tts is not None:
            self._tts.setVolume(VOLUMES[self.volume_step])
        return self.volume_step

    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop()
