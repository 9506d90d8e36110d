#!/usr/bin/env bash
# Starts, stops or checks a private dockerd that never touches the system's
# /var/run/docker.sock daemon. Everything it owns lives in one directory:
#
#   DIR/data         data root (images, containers)
#   DIR/exec         exec root (its own managed containerd, shim sockets)
#   DIR/docker.sock  API socket
#   DIR/docker.pid   pid file
#   DIR/dockerd.log  daemon log
#
#   scripts/dockerd.sh start  --dir DIR [--netns NAME] [--iptables] [--watch-pid PID]
#   scripts/dockerd.sh stop   --dir DIR [--force] [--timeout SECONDS]
#   scripts/dockerd.sh status --dir DIR
#
# start   runs dockerd in the background (inside network namespace NAME when given; the
#         namespace must exist under /run/netns) and waits until /_ping answers. Without
#         --iptables the daemon leaves iptables alone; containers on one bridge still reach
#         each other because a fresh namespace's FORWARD policy is ACCEPT. Outside a
#         namespace the default docker0 bridge is disabled so it cannot collide with the
#         system daemon. --watch-pid stops the daemon when process PID exits, so a killed
#         test program does not leave a daemon behind.
# stop    removes every container first when --force is given (a running container
#         otherwise delays shutdown by its stop timeout), sends SIGTERM, waits up to
#         --timeout seconds (default 20), then SIGKILL. It then kills leftover shims of this
#         daemon's containerd and unmounts whatever is still mounted under DIR.
# status  exits 0 and prints the pid when the daemon answers, 1 otherwise.
#
# Keep DIR short: the exec root holds unix sockets, whose paths are limited to 108 bytes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "dockerd.sh: $*" >&2
  exit 1
}

command=${1:-}
case "$command" in
  start|stop|status) shift ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; die "unknown command '$command'; expected start, stop or status" ;;
esac

dir=""
netns=""
iptables=false
watch_pid=""
force=0
stop_timeout=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --netns) netns="$2"; shift 2 ;;
    --iptables) iptables=true; shift ;;
    --watch-pid) watch_pid="$2"; shift 2 ;;
    --force) force=1; shift ;;
    --timeout) stop_timeout="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1'; see scripts/dockerd.sh --help" ;;
  esac
done

[[ -n $dir ]] || die "missing --dir DIR; see scripts/dockerd.sh --help"
[[ $command == start ]] && mkdir -p "$dir"
if [[ -d $dir ]]; then
  dir=$(cd "$dir" && pwd)
fi
socket="$dir/docker.sock"
pid_file="$dir/docker.pid"
log_file="$dir/dockerd.log"
exec_root="$dir/exec"

