#!/usr/bin/env bash
# Packyard on kind, for users with Docker and kind (not used by tests: there is no Docker there).
#   hack/kind.sh up       create the kind cluster (deploy/kind/cluster.yaml)
#   hack/kind.sh deploy   build the image, load it into kind, apply deploy/base, wait for the rollout
#   hack/kind.sh down     delete the kind cluster
# Env: KIND_CLUSTER (default packyard), IMAGE (default ghcr.io/packyard/packyard:0.1.0, what deploy/base uses).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cluster="${KIND_CLUSTER:-packyard}"
image="${IMAGE:-ghcr.io/packyard/packyard:0.1.0}"

need() { command -v "$1" >/dev/null || { echo "kind.sh: $1 is required" >&2; exit 2; }; }

case "${1:-}" in
  up)
    need kind; need docker
    if kind get clusters | grep -qx "$cluster"; then
      echo "kind cluster $cluster exists"
    else
      kind create cluster --name "$cluster" --config "$root/deploy/kind/cluster.yaml"
    fi
    ;;
  deploy)
    need kind; need docker; need kubectl
    docker build -f "$root/deploy/Dockerfile" -t "$image" "$root"
    kind load docker-image "$image" --name "$cluster"
    ctx="kind-$cluster"
    kubectl --context "$ctx" apply --server-side -k "$root/deploy/base"
    if [[ "$image" != ghcr.io/packyard/packyard:0.1.0 ]]; then
      kubectl --context "$ctx" -n packyard-system set image deployment/packyard manager="$image"
    fi
    # A re-deploy of the same tag must restart the pods to pick up the newly loaded image.
    kubectl --context "$ctx" -n packyard-system rollout restart deployment/packyard
    kubectl --context "$ctx" -n packyard-system rollout status deployment/packyard --timeout=180s
    echo "Packyard is running. Try: kubectl --context $ctx apply -f deploy/samples/ && kubectl --context $ctx get preg,cprof,pk"
    ;;
  down)
    need kind
    kind delete cluster --name "$cluster"
    ;;
  *)
    echo "usage: hack/kind.sh up|deploy|down" >&2
    exit 2
    ;;
esac
