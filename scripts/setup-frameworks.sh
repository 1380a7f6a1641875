#!/usr/bin/env bash
# Creates .venv-frameworks (git-ignored): the real frameworks the golden and signature tests use as oracles
# (torch 2.13 CPU, Keras 3.15.1 on JAX, JAX/jaxlib 0.10.2, Flax 0.12.8; transformers 5.17.0, whose real models check
# the findings of `inspect` on its sources), installed offline from this machine's local wheel folders. Nothing is
# downloaded.
#
#   bash scripts/setup-frameworks.sh          # idempotent: does nothing when the venv already has the pinned set
#   bash scripts/setup-frameworks.sh --force  # rebuild from scratch
#
# Wheel folders: $NORMLENS_WHEELS (space-separated) if set, else the find-links / file:// index folders pip is
# configured with. Without any folder holding the pinned wheels, it says so and exits 0, so the tests that need the
# venv skip with their own message and everything else still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-frameworks
PINS=("torch==2.13.0+cpu" "numpy" "keras==3.15.1" "jax==0.10.2" "jaxlib==0.10.2" "flax==0.12.8" "transformers==5.17.0")
# The versions the fixtures were generated with; a venv whose packages differ is rebuilt.
STAMP="torch=2.13.0+cpu keras=3.15.1 jax=0.10.2 jaxlib=0.10.2 flax=0.12.8 transformers=5.17.0"
say() { echo "setup-frameworks: $*" >&2; }

force=0
[ "${1:-}" = "--force" ] && force=1

if [ $force -eq 0 ] && [ -x "$VENV/bin/python" ] && [ -f "$VENV/.normlens-stamp" ] \
  && [ "$(cat "$VENV/.normlens-stamp")" = "$STAMP" ] \
  && KERAS_BACKEND=jax JAX_PLATFORMS=cpu "$VENV/bin/python" -c 'import torch, keras, jax, flax, transformers' >/dev/null 2>&1; then
  say "$VENV is ready ($STAMP)"
  exit 0
fi

# The wheel folders.
dirs=()
if [ -n "${NORMLENS_WHEELS:-}" ]; then
  for d in $NORMLENS_WHEELS; do [ -d "$d" ] && dirs+=("$d"); done
else
  cfg=$( (pip config list 2>/dev/null; python3 -m pip config list 2>/dev/null) || true)
  while read -r d; do
    [ -n "$d" ] || continue
    d=${d#file://}
    case "$d" in */simple | */simple/) d=$(dirname "${d%/}")/files ;; esac
    [ -d "$d" ] && dirs+=("$d")
  done < <(printf '%s\n' "$cfg" | sed -nE "s/^[^=]*\.(find-links|extra-index-url|index-url)='(.*)'$/\2/p" | tr ' ' '\n' | awk '!seen[$0]++')
fi
have_torch=0
for d in "${dirs[@]+"${dirs[@]}"}"; do
  compgen -G "$d/torch-2.13.0+cpu-*.whl" >/dev/null && have_torch=1
done
if [ ${#dirs[@]} -eq 0 ] || [ $have_torch -eq 0 ]; then
  say "no local wheel folder with torch-2.13.0+cpu (looked in: ${dirs[*]:-none}); skipping."
  say "The golden tests against torch 2.13, Keras, JAX and Flax will skip; set NORMLENS_WHEELS to a wheel folder to enable them."
  exit 0
fi

PY=${NORMLENS_PYTHON:-python3}
if ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  say "needs Python 3.11 (the wheels are cp311); '$PY' is $("$PY" --version 2>&1 || echo missing). Set NORMLENS_PYTHON."
  exit 1
fi

findlinks=()
for d in "${dirs[@]}"; do findlinks+=(--find-links "$d"); done

say "creating $VENV from ${dirs[*]} (about 2 minutes the first time)"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
# PIP_CONFIG_FILE=/dev/null: a clean environment, no user or site constraints; --no-index: nothing downloaded.
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install -q --no-index "${findlinks[@]}" "${PINS[@]}"
"$VENV/bin/python" - <<'EOF'
import importlib.metadata as md
for p in ('torch', 'keras', 'jax', 'jaxlib', 'flax', 'transformers', 'numpy'):
    print('setup-frameworks:   %s %s' % (p, md.version(p)))
EOF
echo "$STAMP" > "$VENV/.normlens-stamp"
say "$VENV is ready"
