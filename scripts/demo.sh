#!/usr/bin/env bash
# Brings up a 3-host demo cluster on this machine and runs the example manifests on it.
#
#   scripts/demo.sh         install what is missing, build, start, apply, show
#   scripts/demo.sh down    stop everything the demo started and remove its state
#
# The hosts are simulated by scripts/cluster.sh: each is a network namespace with its own
# dockerd and raictl-node, joined by an underlay bridge and the VXLAN overlay; Redis and
# raictl-controller run beside them. The cluster stays up afterwards so that you can try
# commands. Run as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
raictl=$build/raictl/raictl
cluster=$root/scripts/cluster.sh
state=${RAICTL_CLUSTER_DIR:-/tmp/raictl-cluster}

say() { printf '\n== %s\n' "$*"; }

if [[ ${1:-} == down ]]; then
  exec "$cluster" down
fi
if [[ $# -gt 0 ]]; then
  echo "demo.sh: unknown argument '$1'; use 'scripts/demo.sh' or 'scripts/demo.sh down'" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root: it creates network namespaces and starts dockerd" >&2
  exit 1
fi

say "installing what is missing and building"
"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target raictl raictl-controller raictl-node

say "starting a 3-host cluster"
"$cluster" up --nodes 3 --build "$build"
export RAICTL_REDIS="unix://$state/redis.sock"

say "raictl apply -f manifests/examples/"
"$raictl" apply -f "$root/manifests/examples/"

say "waiting until web-1, web-2 and web-3 are Running"
running=0
for _ in $(seq 240); do
  running=$("$raictl" get containers 2>/dev/null | tail -n +2 | awk '$2 == "Running"' | wc -l)
  [[ $running -ge 3 ]] && break
  sleep 0.5
done
if [[ $running -lt 3 ]]; then
  echo "demo.sh: only $running of 3 containers are Running after 120 s; see" \
    "'$raictl describe container web-1' and the logs in $state" >&2
  "$raictl" get containers -o wide >&2
  exit 1
fi

say "raictl get nodes"
"$raictl" get nodes
say "raictl get containers -o wide"
"$raictl" get containers -o wide

# Columns of `get containers`: NAME STATUS RESTARTS IP NODE AGE.
read -r from_name from_node < <("$raictl" get containers | tail -n +2 | awk '{print $1, $5; exit}')
read -r to_name to_ip to_node < <("$raictl" get containers | tail -n +2 |
  awk -v node="$from_node" '$5 != node {print $1, $4, $5; exit}')
say "$from_name on $from_node fetches the page of $to_name on $to_node at $to_ip"
/usr/bin/docker -H "unix://$state/$from_node/docker/docker.sock" exec "$from_name" \
  sh -c "echo 'GET / HTTP/1.0' | nc -w 5 $to_ip 80" | tail -1

cat <<EOF_HELP

The demo cluster is up. Try:
  export RAICTL_REDIS=$RAICTL_REDIS
  $raictl get containers -o wide
  $raictl describe node host-1
  $raictl run hello --image raictl/busybox:latest --node host-2 -- sleep 3600
  $raictl delete container hello --wait
  scripts/cluster.sh status
Logs: $state/controller.log, $state/host-*/node.log
Take it down: scripts/demo.sh down
EOF_HELP
