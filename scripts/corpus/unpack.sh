#!/usr/bin/env bash
# Unpacks real model code from the Python wheels on disk into the git-ignored .cache/corpus/, one folder per
# library version, e.g. .cache/corpus/torchvision-0.28.0/torchvision/models/resnet.py. Paths under that folder are
# the paths relative to the package root (site-packages) that test/fixtures/corpus/creation-sites.json uses.
# Nothing is installed and nothing of it is committed (third-party source).
#
#   bash scripts/corpus/unpack.sh            # unpacks what is missing; prints the corpus root on stdout
#   NORMLENS_CORPUS_DIR=path bash ...        # another location
#
# Exit status 3 means a wheel is not on this machine (the corpus test then skips and says which).
# Idempotent: a folder with its .complete stamp is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="${NORMLENS_CORPUS_DIR:-.cache/corpus}"
mkdir -p "$ROOT"

LW=../shared/bin/local-wheels
[ -x "$LW" ] || LW=/work/shared/bin/local-wheels
if [ -n "${NORMLENS_WHEEL_DIRS:-}" ]; then
  DIRS="$NORMLENS_WHEEL_DIRS"
elif [ -x "$LW" ]; then
  DIRS=$("$LW" --dirs | tr '\n' ' ')
else
  DIRS="/opt/wheels /opt/pypi/files /opt/pypi-more/files"
fi

# wheel file-name prefix | version | members to unpack (zip globs)
SPECS=(
  "torchvision|0.28.0|torchvision/models/* torchvision/ops/*"
  "timm|1.0.29|timm/models/* timm/layers/*"
  "transformers|5.17.0|transformers/models/* transformers/modeling_*.py transformers/activations.py transformers/pytorch_utils.py transformers/integrations/*"
  "keras|3.15.1|keras/src/applications/* keras/src/layers/*"
  "flax|0.12.8|flax/nnx/* flax/linen/*"
)

extract() { # wheel dest members...
  local whl="$1" dest="$2"; shift 2
  if command -v unzip >/dev/null 2>&1; then
    # shellcheck disable=SC2068
    unzip -q -o "$whl" $@ -d "$dest"
  else
    python3 - "$whl" "$dest" "$@" <<'PY'
import fnmatch, sys, zipfile
whl, dest, pats = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(whl) as z:
    z.extractall(dest, [n for n in z.namelist() if any(fnmatch.fnmatch(n, p) for p in pats)
                        and not n.endswith((".pyc", ".so"))])
PY
  fi
}

missing=()
for spec in "${SPECS[@]}"; do
  IFS='|' read -r pkg ver members <<<"$spec"
  dest="$ROOT/$pkg-$ver"
  [ -f "$dest/.complete" ] && continue
  whl=""
  for d in $DIRS; do
    for f in "$d/$pkg-$ver-"*.whl; do [ -f "$f" ] && { whl="$f"; break 2; }; done
  done
  if [ -z "$whl" ]; then missing+=("$pkg-$ver"); continue; fi
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  # shellcheck disable=SC2086
  extract "$whl" "$dest.tmp" $members
  rm -rf "$dest"; mv "$dest.tmp" "$dest"
  basename "$whl" > "$dest/.complete"
  echo "unpack: $pkg-$ver from $whl" >&2
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "unpack: wheels not on this machine (looked in: $DIRS): ${missing[*]}" >&2
  echo "$(cd "$ROOT" && pwd)"
  exit 3
fi
echo "$(cd "$ROOT" && pwd)"
