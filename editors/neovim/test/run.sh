#!/usr/bin/env bash
# Headless test of the Neovim plugin (editors/neovim): filetype detection,
# ftplugin, syntax, and the LSP client (start, attach, root, diagnostics, stop).
#
#   bash editors/neovim/test/run.sh
#   JOURNEY_LSP_CMD="target/debug/journey lsp" bash editors/neovim/test/run.sh
#
# JOURNEY_LSP_CMD is the server command line (split on whitespace); unset, the
# test uses the stub server test/stub_server.py (needs python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v nvim >/dev/null 2>&1; then
  echo "run.sh: nvim not found (apt-get install neovim)" >&2
  exit 2
fi
if [ -z "${JOURNEY_LSP_CMD:-}" ] && ! command -v python3 >/dev/null 2>&1; then
  echo "run.sh: python3 not found (needed by the stub server)" >&2
  exit 2
fi
if [ -n "${JOURNEY_LSP_CMD:-}" ]; then
  # a relative server path is taken from the caller's folder, not from test/
  first="${JOURNEY_LSP_CMD%% *}"
  case "$first" in
    */*) [ "${first#/}" = "$first" ] && JOURNEY_LSP_CMD="$PWD/$JOURNEY_LSP_CMD" ;;
  esac
  export JOURNEY_LSP_CMD
fi

cd "$here"
# timeout: a hung server or client never blocks CI
timeout 180 nvim --headless -u NONE -i NONE -n -c "luafile test.lua" </dev/null
