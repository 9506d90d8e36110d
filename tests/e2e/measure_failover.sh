#!/usr/bin/env bash
# Measures host failure and leader takeover on a simulated 3-host cluster with the programs'
# default timings (heartbeat 2 s, grace 15 s, lease 5 s), for the figures in
# docs/operations.md. e2e_scheduling_test prints the same figures for the simulation's
# faster timings.
#
#   tests/e2e/measure_failover.sh [--build DIR]
#
# Prints three figures: SIGKILL of host-2's node (cluster.sh stop-node) until every container
# that ran there is Running on another host, and cluster.sh start-node until `raictl ipam
# check` lists no held address; SIGKILL and SIGTERM of the leading controller until a standby
# leads. DIR is the CMake build directory (default: build/). Uses scripts/cluster.sh with the
# state in a temporary directory, so it must not run beside another simulated cluster. Run
# as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$(cd "${2:-}" && pwd); shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "measure_failover.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
  esac
done
if ip link show rcl-br0 >/dev/null 2>&1; then
  echo "measure_failover.sh: the bridge rcl-br0 exists, so another simulated cluster is running; stop it with scripts/cluster.sh down" >&2
  exit 1
fi

export RAICTL_CLUSTER_DIR
RAICTL_CLUSTER_DIR=$(mktemp -d /tmp/rcl-measure-XXXXXX)
export RAICTL_REDIS=unix://$RAICTL_CLUSTER_DIR/redis.sock
cluster=$root/scripts/cluster.sh
raictl=$build/raictl/raictl
standby_pid=""

cleanup() {
  if [[ -n $standby_pid ]]; then
    kill -TERM "$standby_pid" 2>/dev/null || true
    wait "$standby_pid" 2>/dev/null || true
  fi
  "$cluster" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
leader() { redis-cli -s "$RAICTL_CLUSTER_DIR/redis.sock" GET raictl:leader; }

"$cluster" up --nodes 3 --build "$build" \
  --controller-flags "--heartbeat-interval 2 --node-grace 15" \
  --node-flags host-1="--heartbeat-interval 2" --node-flags host-2="--heartbeat-interval 2" \
  --node-flags host-3="--heartbeat-interval 2" >/dev/null
"$raictl" apply -f "$root/manifests/examples/pool.yaml" >/dev/null
for i in $(seq 6); do
  printf -- '---\napiVersion: raictl.io/v1\nkind: Container\nmetadata:\n  name: c-%s\nspec:\n  image: raictl/busybox:latest\n  command: [sleep, "100000"]\n  stopGracePeriodSeconds: 1\n' "$i"
done >"$RAICTL_CLUSTER_DIR/six.yaml"
"$raictl" apply -f "$RAICTL_CLUSTER_DIR/six.yaml" >/dev/null
until [[ $("$raictl" get containers | awk '$2 == "Running"' | wc -l) -eq 6 ]]; do sleep 0.2; done
on_host_2=$("$raictl" get containers | awk '$5 == "host-2"' | wc -l)

# A container still counts as not moved while its status names host-2 or is not Running.
started=$(now)
"$cluster" stop-node host-2 >/dev/null 2>&1 &
stopper=$!
until [[ $("$raictl" get containers | tail -n +2 | awk '$5 == "host-2" || $2 != "Running"' | wc -l) -eq 0 ]]; do
  sleep 0.2
done
echo "stop-node host-2 to its $on_host_2 containers Running elsewhere: $(since "$started") s"
wait "$stopper"

started=$(now)
"$cluster" start-node host-2 >/dev/null 2>&1
until "$raictl" ipam check >/dev/null && ! "$raictl" ipam check | grep -q '^held:'; do sleep 0.2; done
echo "start-node host-2 to ipam check without held addresses: $(since "$started") s"

"$build/controller/raictl-controller" --redis "$RAICTL_REDIS" --consumer standby \
  --heartbeat-interval 2 --node-grace 15 >>"$RAICTL_CLUSTER_DIR/standby.log" 2>&1 &
standby_pid=$!
until [[ $(leader) == cluster\ * ]]; do sleep 0.05; done
sleep 2
kill -KILL "$(<"$RAICTL_CLUSTER_DIR/controller.pid")"
started=$(now)
until [[ $(leader) == standby\ * ]]; do sleep 0.05; done
echo "SIGKILL of the leader to the standby leading: $(since "$started") s"

# up starts the cluster's controller again, now as the standby.
"$cluster" up --nodes 3 >/dev/null 2>&1
sleep 2
kill -TERM "$standby_pid"
started=$(now)
until [[ $(leader) == cluster\ * ]]; do sleep 0.05; done
echo "SIGTERM of the leader to the standby leading: $(since "$started") s"
wait "$standby_pid" || true
standby_pid=""
