#!/usr/bin/env bash
# Installs the Debian packages a test tier needs. Usage: setup-system.sh <group>...
# Groups: kbuild (kernel headers + gcc), vm (qemu, busybox, binutils), browser (chromium for the
# real-VS-Code tier), source (linux-source 6.1 tarball for the whole-tree runs).
# Never skips silently: if a package cannot be installed the script exits non-zero naming it.
set -euo pipefail

packages_for() {
  case "$1" in
    kbuild)  echo "linux-headers-amd64 make gcc libelf-dev kmod" ;;
    vm)      echo "qemu-system-x86 busybox-static binutils xz-utils" ;;
    browser) echo "chromium libkrb5-dev ripgrep build-essential python3" ;;
    source)  echo "linux-source-6.1 xz-utils" ;;
    *) echo "setup-system.sh: unknown group '$1' (kbuild, vm, browser, source)" >&2; exit 2 ;;
  esac
}

missing=()
for group in "$@"; do
  for pkg in $(packages_for "$group"); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/kmod-apt.log 2>&1; then
  tail -20 /tmp/kmod-apt.log >&2
  echo "Could not install: ${missing[*]} (see /tmp/kmod-apt.log)" >&2
  exit 1
fi
