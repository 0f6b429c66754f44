#!/usr/bin/env bash
# The main job on the bundled example: check the seed module (examples/hello-3, whose exit function
# reads __initdata) and, when kernel headers are installed, build it with real kbuild so modpost's
# one-line warning appears next to our finding on the source line.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || npm run build >/dev/null

echo "== kmodcheck examples/hello-3 (the seed's buggy module)"
bin/kmodcheck examples/hello-3
status=$?
echo "   (exit status $status: 1 means findings)"

echo
echo "== kmodcheck examples/hello-3-fixed"
bin/kmodcheck examples/hello-3-fixed && echo "   no findings"

kdir=$(ls -d /lib/modules/"$(uname -r)"/build /usr/src/linux-headers-*-amd64 2>/dev/null | head -1)
if [ -n "$kdir" ] && command -v make >/dev/null; then
  echo
  echo "== real kbuild of examples/hello-3 against $kdir (through the build-output mapper)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp examples/hello-3/* "$work/"
  node dist/kbuild-run.js --module-dir "$work" -- make -C "$kdir" "M=$work" modules 2>&1 | grep -E 'modpost|warning|error' || true
else
  echo
  echo "(no kernel headers found: install linux-headers-amd64 to also see modpost's own warning)"
fi
[ "$status" -eq 1 ]
