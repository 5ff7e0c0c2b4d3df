#!/usr/bin/env bash
# `make run`: see src/local/run-main.ts. The Makefile builds first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/node_modules/.bin/node" "$root/build/src/local/run-main.js" "$@"