if (( ${#exec_root} + 60 > 108 )); then
  die "directory '$dir' is too long: containerd's sockets under $exec_root would exceed the 108-byte unix socket path limit; use a shorter --dir"
fi

ping_daemon() {
  curl -sf --max-time 2 --unix-socket "$socket" http://docker/_ping >/dev/null 2>&1
}

daemon_pid() {
  [[ -f $pid_file ]] || return 1
  local pid
  pid=$(cat "$pid_file")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

ensure_installed() {
  command -v dockerd >/dev/null && return 0
  echo "dockerd.sh: dockerd is not installed; running scripts/setup.sh" >&2
  "$root/scripts/setup.sh"
  command -v dockerd >/dev/null || die "dockerd is still missing after scripts/setup.sh; install docker.io with apt-get"
}

start_watcher() {
  # Its own session, so that it outlives the caller. It exits quietly once the daemon
  # is gone, so a daemon stopped the normal way leaves no watcher behind for long.
  local daemon
  daemon=$(cat "$pid_file")
  # shellcheck disable=SC2016 # expanded by the inner shell from its arguments
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
    if kill -0 "$2" 2>/dev/null; then
      "$3" stop --dir "$4" --force >>"$4/watcher.log" 2>&1
    fi
  ' raictl-dockerd-watcher "$watch_pid" "$daemon" "$root/scripts/dockerd.sh" "$dir" \
    </dev/null >/dev/null 2>&1 &
}

start() {
  local pid
  ensure_installed

  if pid=$(daemon_pid) && ping_daemon; then
    echo "dockerd.sh: dockerd $pid already answers on $socket"
    return 0
  fi

  local launcher=()
  local bridge_args=()
  if [[ -n $netns ]]; then
    [[ -e /run/netns/$netns ]] || die "network namespace '$netns' does not exist; create it with ip netns add $netns"
    # nsenter only switches the network namespace. `ip netns exec` would also remount /sys,
    # which makes dockerd fail to find its cgroups.
    launcher=(nsenter "--net=/run/netns/$netns")
  else
    bridge_args=(--bridge=none)
  fi

  mkdir -p "$dir/data" "$exec_root"
  rm -f "$socket" "$pid_file"

  setsid "${launcher[@]}" dockerd \
    --data-root "$dir/data" \
    --exec-root "$exec_root" \
    --host "unix://$socket" \
    --pidfile "$pid_file" \
    --iptables="$iptables" \
    "${bridge_args[@]}" \
    </dev/null >"$log_file" 2>&1 &
  local launched=$!

  local deadline=$((SECONDS + 30))
  until ping_daemon; do
    if ! kill -0 "$launched" 2>/dev/null; then
      tail -n 20 "$log_file" >&2 || true
      die "dockerd exited during start; see $log_file"
    fi
    if (( SECONDS >= deadline )); then
      kill -TERM "$launched" 2>/dev/null || true
      tail -n 20 "$log_file" >&2 || true
      die "dockerd did not answer on $socket within 30 s; see $log_file"
    fi
    sleep 0.1
  done

  [[ -n $watch_pid ]] && start_watcher
  echo "dockerd.sh: dockerd $(cat "$pid_file") answers on $socket${netns:+ in network namespace $netns}"
}

remove_all_containers() {
  local ids
  ids=$(curl -sf --max-time 10 --unix-socket "$socket" 'http://docker/containers/json?all=1' |
    grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4) || return 0
  for id in $ids; do
    curl -sf --max-time 20 -X DELETE --unix-socket "$socket" \
      "http://docker/containers/$id?force=1&v=1" >/dev/null || true
  done
}

kill_leftover_shims() {
  # A SIGKILLed dockerd takes its containerd along, but each container's shim and the
  # container's processes survive. They name this daemon's containerd socket on their
  # command line, so they are found by that path.
  local address="$exec_root/containerd/containerd.sock"
  local proc pid cmdline child container_id
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline") || continue
    [[ $cmdline == *containerd-shim*"-address $address"* ]] || continue
    for child in $(pgrep -P "$pid" || true); do
      kill -KILL "$child" 2>/dev/null || true
    done
    kill -KILL "$pid" 2>/dev/null || true
    container_id=$(sed -n 's/.*-id \([0-9a-f]*\).*/\1/p' <<<"$cmdline")
    if [[ -n $container_id ]]; then
      sleep 0.2
      rmdir /sys/fs/cgroup/*/docker/"$container_id" 2>/dev/null || true
    fi
  done
}

unmount_leftovers() {
  local mount_point
  # Field 5 of mountinfo is the mount point; deepest first so parents unmount last.
  awk -v prefix="$dir/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo |
    sort -r | while read -r mount_point; do
      umount -l "$mount_point" 2>/dev/null || true
    done
}

stop() {
  local pid
  if pid=$(daemon_pid); then
    (( force )) && remove_all_containers
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + stop_timeout))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "dockerd.sh: dockerd $pid did not exit within ${stop_timeout} s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    echo "dockerd.sh: stopped dockerd $pid"
  else
    echo "dockerd.sh: no dockerd running for $dir"
  fi

  kill_leftover_shims
  unmount_leftovers
  rm -f "$pid_file" "$socket"
}

status() {
  local pid
  if pid=$(daemon_pid) && ping_daemon; then
    echo "$pid"
    return 0
  fi
  echo "dockerd.sh: no dockerd answers on $socket" >&2
  return 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  status) status ;;
esac
