#!/usr/bin/env bash
# Packaging tier: `npm run package` must give a small .vsix with both WASM files, every bundle the
# extension starts, the icon, walkthrough media and README images it names, and no native modules or
# development files.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run package >/dev/null
listing=$(unzip -l kmod-tools.vsix)
for required in dist/extension.js dist/server.js dist/parse-worker.js dist/plan-worker.js dist/header-worker.js dist/kbuild-run.js dist/kmod-run.js \
  dist/kmsg-follow.js dist/vmtest.js dist/web-tree-sitter.wasm dist/tree-sitter-c.wasm syntaxes/kernel-log.tmLanguage.json \
  snippets/kernel-c.json; do
  grep -q "extension/$required\$" <<<"$listing" || { echo "kmod-tools.vsix lacks $required" >&2; exit 1; }
done
if grep -qE '\.node$|node_modules/' <<<"$listing"; then echo "kmod-tools.vsix contains native modules or node_modules" >&2; exit 1; fi
# Every file the manifest names (the icon, the walkthrough's media, the README's images) is packaged.
referenced=$(node -e '
  const fs = require("fs");
  const pkg = require("./package.json");
  const files = [pkg.icon, "CHANGELOG.md"];
  for (const walkthrough of pkg.contributes.walkthroughs ?? [])
    for (const step of walkthrough.steps) files.push(...Object.values(step.media).filter((v) => /\.(svg|png|md)$/.test(v)));
  for (const match of fs.readFileSync("README.md", "utf8").matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) if (!/^https?:/.test(match[1])) files.push(match[1]);
  console.log(files.join("\n"));
')
for file in $referenced; do
  [ -f "$file" ] || { echo "package.json or README.md names $file, which does not exist" >&2; exit 1; }
  # vsce stores README.md and CHANGELOG.md as readme.md and changelog.md
  grep -qi "extension/$file\$" <<<"$listing" || { echo "kmod-tools.vsix lacks $file" >&2; exit 1; }
done
# Nothing for developers: sources, tests, scripts, examples, the icon's source.
if grep -qE 'extension/(out|test|test-artifacts|scripts|examples|client|server|shared|tools|bin)/|\.ts$|\.map$|media/icon\.svg' <<<"$listing"; then
  echo "kmod-tools.vsix contains development files:" >&2
  grep -E 'extension/(out|test|test-artifacts|scripts|examples|client|server|shared|tools|bin)/|\.ts$|\.map$|media/icon\.svg' <<<"$listing" >&2
  exit 1
fi
size=$(stat -c %s kmod-tools.vsix)
[ "$size" -lt 5000000 ] || { echo "kmod-tools.vsix is $size bytes (limit 5 MB)" >&2; exit 1; }
echo "kmod-tools.vsix: $((size / 1024)) KB, $(grep -c 'extension/' <<<"$listing") files, no native modules"
