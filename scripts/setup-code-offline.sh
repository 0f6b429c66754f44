#!/usr/bin/env bash
# Installs the offline "real VS Code" used by the integration tier: code-server (which ships VS Code's
# server and web workbench) plus playwright-core (drives Debian's chromium), into .tools/code-offline,
# outside the extension's node_modules. Idempotent: a marker file records what is installed.
# Each workaround below says why it is needed next to it.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.100.3}       # newest code-server whose engines.node is 20 (VS Code 1.100.3)
PLAYWRIGHT_CORE_VERSION=${PLAYWRIGHT_CORE_VERSION:-1.65.1}
PREFIX=${CODE_OFFLINE_TOOLS:-$PWD/.tools/code-offline}
MARKER="$PREFIX/.installed"
WANTED="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_CORE_VERSION node-$(node -p process.versions.modules)"

bash scripts/setup-system.sh browser

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANTED" ] &&
   [ -f "$PREFIX/node_modules/code-server/lib/vscode/out/server-main.js" ] &&
   [ -f "$PREFIX/node_modules/playwright-core/package.json" ]; then
  exit 0
fi

start=$(date +%s)
echo "Installing $WANTED into $PREFIX"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# code-server's postinstall checks the node major of the npm that runs it; our node 20 matches 4.100.3.
node_major=$(node -p 'process.versions.node.split(".")[0]')
wanted_major=$(npm view --silent "code-server@$CODE_SERVER_VERSION" engines.node | tr -dc '0-9' | head -c 2)
if [ -n "$wanted_major" ] && [ "$wanted_major" != "$node_major" ]; then
  echo "note: code-server $CODE_SERVER_VERSION wants node $wanted_major, running node $node_major (FORCE_NODE_VERSION set)"
  export FORCE_NODE_VERSION=$wanted_major
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with Debian's rg instead.
# The cache directory and file names depend on versions read from the tarballs themselves.
( cd "$work" && npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null &&
  tar xzf code-server-*.tgz package/lib/vscode/npm-shrinkwrap.json )
rg_pkg_version=$(node -e '
  const lock = require(process.argv[1]).packages["node_modules/@vscode/ripgrep"];
  console.log(lock ? lock.version : "")' "$work/package/lib/vscode/npm-shrinkwrap.json")
if [ -n "$rg_pkg_version" ]; then
  rg_bin=$(command -v rg) || { echo "ripgrep (Debian package 'ripgrep') is required to seed @vscode/ripgrep" >&2; exit 1; }
  ( cd "$work" && npm pack --silent "@vscode/ripgrep@$rg_pkg_version" >/dev/null &&
    tar xzf vscode-ripgrep-*.tgz package/lib/postinstall.js )
  rg_version=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" "$work/package/lib/postinstall.js")
  [ -n "$rg_version" ] || { echo "could not read ripgrep VERSION from @vscode/ripgrep@$rg_pkg_version" >&2; exit 1; }
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rg_pkg_version"
  mkdir -p "$work/rg" "$rg_cache"
  cp "$rg_bin" "$work/rg/rg"
  tar czf "$rg_cache/ripgrep-$rg_version-x86_64-unknown-linux-musl.tar.gz" -C "$work/rg" rg
fi

mkdir -p "$PREFIX"
cat > "$PREFIX/package.json" <<'JSON'
{
  "name": "kmod-tools-code-offline",
  "private": true,
  "description": "Offline real VS Code for the integration tier (scripts/setup-code-offline.sh)",
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON

# nodedir: local headers for node-gyp (else nodejs.org); unsafe_perm: the postinstall refuses root without
# it; yes: node-pty's postinstall runs `npx node-gyp`, which this box's npmrc would otherwise cancel.
if ! ( cd "$PREFIX" &&
       npm_config_nodedir="${npm_config_nodedir:-/usr}" npm_config_unsafe_perm=true npm_config_yes=true \
       npm install --no-audit --no-fund --save-exact --loglevel=error \
         "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION" ) >"$work/npm.log" 2>&1; then
  tail -40 "$work/npm.log" >&2
  echo "setup-code-offline: npm install of code-server@$CODE_SERVER_VERSION failed" >&2
  exit 1
fi

# Smoke check with a throwaway HOME (code-server writes ~/.config/code-server on every start).
version_output=$(HOME="$work/home" node "$PREFIX/node_modules/code-server/out/node/entry.js" --version 2>&1)
version_line=$(printf '%s\n' "$version_output" | grep -m1 "^$CODE_SERVER_VERSION ") || {
  echo "setup-code-offline: unexpected code-server --version output: $version_output" >&2; exit 1; }
echo "$WANTED" > "$MARKER"
echo "Installed $version_line in $(( $(date +%s) - start )) s"
