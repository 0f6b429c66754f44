#!/usr/bin/env bash
# Installs the Debian packages a test tier needs. Usage: setup-system.sh <group>...
# Groups:
#   kbuild       kernel headers 6.1 (bookworm's linux-headers-amd64) + gcc, make, kmod
#   kbuild-6.12  kernel headers 6.12 from bookworm-security (linux-headers-6.12-amd64)
#   kbuild-7.3   a trixie chroot (debootstrap) with trixie-backports' 7.3 headers and gcc-14,
#                at $KMOD_TRIXIE_ROOT (default /var/lib/kmod-tools/trixie); 7.x needs trixie's gcc-14
#   kernels      all three of the above
#   vm           qemu, busybox, binutils, gdb (Test in VM and Debug Module in VM)
#   browser      chromium for the real-VS-Code tier
#   clangd       clangd (the C language server the IntelliSense tests drive over LSP)
#   source       linux-source 6.1 tarball for the whole-tree runs
#   bench        what npm run bench needs besides the source: ripgrep (its text-scan floor)
# Never skips silently: if a package cannot be installed the script exits non-zero naming it.
set -euo pipefail

TRIXIE_ROOT=${KMOD_TRIXIE_ROOT:-/var/lib/kmod-tools/trixie}
# The newest 7.3.x headers package trixie-backports has (7.3.4+deb13 when this was written).
TRIXIE_HEADERS_PATTERN='^linux-headers-7\.3\.[0-9]+\+deb[0-9]+-amd64$'
APT_GET=(apt-get -o DPkg::Lock::Timeout=600)

packages_for() {
  case "$1" in
    kbuild)      echo "linux-headers-amd64 make gcc libelf-dev kmod" ;;
    kbuild-6.12) echo "linux-headers-6.12-amd64 make gcc libelf-dev" ;;
    kbuild-7.3)  echo "debootstrap" ;;
    vm)          echo "qemu-system-x86 busybox-static binutils xz-utils gdb" ;;
    browser)     echo "chromium libkrb5-dev ripgrep build-essential python3" ;;
    clangd)      echo "clangd" ;;
    source)      echo "linux-source-6.1 xz-utils" ;;
    bench)       echo "ripgrep" ;;
    *) echo "setup-system.sh: unknown group '$1' (kbuild, kbuild-6.12, kbuild-7.3, kernels, vm, browser, clangd, source, bench)" >&2; exit 2 ;;
  esac
}

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1" >&2
    exit 1
  fi
}

install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "Missing Debian packages: ${missing[*]}
Install them with: sudo apt-get install --no-install-recommends ${missing[*]}"
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${APT_GET[@]}" update -qq
  if ! "${APT_GET[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/tmp/kmod-apt.log 2>&1; then
    tail -20 /tmp/kmod-apt.log >&2
    echo "Could not install: ${missing[*]} (see /tmp/kmod-apt.log)" >&2
    exit 1
  fi
}

# A minimal trixie root holding gcc-14, make and the 7.3 headers; builds run in it with chroot.
install_trixie_root() {
  if [ -x "$TRIXIE_ROOT/usr/bin/make" ] && ls -d "$TRIXIE_ROOT"/usr/src/linux-headers-7.3.*-amd64 >/dev/null 2>&1; then return 0; fi
  need_root "The 7.3 kernel headers live in a trixie chroot at $TRIXIE_ROOT, which needs root to create.
Run: sudo bash scripts/setup-system.sh kbuild-7.3"
  echo "Creating a trixie chroot at $TRIXIE_ROOT with trixie-backports' 7.3 headers and gcc-14 (about 1.5 min, 300 MB)"
  mkdir -p "$(dirname "$TRIXIE_ROOT")"
  if [ ! -x "$TRIXIE_ROOT/usr/bin/apt-get" ]; then
    rm -rf "$TRIXIE_ROOT.partial"
    if ! debootstrap --variant=minbase trixie "$TRIXIE_ROOT.partial" http://deb.debian.org/debian >/tmp/kmod-debootstrap.log 2>&1; then
      tail -20 /tmp/kmod-debootstrap.log >&2
      echo "debootstrap of trixie failed (see /tmp/kmod-debootstrap.log)" >&2
      exit 1
    fi
    rm -rf "$TRIXIE_ROOT"
    mv "$TRIXIE_ROOT.partial" "$TRIXIE_ROOT"
  fi
  cat >"$TRIXIE_ROOT/etc/apt/sources.list.d/trixie-extra.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie-backports trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  if ! chroot "$TRIXIE_ROOT" "${APT_GET[@]}" update -qq >/tmp/kmod-trixie-apt.log 2>&1; then
    tail -20 /tmp/kmod-trixie-apt.log >&2
    echo "apt-get update failed in $TRIXIE_ROOT (see /tmp/kmod-trixie-apt.log)" >&2
    exit 1
  fi
  local headers
  headers=$(chroot "$TRIXIE_ROOT" apt-cache search --names-only "$TRIXIE_HEADERS_PATTERN" | cut -d' ' -f1 | sort -V | tail -1)
  if [ -z "$headers" ]; then
    echo "trixie-backports has no linux-headers-7.3.*-amd64 package any more: the 7.3 ground truth needs one" >&2
    exit 1
  fi
  if ! DEBIAN_FRONTEND=noninteractive chroot "$TRIXIE_ROOT" "${APT_GET[@]}" install -y -qq --no-install-recommends \
         -t trixie-backports gcc-14 make "$headers" >>/tmp/kmod-trixie-apt.log 2>&1; then
    tail -20 /tmp/kmod-trixie-apt.log >&2
    echo "Could not install $headers, gcc-14 and make in $TRIXIE_ROOT (see /tmp/kmod-trixie-apt.log)" >&2
    exit 1
  fi
  chroot "$TRIXIE_ROOT" apt-get clean
}

groups=()
for group in "$@"; do
  if [ "$group" = kernels ]; then groups+=(kbuild kbuild-6.12 kbuild-7.3); else groups+=("$group"); fi
done
packages=()
for group in "${groups[@]}"; do
  read -r -a list <<<"$(packages_for "$group")"
  packages+=("${list[@]}")
done
install_packages "${packages[@]}"
for group in "${groups[@]}"; do
  if [ "$group" = kbuild-7.3 ]; then install_trixie_root; fi
done
