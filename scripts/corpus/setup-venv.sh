#!/usr/bin/env bash
# Creates the Python environment the corpus oracle runs in (scripts/corpus/gen_creation_sites.py), offline,
# from the wheels on disk (see ../shared/real-libraries.md). Idempotent: a venv that already holds the pinned
# versions is left as it is.
#
#   bash scripts/corpus/setup-venv.sh          # creates or checks .venv-corpus (git-ignored)
#   NORMLENS_CORPUS_VENV=path bash ...          # another location
#
# If .venv-frameworks (made by scripts/setup-frameworks.sh) exists and already holds the pinned versions, it is
# reused instead. Prints the venv's path on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."

PINS=("torch==2.13.0+cpu" "numpy" "torchvision==0.28.0" "timm==1.0.29" "transformers==5.17.0"
      "keras==3.15.1" "jax==0.10.2" "jaxlib==0.10.2" "flax==0.12.8")
CHECK='
import importlib.metadata as m, sys
want = {"torch": "2.13.0+cpu", "torchvision": "0.28.0", "timm": "1.0.29", "transformers": "5.17.0",
        "keras": "3.15.1", "jax": "0.10.2", "jaxlib": "0.10.2", "flax": "0.12.8"}
bad = []
for k, v in want.items():
    try:
        have = m.version(k)
    except m.PackageNotFoundError:
        have = None
    if have != v:
        bad.append(f"{k}: want {v}, have {have}")
import numpy  # noqa: F401
if bad:
    print("; ".join(bad)); sys.exit(1)
'

ok() { [ -x "$1/bin/python" ] && "$1/bin/python" -c "$CHECK" >/dev/null 2>&1; }

if [ -z "${NORMLENS_CORPUS_VENV:-}" ] && ok .venv-frameworks; then
  echo "setup-venv: reusing .venv-frameworks (pinned versions present)" >&2
  echo "$(pwd)/.venv-frameworks"; exit 0
fi
VENV="${NORMLENS_CORPUS_VENV:-.venv-corpus}"
if ok "$VENV"; then
  echo "setup-venv: $VENV is ready" >&2
  echo "$(cd "$VENV" && pwd)"; exit 0
fi

LW=../shared/bin/local-wheels
[ -x "$LW" ] || LW=/work/shared/bin/local-wheels
if [ ! -x "$LW" ]; then
  echo "setup-venv: cannot find the local-wheels helper (../shared/bin/local-wheels); the wheels must be on disk" >&2
  exit 2
fi
W=$("$LW")

PY="${PYTHON:-python3}"
case "$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
  3.11) ;;
  *) echo "setup-venv: $PY is not Python 3.11 (the local wheels are cp311); set PYTHON=/path/to/python3.11" >&2; exit 2;;
esac

[ -x "$VENV/bin/python" ] || { echo "setup-venv: creating $VENV" >&2; "$PY" -m venv "$VENV"; }
echo "setup-venv: installing ${PINS[*]} from the local wheels (offline, ~2 min)" >&2
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install -q --disable-pip-version-check $W "${PINS[@]}" >&2
if ! why=$("$VENV/bin/python" -c "$CHECK" 2>&1); then
  echo "setup-venv: installed, but versions do not match: $why" >&2; exit 1
fi
echo "setup-venv: $VENV is ready" >&2
echo "$(cd "$VENV" && pwd)"
