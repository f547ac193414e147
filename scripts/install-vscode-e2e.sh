#!/usr/bin/env bash
# Installs what the real-VS Code tests need, from apt and the npm registry only:
# Debian's Chromium (driven by playwright-core, a devDependency) and the VS Code server bundled in
# the code-server npm package, pinned. code-server goes into ~/.cache/kernel-alloc-lens/, outside the
# project's node_modules, because it is 300 MB of native modules the extension never ships.
# Idempotent: a second run with the same version only checks. See ../shared/e2e-vscode.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The version is pinned once, in package.json "config".codeServerVersion; test/vscode/harness.mjs
# looks in the same folder, outside the clone so that later runs on this machine reuse it.
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-$(node -p "require('$ROOT/package.json').config.codeServerVersion")}"
CS_DIR="${CODE_SERVER_HOME:-${KALLOC_CACHE:-$HOME/.cache/kernel-alloc-lens}/code-server-$CODE_SERVER_VERSION}"
APT_PACKAGES=(chromium build-essential pkg-config python3 libx11-dev libxkbfile-dev libsecret-1-dev libkrb5-dev ripgrep)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  # Without apt-get or root, stop with one line that says what is missing and what still runs.
  why=""
  if ! command -v apt-get >/dev/null 2>&1; then why="no apt-get on this machine"
  elif [ "$(id -u)" -ne 0 ]; then why="installing them needs root"; fi
  if [ -n "$why" ]; then
    echo "[e2e-install] the VS Code tests need the Debian packages ${missing[*]}: $why. Install them, or run \`npm run test:unit\` for the tests without VS Code." >&2
    exit 1
  fi
  echo "[e2e-install] apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CS_PKG="$CS_DIR/node_modules/code-server/package.json"
if [ -f "$CS_PKG" ] && [ "$(node -p "require('$CS_PKG').version")" = "$CODE_SERVER_VERSION" ] \
   && [ -f "$CS_DIR/node_modules/code-server/lib/vscode/out/server-main.js" ]; then
  echo "[e2e-install] code-server $CODE_SERVER_VERSION already installed in $CS_DIR"
else
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{"private":true}' > "$CS_DIR/package.json"
  # code-server <= 4.117 depends on @vscode/ripgrep, whose postinstall downloads rg from GitHub
  # unless it finds the archive in $TMPDIR/vscode-ripgrep-cache-<version>/: seed it with Debian's rg.
  SEED="$(mktemp -d)"
  cp "$(command -v rg)" "$SEED/rg"
  # code-server 4.100.3 pins @vscode/ripgrep 1.15.11, which fetches rg release v13.0.0-10.
  RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RG_CACHE"
  tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$SEED" rg
  rm -rf "$SEED"
  echo "[e2e-install] npm: code-server@$CODE_SERVER_VERSION (native modules built from source against Node $(node -v))"
  # unsafe_perm: code-server's postinstall refuses root otherwise; yes: node-pty's postinstall runs
  # `npx node-gyp`; build_from_source: argon2/kerberos would try GitHub for prebuilt binaries first.
  (cd "$CS_DIR" && npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
    npm_config_build_from_source=true npm_config_audit=false npm_config_fund=false \
    npm install --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION")
fi

echo "[e2e-install] ready: $(node -p "require('$CS_DIR/node_modules/code-server/lib/vscode/package.json').version") (VS Code) in $CS_DIR"
