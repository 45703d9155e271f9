#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench with a Node extension host) into
# .cache/code-server, outside the project's own dependencies, so the integration and end-to-end
# tests can run VS Code on a machine that cannot download the desktop build. Idempotent: a second
# call with the same version returns at once. System packages it needs (Debian names):
# libkrb5-dev (kerberos headers), ripgrep, chromium, and a C++ toolchain (g++, make, python3).
set -euo pipefail

VERSION=4.100.3
RIPGREP_CACHE=vscode-ripgrep-cache-1.15.11
RIPGREP_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/.cache/code-server"
stamp="$dest/installed-$VERSION"
bin="$dest/node_modules/.bin/code-server"

if [[ -f "$stamp" && -x "$bin" ]]; then
  exit 0
fi

missing=()
command -v rg >/dev/null || missing+=(ripgrep)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
if ((${#missing[@]})); then
  echo "installCodeServer: missing system packages: ${missing[*]}" >&2
  echo "  install them first, e.g. apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if [[ "$(uname -m)" != x86_64 ]]; then
  echo "installCodeServer: the ripgrep cache below is for x86_64; on $(uname -m) let" >&2
  echo "  @vscode/ripgrep download its own build or extend this script" >&2
fi

echo "installCodeServer: installing code-server $VERSION into ${dest#"$root"/} (about a minute)"
rm -rf "$dest"
mkdir -p "$dest/tmp/$RIPGREP_CACHE"
# @vscode/ripgrep's install script downloads rg from the network; give it the system's rg in the
# tarball it looks for in its cache folder under TMPDIR, so it logs "Using cached download".
rgdir="$(mktemp -d "$dest/tmp/rg.XXXXXX")"
cp "$(command -v rg)" "$rgdir/rg"
tar -czf "$dest/tmp/$RIPGREP_CACHE/$RIPGREP_TARBALL" -C "$rgdir" rg
rm -rf "$rgdir"

cd "$dest"
echo '{ "name": "seggpt-test-code-server", "private": true }' >package.json
start=$SECONDS
# node-pty's install runs `npx node-gyp`, which a `yes=false` npm config refuses.
TMPDIR="$dest/tmp" npm_config_yes=true npm install --no-save --no-audit --no-fund \
  --no-package-lock --unsafe-perm --loglevel=error "code-server@$VERSION" >"$dest/install.log" 2>&1 || {
  echo "installCodeServer: npm install failed; last lines of $dest/install.log:" >&2
  tail -n 30 "$dest/install.log" >&2
  exit 1
}
rm -rf "$dest/tmp"
touch "$stamp"
echo "installCodeServer: done in $((SECONDS - start)) s"
