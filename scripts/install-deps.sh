#!/usr/bin/env bash
# Installs what histocount needs on Debian 12 (bookworm), idempotently:
# OpenCV 4.6 development files, a C/C++ toolchain for cgo, and checks Go.
# Run as root (or with sudo). Safe to run again: it does nothing when all is there.
set -euo pipefail

need_apt=()
pkg-config --exists opencv4 2>/dev/null || need_apt+=(libopencv-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
command -v git >/dev/null || need_apt+=(git)
# The HTML reports and passports are checked in headless Chromium and the
# PDFs with pdftotext/pdfinfo by the tests (they fail in CI without them).
command -v chromium >/dev/null || need_apt+=(chromium)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" pkg-config >/dev/null
fi

# Go >= 1.26 is required (go.mod). The development machines ship it in
# /usr/local/go; Debian 12's golang-go (1.19) is too old.
export PATH="/usr/local/go/bin:$PATH"
if ! command -v go >/dev/null; then
  echo "install-deps: Go >= 1.26 not found. Install it to /usr/local/go (https://go.dev/doc/install)," >&2
  echo "  or install golang >= 1.21 from bookworm-backports and let GOTOOLCHAIN=auto fetch the rest." >&2
  exit 1
fi
echo "install-deps: OpenCV $(pkg-config --modversion opencv4), $(go version)" >&2
