#!/usr/bin/env bash
# One-step set-up on Debian/Ubuntu (root or sudo): the system libraries and CJK fonts the PDF
# needs (docs/platform.md#packages, #cjk-fonts), poppler-utils for the report tests, and a virtual environment
# in .venv with the exact versions of requirements.lock. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk poppler-utils"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: please install these system packages by hand:$missing" >&2; exit 1
  fi
  echo "setup: installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

PY=${PYTHON:-python3}
stamp=".venv/.lock-sha256"
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv with the locked versions"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi
echo "setup: done (.venv/bin/verify)"
