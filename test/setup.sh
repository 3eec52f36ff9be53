#!/usr/bin/env bash
# Installs what the test suites need and the machine lacks: Debian packages for the real servers
# the integration suites start (and, from test/k8s/setup.sh, a kube-apiserver built from source).
# Idempotent: a second run installs nothing. Needs root for apt-get; without root it only reports
# what is missing, and the suites that need it skip (outside CI) with a hint.
set -euo pipefail
cd "$(dirname "$0")/.."

# binary-that-proves-it-is-installed:debian-package
NEEDED=(
  /usr/bin/chromium:chromium
)

missing=()
for entry in "${NEEDED[@]}"; do
  bin=${entry%%:*}
  pkg=${entry#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "$bin" ]; then missing+=("$pkg"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (install as root): ${missing[*]}" >&2
    if [ "${CI:-}" = true ]; then exit 1; fi
  fi
fi

# Kubernetes control plane for the operator and chart suites, built from Go modules (about 20 min
# cold on 2 cores; about a second once cached). CI always builds it; elsewhere it is opt-in.
if [ "${CI:-}" = true ] || [ "${PF_BUILD_K8S:-}" = 1 ]; then
  bash test/k8s/setup.sh
elif ! bash test/k8s/setup.sh --check >/dev/null 2>&1; then
  echo "setup: Kubernetes test binaries are not built; the cluster suites will skip (build them with \`npm run setup:k8s\`, or PF_BUILD_K8S=1 npm test)" >&2
fi
