#!/usr/bin/env bash
# Builds the TDTP framework's own programs for the tests and the demo, with the Go toolchain, from
# the tooling module test/framework/ (its go.mod pins the framework version: the one place).
#
# Everything goes into <repo>/.framework-tools/ (git-ignored):
#   bin/tdtpcli           the framework's CLI (runs --pipeline files, publishes to Redis)
#   bin/orchestrator      the framework's HTTP scheduler
#   bin/resultlog-fields  prints the JSON names of pkg/resultlog/event.PipelineResult (contract test)
#   bin/sqlite-seed       writes the tests' SQLite sources with the same pure-Go driver
#   .setup-marker         what was built (key=value): reused while the tooling module is unchanged
#   logs/build.log        the go command's output (VERBOSE=1 prints it instead)
#
# Pure Go: CGO_ENABLED=0 as the framework's own container build; tags nokafka,nos3 leave out the
# Kafka and S3 clients the tests do not need. Modules come from the module registry through the Go
# command as configured (its module cache is reused between runs).
#
# Without Go >= 1.25: in CI (CI=true) this fails the run; elsewhere it says loudly that the
# real-framework tests will be reported as not run, and exits 0.
# Environment knobs:
#   FRAMEWORK_TOOLS_DIR  install somewhere else (default <repo>/.framework-tools)
#   GO                   the go command (default: go on PATH, else /usr/local/go/bin/go)
#   FORCE=1              rebuild even when the marker matches
#   VERBOSE=1            stream the go command's output
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
MODULE_DIR="$ROOT/test/framework"
TOOLS="${FRAMEWORK_TOOLS_DIR:-$ROOT/.framework-tools}"
MARKER="$TOOLS/.setup-marker"
LOG_DIR="$TOOLS/logs"
FRAMEWORK_MODULE="github.com/ruslano69/tdtp-framework"
GO_MIN_MINOR=25
TAGS="nokafka,nos3"
START_ALL=$SECONDS

log() { echo "[setup-framework] $*"; }
die() {
  echo "[setup-framework] ERROR: $*" >&2
  exit 1
}

# The pinned version: the require line of go.mod, read without asking the registry.
VERSION="$(awk -v m="$FRAMEWORK_MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MODULE_DIR/go.mod")"
[ -n "$VERSION" ] || die "no '$FRAMEWORK_MODULE vX' line in $MODULE_DIR/go.mod"

no_go() { # reason
  if [ "${CI:-}" = true ]; then
    die "$1. CI runs the tests against the real TDTP framework ($FRAMEWORK_MODULE $VERSION), which needs Go >= 1.$GO_MIN_MINOR: install Go (https://go.dev/doc/install) and put it on PATH."
  fi
  cat >&2 <<EOF
[setup-framework] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
[setup-framework] !!! $1.
[setup-framework] !!! The tests against the real TDTP framework ($FRAMEWORK_MODULE $VERSION:
[setup-framework] !!! tdtpcli and orchestrator) will be reported as NOT RUN.
[setup-framework] !!! Install Go >= 1.$GO_MIN_MINOR (https://go.dev/doc/install), then run: bash scripts/setup-framework.sh
[setup-framework] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
EOF
  exit 0
}

GO_CMD="${GO:-}"
if [ -z "$GO_CMD" ]; then
  if command -v go >/dev/null; then
    GO_CMD=go
  elif [ -x /usr/local/go/bin/go ]; then
    GO_CMD=/usr/local/go/bin/go
  else
    no_go "Go is not installed (no go on PATH, no /usr/local/go/bin/go)"
  fi
fi
command -v "$GO_CMD" >/dev/null || no_go "Go is not installed (no go command at $GO_CMD)"
# Never let the go command fetch another toolchain: this machine's Go is the one used.
export GOTOOLCHAIN=local
GO_VERSION="$("$GO_CMD" env GOVERSION 2>/dev/null || true)" # e.g. go1.26.8
minor="$(echo "$GO_VERSION" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')"
[ -n "$minor" ] && [ "$minor" -ge "$GO_MIN_MINOR" ] || no_go "Go ${GO_VERSION:-of unknown version} at $GO_CMD is older than 1.$GO_MIN_MINOR"

# The build's identity: the toolchain, the tags and the tooling module (its go.mod pins the
# framework; its comment lines do not count).
FINGERPRINT="$(cd "$MODULE_DIR" && { echo "$GO_VERSION $TAGS"; sed '/^[[:space:]]*\/\//d' go.mod; find . -type f \( -name '*.go' -o -name go.sum \) | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)"
PROGRAMS=(tdtpcli orchestrator resultlog-fields sqlite-seed)

marker_get() { [ -f "$MARKER" ] && sed -n "s/^$1=//p" "$MARKER" | tail -n 1 || true; }
all_built() { for p in "${PROGRAMS[@]}"; do [ -x "$TOOLS/bin/$p" ] || return 1; done; }

if [ "${FORCE:-}" != 1 ] && [ "$(marker_get fingerprint)" = "$FINGERPRINT" ] && all_built; then
  log "reusing $FRAMEWORK_MODULE $VERSION in $TOOLS/bin (built with $(marker_get go); FORCE=1 rebuilds)"
  exit 0
fi

log "building $FRAMEWORK_MODULE $VERSION (tdtpcli, orchestrator) and the test helpers with $GO_VERSION, CGO_ENABLED=0, tags $TAGS"
mkdir -p "$TOOLS/bin" "$LOG_DIR"
rm -f "$MARKER"
build() {
  cd "$MODULE_DIR"
  # -mod=readonly: go.mod and go.sum are complete and committed; nothing is resolved at build time.
  CGO_ENABLED=0 "$GO_CMD" build -mod=readonly -trimpath -tags "$TAGS" -ldflags "-s -w" -o "$TOOLS/bin/" \
    "$FRAMEWORK_MODULE/cmd/tdtpcli" "$FRAMEWORK_MODULE/cmd/orchestrator" ./resultlog-fields ./sqlite-seed
}
if [ "${VERBOSE:-}" = 1 ]; then
  build
elif ! build >"$LOG_DIR/build.log" 2>&1; then
  echo "[setup-framework] the build failed; the end of $LOG_DIR/build.log:" >&2
  tail -n 40 "$LOG_DIR/build.log" >&2
  die "go build of $FRAMEWORK_MODULE $VERSION failed"
fi
all_built || die "go build finished but $TOOLS/bin lacks one of: ${PROGRAMS[*]}"
{
  echo "fingerprint=$FINGERPRINT"
  echo "framework=$VERSION"
  echo "go=$GO_VERSION"
  echo "tags=$TAGS"
} >"$MARKER"
log "done: $FRAMEWORK_MODULE $VERSION in $TOOLS/bin ($((SECONDS - START_ALL))s)"
