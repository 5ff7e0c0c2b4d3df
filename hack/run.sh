#!/usr/bin/env bash
# `make run`: Packyard on the cluster in $KUBECONFIG when it answers, else on a local control plane.
# Today it installs the CRDs and the samples and shows them; the operator and the demo registries
# join as the reconcilers land.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

reachable() { [[ -n ${KUBECONFIG:-} ]] && kubectl --request-timeout=5s get --raw /readyz >/dev/null 2>&1; }

if reachable; then
  echo "run: using the cluster in KUBECONFIG=$KUBECONFIG"
  kubectl apply --server-side -f crds/
  kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
else
  echo "run: no reachable cluster in KUBECONFIG; starting a local control plane (make dev-cluster)"
  hack/dev-cluster.sh up
  export KUBECONFIG="$root/.dev/kubeconfig"
fi
kubectl apply -f deploy/samples/
echo
kubectl get packyard -A
echo
echo "run: the operator that syncs registries and resolves profiles comes with the next issues."
echo "run: point kubectl at this cluster with: export KUBECONFIG=$KUBECONFIG"
