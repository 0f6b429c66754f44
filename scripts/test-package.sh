#!/usr/bin/env bash
# Packaging tier: `npm run package` must give a small .vsix with both WASM files, every bundle the
# extension starts, and no native modules.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run package >/dev/null
listing=$(unzip -l kmod-tools.vsix)
for required in dist/extension.js dist/server.js dist/parse-worker.js dist/kbuild-run.js dist/kmod-run.js \
  dist/kmsg-follow.js dist/vmtest.js dist/web-tree-sitter.wasm dist/tree-sitter-c.wasm syntaxes/kernel-log.tmLanguage.json \
  snippets/kernel-c.json; do
  grep -q "extension/$required\$" <<<"$listing" || { echo "kmod-tools.vsix lacks $required" >&2; exit 1; }
done
if grep -qE '\.node$|node_modules/' <<<"$listing"; then echo "kmod-tools.vsix contains native modules or node_modules" >&2; exit 1; fi
size=$(stat -c %s kmod-tools.vsix)
[ "$size" -lt 5000000 ] || { echo "kmod-tools.vsix is $size bytes (limit 5 MB)" >&2; exit 1; }
echo "kmod-tools.vsix: $((size / 1024)) KB, $(grep -c 'extension/' <<<"$listing") files, no native modules"
