# Sourced by .ci/run and ./demo: installs what syncctl needs on a fresh
# Debian machine — the exact Go toolchain go.mod names (the
# golang.org/toolchain module, which a Go from Debian's golang-go fetches),
# make, Docker and PostgreSQL's server binaries (for its store tests) — and
# puts it on PATH. Each step is skipped when the tool is already there.
# Call from the repository root. Everything it prints goes to stderr.

apt_updated=""
apt_install() { # apt_install PACKAGE... (only when running as root with apt)
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "FATAL: need $* and there is no apt-get to install them" >&2; exit 1
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  # Progress goes to stderr: stdout is the command's (./demo -o json).
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq >&2; apt_updated=1; fi
  echo "--- installing $* (apt)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}

# ensure_go: exactly the Go version go.mod names (toolchain line, else go line).
# Without a good enough go on PATH or in /usr/local/go, any Go 1.15+ (else
# Debian's golang-go, installed with apt) downloads the module
# golang.org/toolchain@v0.0.1-go<version>.<os>-<arch> through Go's own
# configured module proxy into our cache dir, and that module's bin/go is
# used as is (the module cache is read-only: remove it with `chmod -R u+w`
# first, or `GOMODCACHE=<dir> go clean -modcache`). SYNCCTL_GO_PROBE replaces
# the /usr/local/go/bin/go probe (tests run it on a machine that has Go).
ensure_go() {
want_go=$(awk '$1 == "toolchain" { sub(/^go/, "", $2); print $2; exit }' go.mod)
if [ -z "$want_go" ]; then want_go=$(awk '$1 == "go" { print $2; exit }' go.mod); fi
[ -n "$want_go" ] || { echo "FATAL: no go line in go.mod" >&2; exit 1; }

go_version() { (cd / && GOTOOLCHAIN=local "$1" version 2>/dev/null) | awk '{ sub(/^go/, "", $3); print $3 }'; }
# older A B: true when version A < version B.
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

have_go="" bootstrap_go=""
for candidate in "$(command -v go 2>/dev/null || true)" "${SYNCCTL_GO_PROBE:-/usr/local/go/bin/go}"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    v=$(go_version "$candidate" || true)
    [ -n "$v" ] || continue
    if ! older "$v" "$want_go"; then
      have_go="$candidate"; break
    fi
    # Too old to build with, but new enough (GOMODCACHE) to download one.
    if [ -z "$bootstrap_go" ] && ! older "$v" 1.15; then bootstrap_go="$candidate"; fi
  fi
done

if [ -n "$have_go" ]; then
  export PATH="$(dirname "$have_go"):$PATH"
else
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "FATAL: no Go toolchain module for $(uname -m)" >&2; exit 1 ;;
  esac
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  module="golang.org/toolchain@v0.0.1-go${want_go}.${os}-${arch}"
  # A module cache of our own: $root/golang.org/toolchain@<version>/ is a GOROOT.
  root="${SYNCCTL_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/syncctl-toolchain}"
  goroot="$root/$module"
  if [ ! -x "$goroot/bin/go" ]; then
    if [ -z "$bootstrap_go" ]; then
      if [ -e /etc/ssl/certs/ca-certificates.crt ]; then apt_install golang-go; else apt_install golang-go ca-certificates; fi
      bootstrap_go=/usr/bin/go
    fi
    echo "--- installing Go ${want_go}: $bootstrap_go ($(go_version "$bootstrap_go")) downloads $module" >&2
    mkdir -p "$root"
    tmp=$(mktemp -d) # outside any module: go.mod here must not be read
    out=$(cd "$tmp" && GOMODCACHE="$root" GOFLAGS="" GO111MODULE=on GOTOOLCHAIN=local \
      "$bootstrap_go" mod download -json "$module" 2>&1) ||
      { rm -rf "$tmp"; echo "$out" >&2; echo "FATAL: could not download $module" >&2; exit 1; }
    rm -rf "$tmp"
    # Module zips carry no execute bits; set them where the go command does
    # when it switches toolchains itself (files only: the dirs stay read-only).
    find "$goroot/bin" "$goroot/pkg/tool" -type f -exec chmod a+x {} + 2>/dev/null || true
    find "$goroot/lib" -type f -name 'go_?*_?*_exec' -exec chmod a+x {} + 2>/dev/null || true
    [ -x "$goroot/bin/go" ] || { echo "FATAL: $module has no bin/go" >&2; exit 1; }
  fi
  v=$(go_version "$goroot/bin/go" || true)
  [ "$v" = "$want_go" ] || { echo "FATAL: $goroot/bin/go is go '$v', want $want_go" >&2; exit 1; }
  export PATH="$goroot/bin:$PATH"
fi
export GOTOOLCHAIN=local # never switch toolchains behind our back
}

ensure_make() { command -v make >/dev/null 2>&1 || apt_install make; }

# ensure_docker: the engine integration_test/ builds its images with.
ensure_docker() {
if ! command -v docker >/dev/null 2>&1; then
  apt_install docker.io
fi
if ! docker info >/dev/null 2>&1; then
  echo "docker daemon not answering; trying to start it" >&2
  (service docker start || (dockerd >/tmp/dockerd.log 2>&1 &)) || true
  for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info >/dev/null 2>&1 || { echo "FATAL: Docker is required for integration_test/ and is not available" >&2; exit 1; }
}

# ensure_postgres: initdb and postgres, which the PostgreSQL store tests
# (store/postgres/pgtest) run a throwaway server with. Debian installs them
# in /usr/lib/postgresql/<version>/bin, where the tests look; under CI they
# fail rather than skip without them.
ensure_postgres() {
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x /usr/local/bin/initdb ]; then
  return
fi
apt_install postgresql
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "FATAL: installed postgresql but found no initdb in /usr/lib/postgresql/*/bin" >&2; exit 1; }
}
