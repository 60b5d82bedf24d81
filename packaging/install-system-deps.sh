#!/usr/bin/env bash
# Installs the Debian packages the kiosk, its tests and its demo need.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail
PKGS=(
  python3 python3-venv python3-dev build-essential
  swig libpcsclite-dev pcscd pcsc-tools vsmartcard-vpcd   # pyscard build, PC/SC daemon, virtual reader
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3  # Qt runtime (offscreen/xcb)
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
  xvfb fonts-noto-cjk sqlite3
  speech-dispatcher speech-dispatcher-espeak-ng espeak-ng   # spoken prompts offline (QtTextToSpeech speechd engine, voice cmn-latn-pinyin)
  libusb-1.0-0   # USB receipt printers (pyusb)
  postgresql chromium chromium-driver   # sync server tests: PostgreSQL cluster, headless staff console
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
