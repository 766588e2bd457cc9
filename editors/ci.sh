#!/usr/bin/env bash
# CI for the editor support (grammar, VS Code extension, Neovim plugin).
# Run from the repository root on a fresh Debian machine with Node.js >= 20 and npm:
#
#   bash editors/ci.sh
#
# 1. installs what is missing: neovim and python3 (apt-get, as root or with sudo);
# 2. npm ci in editors/vscode (one install serves the grammar tests and the extension);
# 3. the grammar tests (grammar/tests: assertion tests and the snapshot test);
# 4. builds and packages the VS Code extension into editors/vscode/journey-<version>.vsix;
# 5. the headless Neovim test (editors/neovim/test/run.sh) against the real server:
#    $JOURNEY_LSP_CMD if set, else target/release/journey lsp or target/debug/journey lsp
#    when built (.ci/run builds the release binary first), else the stub server.
#
# Every step runs even if an earlier independent one failed; the exit code is
# non-zero if any step failed, and the summary names the failed steps.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
vscode="$root/editors/vscode"

passed=()
failed=()
skipped=()

step() {
  local name="$1"
  shift
  local t0=$SECONDS
  echo
  echo "==> $name"
  if "$@"; then
    echo "<== ok: $name ($((SECONDS - t0)) s)"
    passed+=("$name")
    return 0
  else
    echo "<== FAILED: $name ($((SECONDS - t0)) s)"
    failed+=("$name")
    return 1
  fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "need root or sudo to run: $*" >&2
    return 1
  fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq || return 1
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

install_tools() {
  local ok=0
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$tool not found: install Node.js >= 20 first" >&2
      ok=1
    fi
  done
  if ! command -v nvim >/dev/null 2>&1; then
    apt_install neovim || ok=1
  fi
  if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 || ok=1
  fi
  echo "node $(node --version 2>/dev/null), npm $(npm --version 2>/dev/null), $(nvim --version 2>/dev/null | head -n 1), $(python3 --version 2>&1)"
  return $ok
}

npm_ci() {
  (cd "$vscode" && npm ci --no-audit --no-fund --loglevel=error)
}

grammar_tests() {
  # timeout: vscode-tmgrammar-test can hang on a malformed assertion line
  (cd "$vscode" && timeout 300 npm run --silent test:grammar)
}

package_extension() {
  rm -f "$vscode"/*.vsix
  (cd "$vscode" && npm run --silent package) || return 1
  local vsix
  vsix=$(ls "$vscode"/journey-*.vsix 2>/dev/null | head -n 1)
  if [ -z "$vsix" ]; then
    echo "no journey-*.vsix was written" >&2
    return 1
  fi
  # the package must carry the bundled client, the grammar and the language configuration
  python3 - "$vsix" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["extension/package.json", "extension/out/extension.js",
        "extension/syntaxes/journey.tmLanguage.json", "extension/language-configuration.json"]
missing = [n for n in need if n not in names]
if missing:
    sys.exit("missing from %s: %s" % (sys.argv[1], ", ".join(missing)))
if any(n.startswith("extension/node_modules/") for n in names):
    sys.exit("%s ships node_modules: the client should be bundled" % sys.argv[1])
print("%s: %d files, contents checked" % (sys.argv[1], len(names)))
PY
}

neovim_test() {
  if [ -z "${JOURNEY_LSP_CMD:-}" ]; then
    for bin in "$root/target/release/journey" "$root/target/debug/journey"; do
      if [ -x "$bin" ] && "$bin" lsp --help >/dev/null 2>&1; then
        export JOURNEY_LSP_CMD="$bin lsp"
        break
      fi
    done
  fi
  bash "$root/editors/neovim/test/run.sh"
}

t_start=$SECONDS
if step "install tools" install_tools; then
  if step "npm ci (editors/vscode)" npm_ci; then
    step "grammar tests" grammar_tests
    step "package VS Code extension" package_extension
  else
    skipped+=("grammar tests" "package VS Code extension")
  fi
  step "neovim test" neovim_test
else
  skipped+=("npm ci (editors/vscode)" "grammar tests" "package VS Code extension" "neovim test")
fi

echo
echo "editors/ci.sh finished in $((SECONDS - t_start)) s"
for s in "${failed[@]+"${failed[@]}"}"; do echo "  FAILED:  $s"; done
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "  skipped: $s (an earlier step failed)"; done
echo "editors: ${#passed[@]} passed, $((${#failed[@]} + ${#skipped[@]})) failed"
[ ${#failed[@]} -eq 0 ] && [ ${#skipped[@]} -eq 0 ]
