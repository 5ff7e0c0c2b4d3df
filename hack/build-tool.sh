#!/usr/bin/env bash
# Builds one test tool from its wrapper module in hack/tools/<tool>/ and prints the binary's path.
# Binaries are cached outside the repo, keyed by the wrapper's go.mod+go.sum (and its own .go files when
# the program is the wrapper's code, as helm-index-loader's is), so a second run is instant.
#   hack/build-tool.sh kube-apiserver|kubectl|etcd|helm|oras|registry|cosign|helm-index-loader
set -euo pipefail

tool="${1:?usage: build-tool.sh TOOL}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# kubectl comes from the kube-apiserver module, so it always matches the server's version.
module_dir="$here/tools/${tool/#kubectl/kube-apiserver}"
[[ -f "$module_dir/go.mod" ]] || { echo "build-tool: no wrapper module at $module_dir" >&2; exit 2; }
command -v go >/dev/null || { echo "build-tool: Go is required to build $tool (install Go >= 1.24)" >&2; exit 2; }

cache_root="${PACKYARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/packyard}"

# The package to build and, for Kubernetes, the version stamped into discovery.
ldflags="-s -w"
case "$tool" in
  kube-apiserver | kubectl)
    pkg=k8s.io/kubernetes/cmd/$tool
    v="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$module_dir/go.mod")"
    minor="$(echo "$v" | cut -d. -f2)"
    ldflags+=" -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
    ;;
  etcd) pkg=go.etcd.io/etcd/server/v3 ;;
  helm) pkg=helm.sh/helm/v3/cmd/helm ;;
  oras) pkg=oras.land/oras/cmd/oras ;;
  registry) pkg=github.com/distribution/distribution/v3/cmd/registry ;;
  cosign) pkg=github.com/sigstore/cosign/v2/cmd/cosign ;;
  helm-index-loader) pkg=. ;;
  *) echo "build-tool: unknown tool $tool" >&2; exit 2 ;;
esac

# A wrapper whose program is its own code (pkg=.) is keyed by that code too, so editing it rebuilds;
# the others' keys stay as they were, so their cached builds stay valid.
key_files=("$module_dir/go.mod" "$module_dir/go.sum")
[[ "$pkg" == . ]] && key_files+=("$module_dir"/*.go)
key="$(cat "${key_files[@]}" | sha256sum | cut -c1-16)"
out_dir="$cache_root/bin/$tool-$key"
bin="$out_dir/$tool"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

mkdir -p "$out_dir"
echo "build-tool: building $tool ($pkg) into $out_dir — the first build takes minutes, later runs use the cache" >&2
start=$SECONDS
# Progress for people: a dot line every 30s so a long cold build does not look hung.
( while sleep 30; do echo "build-tool: still building $tool ($((SECONDS - start))s)…" >&2; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
(cd "$module_dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" "$pkg")
mv "$bin.tmp" "$bin"
echo "build-tool: built $tool in $((SECONDS - start))s" >&2
echo "$bin"
