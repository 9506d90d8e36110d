#!/usr/bin/env bash
# Brings up a demo cluster on this machine and runs the example manifests on it.
#
#   scripts/demo.sh         install what is missing, build, start, apply, show
#   scripts/demo.sh down    stop everything the demo started and remove its state
#
# The demo host is a network namespace with its own dockerd (Docker's data lives under the
# state directory), a redis-server on a unix socket, raictl-controller and raictl-node.
# Everything is stopped by the pids recorded in the state directory; nothing else on the
# machine is touched. Run as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${RAICTL_DEMO_DIR:-/tmp/raictl-demo}
netns=raictl-demo-1
build=$root/build
raictl=$build/raictl/raictl
redis_url="unix://$state/redis.sock"

say() { printf '\n== %s\n' "$*"; }

stop_pid() {
  local file=$1
  [[ -f $file ]] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

down() {
  stop_pid "$state/node-1.pid"
  stop_pid "$state/controller.pid"
  if [[ -d $state/docker ]]; then
    "$root/scripts/dockerd.sh" stop --dir "$state/docker" --force || true
  fi
  stop_pid "$state/redis.pid"
  ip netns del "$netns" 2>/dev/null || true
  rm -rf "$state"
  echo "demo stopped; state removed from $state"
}

if [[ ${1:-} == down ]]; then
  down
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root: it creates a network namespace and starts dockerd" >&2
  exit 1
fi

say "installing and building"
"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target raictl raictl-controller raictl-node

mkdir -p "$state"

say "starting redis-server on $state/redis.sock"
if ! [[ -f $state/redis.pid ]] || ! kill -0 "$(cat "$state/redis.pid")" 2>/dev/null; then
  redis-server --port 0 --unixsocket "$state/redis.sock" --unixsocketperm 700 \
    --dir "$state" --appendonly yes --daemonize yes --pidfile "$state/redis.pid" \
    --logfile "$state/redis.log"
  for _ in $(seq 50); do [[ -S $state/redis.sock ]] && break; sleep 0.1; done
fi

say "starting host node-1 (network namespace $netns, private dockerd)"
ip netns add "$netns" 2>/dev/null || true
ip -n "$netns" link set lo up
if ! "$root/scripts/dockerd.sh" status --dir "$state/docker" >/dev/null 2>&1; then
  "$root/scripts/dockerd.sh" start --dir "$state/docker" --netns "$netns"
fi
"$root/scripts/make-image.sh" --socket "$state/docker/docker.sock"

start_daemon() {
  local name=$1
  shift
  if [[ -f $state/$name.pid ]] && kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
    return 0
  fi
  nohup "$@" >>"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
}
start_daemon controller "$build/controller/raictl-controller" --redis "$redis_url"
start_daemon node-1 "$build/reconciler/raictl-node" --name node-1 --redis "$redis_url" \
  --docker-socket "$state/docker/docker.sock" --address 127.0.0.1 --label zone=a

export RAICTL_REDIS=$redis_url

say "raictl apply -f manifests/examples/"
"$raictl" apply -f "$root/manifests/examples/"

say "waiting until every container is Running"
for _ in $(seq 120); do
  if [[ $("$raictl" get containers -o json | grep -c '"phase": "Running"') -ge 3 ]]; then
    break
  fi
  sleep 0.5
done

say "raictl get nodes"
"$raictl" get nodes
say "raictl get containers -o wide"
"$raictl" get containers -o wide

web2_ip=$("$raictl" get container web-2 -o json | sed -n 's/.*"ip": "\([0-9.]*\)".*/\1/p' | head -1)
say "web-1 fetches the page of web-2 at $web2_ip"
/usr/bin/docker -H "unix://$state/docker/docker.sock" exec web-1 \
  sh -c "echo 'GET / HTTP/1.0' | nc -w 5 $web2_ip 80" | tail -1

cat <<EOF_HELP

The demo cluster is up. Try:
  export RAICTL_REDIS=$redis_url
  $raictl get containers -o wide
  $raictl describe container web-1
  $raictl run hello --image raictl/busybox:latest -- sleep 3600
  $raictl delete container hello --wait
Logs: $state/*.log
Take it down: scripts/demo.sh down
EOF_HELP
