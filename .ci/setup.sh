# Sourced by .ci/run and ./demo: installs what syncctl needs on a fresh
# Debian machine — the exact Go toolchain go.mod names (from the Go module
# proxy), make, and Docker — and puts it on PATH. Each step is skipped when
# the tool is already there. Call from the repository root. Everything it
# prints goes to stderr.

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
ensure_go() {
want_go=$(awk '$1 == "toolchain" { sub(/^go/, "", $2); print $2; exit }' go.mod)
if [ -z "$want_go" ]; then want_go=$(awk '$1 == "go" { print $2; exit }' go.mod); fi
[ -n "$want_go" ] || { echo "FATAL: no go line in go.mod" >&2; exit 1; }

go_version() { (cd / && GOTOOLCHAIN=local "$1" version 2>/dev/null) | awk '{ sub(/^go/, "", $3); print $3 }'; }
# older A B: true when version A < version B.
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

have_go=""
for candidate in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    v=$(go_version "$candidate" || true)
    if [ -n "$v" ] && ! older "$v" "$want_go"; then
      have_go="$candidate"; break
    fi
  fi
done

if [ -n "$have_go" ]; then
  export PATH="$(dirname "$have_go"):$PATH"
else
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "FATAL: no Go toolchain download for $(uname -m)" >&2; exit 1 ;;
  esac
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  command -v curl >/dev/null 2>&1 && command -v unzip >/dev/null 2>&1 && [ -e /etc/ssl/certs/ca-certificates.crt ] ||
    apt_install curl unzip ca-certificates
  name="v0.0.1-go${want_go}.${os}-${arch}"
  root="${SYNCCTL_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/syncctl-toolchain}"
  goroot="$root/golang.org/toolchain@${name}"
  if [ ! -x "$goroot/bin/go" ]; then
    url="https://proxy.golang.org/golang.org/toolchain/@v/${name}.zip"
    echo "--- installing Go ${want_go} from ${url}" >&2
    mkdir -p "$root"
    tmp=$(mktemp "$root/dl.XXXXXX.zip")
    curl -fsSL --retry 3 -o "$tmp" "$url"
    rm -rf "$goroot"
    unzip -q -o "$tmp" -d "$root" # the module zip holds golang.org/toolchain@<name>/...
    rm -f "$tmp"
    chmod -R u+w "$goroot"
    [ -x "$goroot/bin/go" ] || { echo "FATAL: $url did not contain bin/go" >&2; exit 1; }
  fi
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
