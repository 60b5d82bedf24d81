"""The voice is picked by name: through speech-dispatcher espeak-ng's cmn-latn-pinyin voice is
called "Chinese (Mandarin, latin as Pinyin)" and has no zh_CN locale. One test asks the real
speechd engine (speech-dispatcher + its espeak-ng module, installed by make test)."""
from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ui.voice import Speaker, pick_voice
from ui.walk import wait_until


@dataclass
class V:
    n: str

    def name(self) -> str:
        return self.n


SPEECHD_LIKE = [V("Chinese (Mandarin, latin as English)"), V("Chinese (Mandarin, latin as English)+Annie"),
                V("Chinese (Mandarin, latin as Pinyin)+Annie"), V("Chinese (Mandarin, latin as Pinyin)"),
                V("English (Caribbean)"), V("English (America)+Alex"), V("English (America)")]


def test_the_pinyin_voice_by_its_speechd_name_never_plain_cmn() -> None:
    assert pick_voice(SPEECHD_LIKE, "zh_CN").name() == "Chinese (Mandarin, latin as Pinyin)"  # type: ignore[union-attr]
    assert pick_voice(SPEECHD_LIKE, "en").name() == "English (America)"  # type: ignore[union-attr]
    # espeak-ng's own identifier, and a variant when the plain voice is missing
    assert pick_voice([V("cmn"), V("cmn-latn-pinyin")], "zh_CN").name() == "cmn-latn-pinyin"  # type: ignore[union-attr]
    assert pick_voice([V("Chinese (Mandarin, latin as Pinyin)+Annie")], "zh_CN") is not None
    # only the voice that reads tones as English digits: none (the prompt is not garbled)
    assert pick_voice([V("Chinese (Mandarin, latin as English)"), V("cmn")], "zh_CN") is None


def test_chinese_is_not_spoken_by_a_garbling_voice(qapp) -> None:  # type: ignore[no-untyped-def]
    sp = Speaker("mock")  # Qt's mock engine has no Mandarin voice at all
    wait_until(sp.engine_ready, what="mock engine on the speech thread")
    sp.say("欢迎", "zh_CN")
    sp.say("Welcome", "en")
    wait_until(lambda: "zh_CN" in sp._engine.voices, what="voices looked up")
    assert sp.voice_name("zh_CN") is None
    assert sp.spoken == [("zh_CN", "欢迎"), ("en", "Welcome")]  # asked (for the log)
    assert sp._engine.lang != "zh_CN"


def test_speech_runs_off_the_gui_thread(qapp) -> None:  # type: ignore[no-untyped-def]
    sp = Speaker("mock")
    wait_until(sp.engine_ready, what="engine")
    assert sp._engine.thread() is not qapp.thread()
    assert sp._engine.tts.thread() is sp._engine.thread()


@pytest.fixture()
def own_speechd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A speech-dispatcher of this test alone, on its own socket."""
    exe = shutil.which("speech-dispatcher")
    assert exe, "speech-dispatcher missing: bash packaging/install-system-deps.sh"
    sock = tmp_path / "speechd.sock"
    # its own pid file too: a second speech-dispatcher refuses to start on the default one
    # while another (e.g. a demo's) runs
    subprocess.run([exe, "-d", "--communication-method", "unix_socket", "--socket-path", str(sock),
                    "-P", str(tmp_path / "speechd.pid"), "-t", "120"], check=True, timeout=30,
                   capture_output=True)
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{sock}")
    yield sock
    subprocess.run(["pkill", "-9", "-f", f"socket-path {sock}"], check=False)


def test_real_speech_dispatcher_offers_the_pinyin_voice(qapp, own_speechd) -> None:  # type: ignore[no-untyped-def]
    sp = Speaker("speechd")  # in a child process (ui/speech_proc.py)
    assert sp._proc is not None
    wait_until(sp.engine_ready, timeout=30, what="the speechd plugin of QtTextToSpeech in the speech process")
    wait_until(lambda: sp.voice_name("zh_CN") is not None, timeout=20,
               what="speech-dispatcher listing espeak-ng's 'Chinese (Mandarin, latin as Pinyin)' voice"
                    " (package speech-dispatcher-espeak-ng)")
    assert sp.voice_name("zh_CN") == "Chinese (Mandarin, latin as Pinyin)"
    wait_until(lambda: sp.voice_name("en") is not None, timeout=20, what="an English voice")
    assert str(sp.voice_name("en")).startswith("English")


def test_a_hung_speech_engine_never_stops_the_kiosk(qapp, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A speech-dispatcher that accepts the connection and never answers (a daemon stuck on a
    dead audio device): the child process hangs, the kiosk goes on."""
    sock_path = tmp_path / "mute.sock"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(sock_path))
    srv.listen(8)  # accepted by the kernel, never read: every SSIP request waits for ever
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{sock_path}")
    sp = Speaker("speechd")
    for i in range(50):
        sp.say(f"第{i}句", "zh_CN")
        sp.next_volume()
    sp.stop()
    # reaching here is the point: nothing above waited on the engine (pytest's timeout would
    # end a hang)
    assert not sp.engine_ready() and len(sp.spoken) == 50
    proc = sp._proc.proc
    assert proc.poll() is None  # the child hangs in the engine, alone
    sp._proc.close(wait_s=1)
    assert proc.poll() is not None
    srv.close()
