#!/usr/bin/env bash
# A local Kubernetes control plane (etcd + kube-apiserver, no Docker) for people, with crds/ applied.
#   hack/dev-cluster.sh up      start it in the background (a fresh cluster each time); idempotent
#   hack/dev-cluster.sh down    stop it (files stay in .dev/control-plane for inspection)
#   hack/dev-cluster.sh status  exit 0 when it is running and ready
# Runs the compiled build/src/local/dev-cluster-main.js: `npm run build` first (make does).
# PACKYARD_DEV_DIR (default .dev) keeps a second cluster, e.g. a test's, apart from a person's.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dev="${PACKYARD_DEV_DIR:-$root/.dev}"
pidfile="$dev/dev-cluster.pid"
kubeconfig="$dev/kubeconfig"
logfile="$dev/dev-cluster.log"
certs="$dev/control-plane/certs"
node="$root/node_modules/.bin/node"
main="$root/build/src/local/dev-cluster-main.js"

# kill -0 also succeeds for a zombie, and our detached process is reaped by init, which can take seconds.
alive() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" && [[ $state != Z ]]
}

# The pid of our running dev cluster, checked against its command line so a reused pid does not count.
running_pid() {
  local pid
  [[ -f $pidfile ]] || return 1
  pid="$(<"$pidfile")"
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  grep -qa dev-cluster-main "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

server() { awk '$1 == "server:" { print $2; exit }' "$kubeconfig"; }

ready() {
  [[ -f $kubeconfig ]] &&
    curl -sf --max-time 2 --cacert "$certs/ca.crt" --cert "$certs/admin.crt" --key "$certs/admin.key" \
      "$(server)/readyz" >/dev/null
}

hints() {
  echo "  export KUBECONFIG=$kubeconfig"
  echo "  kubectl get crd"
}

up() {
  local pid
  if pid="$(running_pid)"; then
    echo "dev cluster already running (pid $pid) at $(server 2>/dev/null || echo '(starting)')"
    hints
    return 0
  fi
  [[ -x $node ]] || { echo "dev-cluster: $node is missing: run npm ci" >&2; exit 1; }
  [[ -f $main ]] || { echo "dev-cluster: $main is missing: run npm run build" >&2; exit 1; }
  mkdir -p "$dev"
  rm -f "$pidfile" "$kubeconfig"
  # setsid: its own session, so closing this terminal or Ctrl-C here does not stop it.
  (cd "$root" && exec setsid nohup "$node" "$main" >"$logfile" 2>&1 </dev/null) &
  pid=$!
  echo "starting dev cluster (pid $pid, log $logfile); building uncached binaries takes minutes"
  local waited=0
  until ready; do
    if ! alive "$pid"; then
      echo "dev-cluster: failed to start; last lines of $logfile:" >&2
      tail -n 40 "$logfile" >&2
      exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
    if ((waited % 150 == 0)); then echo "  still starting ($((waited / 5))s): $(tail -n 1 "$logfile")"; fi
  done
  echo "dev cluster ready at $(server) (pid $pid)"
  hints
}

down() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "dev cluster not running"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid"
  # The process itself SIGKILLs its children after 5 s; allow for that, then force it.
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    echo "dev-cluster: pid $pid ignored SIGTERM for 10s, killing it" >&2
    kill -KILL "$pid"
  fi
  rm -f "$pidfile" "$kubeconfig"
  echo "dev cluster stopped (logs in $dev)"
}

status() {
  local pid
  if ! pid="$(running_pid)"; then
    echo "dev cluster not running"
    return 1
  fi
  if ready; then
    echo "dev cluster running (pid $pid) and ready at $(server)"
    hints
  else
    echo "dev cluster running (pid $pid) but not ready yet; see $logfile"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
