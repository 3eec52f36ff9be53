#!/usr/bin/env bash
# Builds the real Kubernetes control plane used by the operator/Helm tests and `npm run dev:cluster`:
#   kube-apiserver, kube-controller-manager, kubectl, etcd   (from test/k8s/go.mod)
#   helm                                                    (from test/k8s/helm/go.mod)
# with the machine's Go, from the Go module proxy. Nothing is downloaded from anywhere else.
#
# The binaries live OUTSIDE the git clone, so another clone on the same machine reuses them:
#   ${PF_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prompt-firewall/k8s-<kubernetes version>}/bin
# and <repo>/.cache/bin is made a symlink to that folder. A stamp (sha256 of the go.mod/go.sum
# files and of this script) decides whether to rebuild, so a second run takes about a second.
#
# Usage: bash test/k8s/setup.sh [--force|--check]  (--force rebuilds even when the stamp matches;
#        --check only exits 0 when the binaries are built and current, 1 otherwise)
# Env:   PF_K8S_CACHE       cache folder (bin/ is created inside it)
#        PF_K8S_BUILD_JOBS  go build -p (default: number of CPUs)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
FORCE=0
CHECK=0
[[ "${1:-}" == "--force" ]] && FORCE=1
[[ "${1:-}" == "--check" ]] && CHECK=1

log() { printf '[setup:k8s] %s\n' "$*" >&2; }
die() { printf '[setup:k8s] error: %s\n' "$*" >&2; exit 1; }

# --- tools --------------------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH" || die "go not found (expected on PATH or /usr/local/go/bin)"
fi
apt_install() { # install Debian packages when missing and we are root
  if [[ $(id -u) -ne 0 ]]; then die "$* missing; install it: sudo apt-get install -y $*"; fi
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}
# openssl: the TypeScript harness makes the cluster's certificates with it. flock: build lock.
command -v openssl >/dev/null 2>&1 || apt_install openssl
command -v flock >/dev/null 2>&1 || apt_install util-linux
command -v sha256sum >/dev/null 2>&1 || apt_install coreutils

# --- versions (read from the go.mod files, the single source of truth) ---------------------------
modver() { awk -v m="$1" '$1==m && $2 ~ /^v[0-9]/ {print $2; exit}' "$2"; }
K8S_VERSION="$(modver k8s.io/kubernetes "$HERE/go.mod")"
ETCD_VERSION="$(modver go.etcd.io/etcd/server/v3 "$HERE/go.mod")"
HELM_VERSION="$(modver helm.sh/helm/v3 "$HERE/helm/go.mod")"
HELM_CLIENT_GO="$(modver k8s.io/client-go "$HERE/helm/go.mod")"
[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" && -n "$HELM_VERSION" && -n "$HELM_CLIENT_GO" ]] \
  || die "could not read versions from test/k8s/go.mod and test/k8s/helm/go.mod"

CACHE="${PF_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prompt-firewall/k8s-$K8S_VERSION}"
BIN="$CACHE/bin"
STAMP="$BIN/.stamp"
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl helm)

inputs_hash() {
  cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/helm/go.mod" "$HERE/helm/go.sum" "$HERE/setup.sh" | sha256sum | cut -d' ' -f1
}
up_to_date() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(inputs_hash)" ]] || return 1
  local b; for b in "${BINARIES[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}
if [[ $CHECK -eq 1 ]]; then up_to_date; exit $?; fi
link_into_repo() {
  mkdir -p "$REPO/.cache"
  if [[ -L "$REPO/.cache/bin" || ! -e "$REPO/.cache/bin" ]]; then
    ln -sfn "$BIN" "$REPO/.cache/bin"
  else
    log "$REPO/.cache/bin exists and is not a symlink; leaving it alone"
  fi
}
report() {
  log "binaries (kubernetes $K8S_VERSION, etcd $ETCD_VERSION, helm $HELM_VERSION) in:"
  printf '%s\n' "$BIN"
  log "linked from $REPO/.cache/bin"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one build at a time per cache folder (two test runs may call this together)

if [[ $FORCE -eq 0 ]] && up_to_date; then
  link_into_repo
  report
  exit 0
fi

# --- build --------------------------------------------------------------------------------------
START=$(date +%s)
JOBS="${PF_K8S_BUILD_JOBS:-$(nproc)}"
export CGO_ENABLED=0             # static binaries, as Kubernetes releases its server binaries
export GOFLAGS="-mod=readonly"   # module mode, no vendor/ folder; go.sum must already be complete
export GOWORK=off
TMP="$CACHE/bin.tmp.$$"
rm -rf "$TMP"; mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
K8S_MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
K8S_MAJOR="$(echo "$K8S_VERSION" | cut -d. -f1 | tr -d v)"
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$K8S_MAJOR -X $pkg.gitMinor=$K8S_MINOR"
  K8S_LDFLAGS+=" -X $pkg.buildDate=$BUILD_DATE -X $pkg.gitTreeState=clean"
done

log "$(go version); building with -p $JOBS into $BIN"
log "a cold build is ~2000 CPU-seconds: ~17 min on 2 idle cores, longer on a busy machine"
log "kubernetes $K8S_VERSION: kube-apiserver kube-controller-manager kubectl + etcd $ETCD_VERSION"
( cd "$HERE" && go build -p "$JOBS" -trimpath -ldflags "$K8S_LDFLAGS" -o "$TMP/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl \
    go.etcd.io/etcd/server/v3 )
mv "$TMP/server" "$TMP/etcd" # go names the binary of go.etcd.io/etcd/server/v3 "server"

# helm's own Makefile sets these so `helm template`/`helm lint` assume the right Kubernetes version.
HELM_K8S_MAJOR=$(( $(echo "$HELM_CLIENT_GO" | tr -d v | cut -d. -f1) + 1 ))
HELM_K8S_MINOR="$(echo "$HELM_CLIENT_GO" | cut -d. -f2)"
HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
HELM_LDFLAGS+=" -X helm.sh/helm/v3/internal/version.metadata= -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  HELM_LDFLAGS+=" -X $pkg.k8sVersionMajor=$HELM_K8S_MAJOR -X $pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done
log "helm $HELM_VERSION"
( cd "$HERE/helm" && go build -p "$JOBS" -trimpath -ldflags "$HELM_LDFLAGS" -o "$TMP/helm" helm.sh/helm/v3/cmd/helm )

mkdir -p "$BIN"
for b in "${BINARIES[@]}"; do mv -f "$TMP/$b" "$BIN/$b"; done
inputs_hash >"$STAMP"
log "built in $(( $(date +%s) - START )) s"
link_into_repo
report
