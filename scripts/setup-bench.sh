#!/usr/bin/env bash
# Creates .venv-bench (git-ignored) with ruff, the reference `npm run bench` compares whole-folder
# `normlens inspect` with (`ruff check --select E,F` on the same folders). Installed offline from this machine's local
# wheel folders (../shared/bin/local-wheels, or $NORMLENS_WHEELS); nothing is downloaded.
#
#   bash scripts/setup-bench.sh     # idempotent
#
# Without a ruff wheel on the machine it says so and exits 0; the bench then skips the comparison with a line saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-bench
PIN="ruff==0.16.9"
say() { echo "setup-bench: $*" >&2; }

if [ -x "$VENV/bin/ruff" ] && [ "$("$VENV/bin/ruff" --version 2>/dev/null)" = "ruff ${PIN#ruff==}" ]; then
  say "$VENV is ready ($PIN)"
  exit 0
fi

dirs=()
if [ -n "${NORMLENS_WHEELS:-}" ]; then
  for d in $NORMLENS_WHEELS; do [ -d "$d" ] && dirs+=("$d"); done
elif [ -x ../shared/bin/local-wheels ] || [ -x /work/shared/bin/local-wheels ]; then
  lw=../shared/bin/local-wheels
  [ -x "$lw" ] || lw=/work/shared/bin/local-wheels
  while read -r d; do [ -d "$d" ] && dirs+=("$d"); done < <("$lw" --dirs)
fi
have=0
for d in "${dirs[@]+"${dirs[@]}"}"; do compgen -G "$d/ruff-${PIN#ruff==}-*.whl" >/dev/null && have=1; done
if [ $have -eq 0 ]; then
  say "no local wheel folder holds ${PIN} (looked in: ${dirs[*]:-none}); skipping. npm run bench will skip the ruff comparison."
  exit 0
fi
findlinks=()
for d in "${dirs[@]}"; do findlinks+=(--find-links "$d"); done
PY=${NORMLENS_PYTHON:-python3}
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --no-index "${findlinks[@]}" "$PIN"
say "installed $("$VENV/bin/ruff" --version)"
