#!/usr/bin/env bash
# The browser the UI tests drive (playwright-core launches it by path; no browser download):
# Debian's chromium. Installs it with apt-get when missing (sudo when not root); says clearly
# what to do when it cannot. PACKYARD_CHROMIUM names another binary.
set -euo pipefail
browser="${PACKYARD_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$browser" ]]; then exit 0; fi
if [[ -n "${PACKYARD_CHROMIUM:-}" ]]; then
  echo "ensure-chromium: PACKYARD_CHROMIUM=$browser is not an executable" >&2
  exit 1
fi
fail() {
  echo "ensure-chromium: $1" >&2
  echo "ensure-chromium: the UI tests need a Chromium; install Debian's package (apt-get install -y chromium)" >&2
  echo "ensure-chromium: or set PACKYARD_CHROMIUM to a Chromium/Chrome binary" >&2
  exit 1
}
command -v apt-get >/dev/null || fail "$browser is missing and this machine has no apt-get"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || fail "$browser is missing; installing it needs root, and sudo is not available"
  sudo=(sudo -n)
fi
echo "ensure-chromium: installing chromium with apt-get (the UI tests drive it)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y --no-install-recommends chromium >/dev/null; then
  "${sudo[@]}" apt-get update >/dev/null || fail "apt-get update failed"
  "${sudo[@]}" apt-get install -y --no-install-recommends chromium >/dev/null || fail "apt-get install chromium failed"
fi
[[ -x "$browser" ]] || fail "apt-get installed chromium, but $browser is still missing"
echo "ensure-chromium: $("$browser" --version 2>/dev/null || echo chromium) installed" >&2
