#!/usr/bin/env bash
# Simulates a cluster of N hosts on this machine: one network namespace, one private dockerd
# and one raictl-node per host, joined by an underlay bridge, plus one redis-server and one
# raictl-controller in the root namespace.
#
#   scripts/cluster.sh up [--nodes N] [--build DIR] [--vni VNI] [--vxlan-port PORT]
#                         [--node-flags host-I="FLAGS"]... [--controller-flags "FLAGS"]
#   scripts/cluster.sh configure-node host-I [FLAGS...]
#   scripts/cluster.sh status
#   scripts/cluster.sh env
#   scripts/cluster.sh stop-node host-I
#   scripts/cluster.sh start-node host-I
#   scripts/cluster.sh disconnect-node host-I
#   scripts/cluster.sh reconnect-node host-I
#   scripts/cluster.sh remove-node host-I
#   scripts/cluster.sh down
#
# up           starts whatever of the cluster is not running yet, so running it again is
#              harmless and `up --nodes 4` on a 3-host cluster adds host-4. N is 1 to 8
#              (default 3); a smaller N than the cluster has removes nothing. DIR is the CMake
#              build directory with the three binaries (default: build/ in the repository);
#              it is remembered for start-node. VNI (default 4242) and PORT (default 4789)
#              are the VXLAN settings passed to every raictl-node. --node-flags stores extra
#              raictl-node flags for one host, as configure-node does. Repeat it for several
#              hosts. The FLAGS string is split at spaces, so no value may contain one.
#              --controller-flags stores extra raictl-controller flags the same way. Stored
#              flags apply from the next start of the program, not to one that is running.
# configure-node
#              stores FLAGS for host-I's raictl-node, one argument each, and passes them to
#              every later start of that host: up, start-node, and `up --nodes I` for a host
#              that does not exist yet. No FLAGS clears them. Hosts differ this way, for
#              example `configure-node host-1 --memory 1Gi --label disk=hdd`. The flags the
#              script sets itself (--name, --redis, --docker-socket, --address, --vni,
#              --vxlan-port) are rejected.
# status       prints one line per host (NAME NETNS UNDERLAY-ADDRESS DOCKER-SOCKET NODE
#              DOCKERD FLAGS) and one line each for redis-server and raictl-controller, with
#              their pids.
# env          prints the export line that points raictl at the cluster's Redis.
# stop-node    simulates a host failure: SIGKILL to the host's raictl-node, so it writes no
#              final status, then a normal stop of its dockerd, which stops the containers
#              but keeps them (this takes up to about 15 s, because dockerd waits for
#              containers that ignore SIGTERM). start-node later finds them as leftovers.
# start-node   starts the host's dockerd and raictl-node again.
# disconnect-node
#              simulates a network partition: sets the bridge side of the host's veth down,
#              so the host reaches neither Redis nor the other hosts, while its raictl-node,
#              dockerd and containers keep running. Unlike stop-node, the host's old copies
#              stay alive next to the copies that replace them elsewhere.
# reconnect-node
#              sets that veth up again, ending the partition (up and start-node do too).
# remove-node  stops the host, removes it from the cluster with `raictl delete node` (when
#              this raictl has it), then deletes its namespace, veth, state and stored
#              flags. A host that still has containers assigned is left running and
#              unchanged: delete its containers first, then retry.
# down         stops everything by the pids in the state directory, deletes the namespaces,
#              veths, bridge, firewall rule and the state directory. Safe to run twice.
#
# Timings: the simulation is faster than the programs' defaults, so that a host failure
# shows within seconds. Every raictl-node gets --heartbeat-interval 1 and the controller
# gets --heartbeat-interval 1 --node-grace 5 (the controller rejects a grace under three
# heartbeat intervals). A flag given in a host's or the controller's stored flags replaces
# the default of the same name. A build whose programs do not list a flag in --help is not
# given it.
#
# Layout: the underlay is the bridge rcl-br0 (10.210.0.1/24) in the root namespace. Host I
# is the namespace rcl-host-I with eth0 = 10.210.0.(10+I)/24, whose veth peer rcl-hI is a
# port of the bridge; it has no default route, so it reaches only the underlay. Redis
# listens on 10.210.0.1:6390 for the nodes and on STATE/redis.sock for raictl and the
# controller. The cluster's controller uses the consumer name `cluster`. A standby
# controller can be started by hand with `raictl-controller --redis unix://STATE/redis.sock
# --consumer standby --heartbeat-interval 1 --node-grace 5` and a log file of its own, and
# stopped by its pid. State lives in STATE=/tmp/raictl-cluster (RAICTL_CLUSTER_DIR overrides
# it; keep it short, because unix socket paths are limited to 108 bytes): cluster.conf,
# redis.*, controller.{pid,log,flags}, node-flags/host-I and host-I/ with the host's
# node.{pid,log} and docker/. Run as root.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${RAICTL_CLUSTER_DIR:-/tmp/raictl-cluster}
bridge=rcl-br0
underlay_prefix=10.210.0
redis_port=6390
max_nodes=8
# raictl-node derives the overlay MTU from the MTU of eth0 minus the 50 bytes of VXLAN
# headers, so containers get 1450 here.
underlay_mtu=1500

usage() {
  # The header comment, from line 2 to the first line that is not a comment.
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
}

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

note() {
  echo "cluster.sh: $*"
}

# ---------------------------------------------------------------------------------------
# Names and the remembered configuration

host_netns() { echo "rcl-host-$1"; }
host_veth() { echo "rcl-h$1"; }
host_address() { echo "$underlay_prefix.$((10 + $1))"; }
host_dir() { echo "$state/host-$1"; }
host_socket() { echo "$(host_dir "$1")/docker/docker.sock"; }
redis_url() { echo "unix://$state/redis.sock"; }

# Prints the index I of a host name host-I, or fails with a message naming the value.
host_index() {
  local name=$1
  [[ $name =~ ^host-([1-8])$ ]] ||
    die "invalid host name '$name': expected host-1 to host-$max_nodes"
  echo "${BASH_REMATCH[1]}"
}

# Prints the indexes of the hosts that have a state directory, in numeric order.
known_hosts() {
  local dir
  for dir in "$state"/host-[1-8]; do
    [[ -d $dir ]] && echo "${dir##*/host-}"
  done | sort -n
}

config_get() {
  local key=$1 fallback=$2 line
  if [[ -f $state/cluster.conf ]]; then
    while IFS= read -r line; do
      if [[ $line == "$key="* ]]; then
        echo "${line#*=}"
        return 0
      fi
    done <"$state/cluster.conf"
  fi
  echo "$fallback"
}

config_save() {
  printf 'build=%s\nvni=%s\nvxlan_port=%s\n' "$build" "$vni" "$vxlan_port" \
    >"$state/cluster.conf"
}

# Stored flags are files with one argument a line, so a value is never split again.
node_flags_file() { echo "$state/node-flags/host-$1"; }
controller_flags_file() { echo "$state/controller.flags"; }

stored_flags() {
  if [[ -f $1 ]]; then
    cat "$1"
  fi
}

# Writes the arguments after FILE into FILE, or removes FILE when there are none.
store_flags() {
  local file=$1
  shift
  if [[ $# -eq 0 ]]; then
    rm -f "$file"
    return 0
  fi
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$@" >"$file"
}

# Succeeds when one of the arguments after FLAG is FLAG, alone or as FLAG=VALUE.
has_flag() {
  local flag=$1 arg
  shift
  for arg in "$@"; do
    [[ $arg == "$flag" || $arg == "$flag="* ]] && return 0
  done
  return 1
}

# Fails naming the first of the RESERVED flags (a space-separated list) that the arguments
# after WHAT and RESERVED set, because the script itself sets them.
reject_reserved_flags() {
  local what=$1 reserved=$2 flag
  shift 2
  for flag in $reserved; do
    if has_flag "$flag" "$@"; then
      die "$what: $flag is set by cluster.sh itself and cannot be overridden; remove it from the flags"
    fi
  done
}

reject_reserved_node_flags() {
  reject_reserved_flags "$1" "--name --redis --docker-socket --address --vni --vxlan-port" "${@:2}"
}

reject_reserved_controller_flags() {
  reject_reserved_flags "$1" "--redis --consumer" "${@:2}"
}

# Prints FLAG and VALUE, one a line, unless the program's HELP text does not list FLAG or
# the arguments after VALUE already set it. Lets one script drive older builds.
default_flag() {
  local help=$1 flag=$2 value=$3
  shift 3
  [[ $help == *"$flag"* ]] || return 0
  has_flag "$flag" "$@" && return 0
  printf '%s\n' "$flag" "$value"
}

# ---------------------------------------------------------------------------------------
# Processes, always addressed by the pid files in the state directory

# Prints the pid in FILE when that process is alive and its command line contains PROGRAM,
# so a pid that the kernel reused for something else is never signalled.
running_pid() {
  local file=$1 program=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == *"$program"* ]] || return 1
  echo "$pid"
}

# Sends SIGNAL to the process in FILE, waits up to 10 s for it to exit, then SIGKILLs it.
stop_pid() {
  local file=$1 program=$2 signal=${3:-TERM} pid
  if pid=$(running_pid "$file" "$program"); then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      note "$program $pid did not exit within 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    note "stopped $program $pid"
  fi
  rm -f "$file"
}

# Starts a command in its own session with output appended to LOG and records its pid.
# setsid and nsenter both exec, so $! is the program's own pid.
start_daemon() {
  local pid_file=$1 log=$2 program=$3
  shift 3
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$pid_file"

  sleep 0.5
  if ! running_pid "$pid_file" "$program" >/dev/null; then
    tail -n 20 "$log" >&2 || true
    die "$program exited right after start; see $log"
  fi
}

# ---------------------------------------------------------------------------------------
# Underlay network

ensure_bridge() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" mtu "$underlay_mtu" type bridge
  fi
  ip addr replace "$underlay_prefix.1/24" dev "$bridge"
  ip link set "$bridge" up
}

ensure_host_network() {
  local i=$1 netns veth
  netns=$(host_netns "$i")
  veth=$(host_veth "$i")

  [[ -e /run/netns/$netns ]] || ip netns add "$netns"
  if ! ip link show "$veth" >/dev/null 2>&1; then
    # The peer is created directly inside the namespace, so its name cannot collide with
    # the root namespace's own eth0.
    ip link add "$veth" mtu "$underlay_mtu" type veth peer name eth0 mtu "$underlay_mtu" \
      netns "$netns"
  fi
  ip link set "$veth" master "$bridge" up
  ip -n "$netns" link set lo up
  ip -n "$netns" addr replace "$(host_address "$i")/24" dev eth0
  ip -n "$netns" link set eth0 up
}

delete_host_network() {
  local i=$1 netns veth
  netns=$(host_netns "$i")
  veth=$(host_veth "$i")
  # Deleting one end of a veth pair deletes both, and so does deleting the namespace.
  if ip link show "$veth" >/dev/null 2>&1; then
    ip link del "$veth"
  fi
  if [[ -e /run/netns/$netns ]]; then
    ip netns del "$netns"
  fi
}

# Bridged frames reach iptables only when br_netfilter is loaded and
# net.bridge.bridge-nf-call-iptables is 1; they then traverse the root namespace's FORWARD
# chain with the bridge as both input and output device. A dockerd in the root namespace sets
# FORWARD's policy to DROP, which would cut the hosts apart. One ACCEPT rule for rcl-br0
# lets them through without touching the global sysctl.
open_firewall() {
  if [[ -f $state/firewall ]]; then
    return 0
  fi
  if ! command -v iptables >/dev/null; then
    note "iptables is not installed; leaving the firewall alone"
    return 0
  fi

  local call_iptables=0 rules
  if [[ -r /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    call_iptables=$(</proc/sys/net/bridge/bridge-nf-call-iptables)
  fi
  if ! rules=$(iptables -S FORWARD 2>&1); then
    die "iptables -S FORWARD failed: $rules"
  fi

  local policy
  policy=$(awk '$1 == "-P" { print $3 }' <<<"$rules")
  local blocking=false
  if [[ $policy != ACCEPT ]]; then
    blocking=true
  elif ((call_iptables)) && grep -Eq -- '-j (DROP|REJECT)' <<<"$rules"; then
    blocking=true
  fi
  if ! $blocking; then
    return 0
  fi

  # NOTE: iptables-nft 1.8.9 reports a missing chain as "incompatible", so the chain's
  # existence is read from the full rule listing instead of from `iptables -S CHAIN`.
  local chain=FORWARD
  if iptables -S | grep -qx -- '-N DOCKER-USER'; then
    chain=DOCKER-USER
  fi
  local rule=(-i "$bridge" -o "$bridge" -j ACCEPT)
  if ! iptables -C "$chain" "${rule[@]}" 2>/dev/null; then
    iptables -I "$chain" "${rule[@]}"
    echo "$chain" >"$state/firewall"
    note "FORWARD drops by default (policy $policy); added to $chain: ${rule[*]}"
  fi
}

close_firewall() {
  [[ -f $state/firewall ]] || return 0
  local chain
  chain=$(<"$state/firewall")
  while iptables -C "$chain" -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null; do
    iptables -D "$chain" -i "$bridge" -o "$bridge" -j ACCEPT
    note "removed the ACCEPT rule for $bridge from $chain"
  done
  rm -f "$state/firewall"
}

# ---------------------------------------------------------------------------------------
# Cluster services in the root namespace

start_redis() {
  if running_pid "$state/redis.pid" redis-server >/dev/null; then
    return 0
  fi
  # Redis binds to the bridge address only, so only the simulated hosts and this machine
  # reach it. Protected mode is off because without a password it rejects every client
  # that is not on loopback, which the hosts never are.
  redis-server --bind "$underlay_prefix.1" --port "$redis_port" --protected-mode no \
    --unixsocket "$state/redis.sock" --unixsocketperm 700 \
    --dir "$state" --appendonly yes --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$state/redis.pid" --logfile "$state/redis.log"

  for _ in $(seq 100); do
    if redis-cli -s "$state/redis.sock" ping 2>/dev/null | grep -q PONG; then
      note "redis-server $(<"$state/redis.pid") answers on $underlay_prefix.1:$redis_port and $state/redis.sock"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$state/redis.log" >&2 || true
  die "redis-server did not respond to PING on $state/redis.sock within 10 s; see $state/redis.log"
}

# Prints the simulation's controller timings, minus those the stored flags in the
# arguments replace.
controller_default_flags() {
  local help
  help=$("$build/controller/raictl-controller" --help 2>&1 || true)
  default_flag "$help" --heartbeat-interval 1 "$@"
  default_flag "$help" --node-grace 5 "$@"
}

start_controller() {
  if running_pid "$state/controller.pid" raictl-controller >/dev/null; then
    return 0
  fi
  local extra=() defaults=()
  mapfile -t extra < <(stored_flags "$(controller_flags_file)")
  mapfile -t defaults < <(controller_default_flags "${extra[@]}")
  # A fixed consumer name lets a restarted controller take over the entries its
  # predecessor left unacknowledged.
  start_daemon "$state/controller.pid" "$state/controller.log" raictl-controller \
    "$build/controller/raictl-controller" --redis "$(redis_url)" --consumer cluster \
    "${defaults[@]}" "${extra[@]}"
  note "raictl-controller $(<"$state/controller.pid") started with ${defaults[*]} ${extra[*]}; log $state/controller.log"
}

# ---------------------------------------------------------------------------------------
# Hosts

# Prints the overlay flags and the simulation's heartbeat interval, each only when this
# raictl-node build accepts it, so the script works with builds from before the overlay
# existed. A heartbeat interval among the host's stored flags (the arguments) wins.
node_default_flags() {
  local help
  help=$("$build/reconciler/raictl-node" --help 2>&1 || true)
  default_flag "$help" --vni "$vni"
  default_flag "$help" --vxlan-port "$vxlan_port"
  default_flag "$help" --heartbeat-interval 1 "$@"
}

start_dockerd() {
  local i=$1
  if "$root/scripts/dockerd.sh" status --dir "$(host_dir "$i")/docker" >/dev/null 2>&1; then
    return 0
  fi
  "$root/scripts/dockerd.sh" start --dir "$(host_dir "$i")/docker" --netns "$(host_netns "$i")"
}

start_node() {
  local i=$1 dir zone
  dir=$(host_dir "$i")
  if running_pid "$dir/node.pid" raictl-node >/dev/null; then
    return 0
  fi
  zone=$([[ $((i % 2)) -eq 1 ]] && echo a || echo b)

  local extra=() defaults=()
  mapfile -t extra < <(stored_flags "$(node_flags_file "$i")")
  mapfile -t defaults < <(node_default_flags "${extra[@]}")
  # The stored flags come last, so a host's own --label zone=... replaces the default zone.
  start_daemon "$dir/node.pid" "$dir/node.log" raictl-node \
    nsenter "--net=/run/netns/$(host_netns "$i")" "$build/reconciler/raictl-node" \
    --name "host-$i" --redis "redis://$underlay_prefix.1:$redis_port/0" \
    --docker-socket "$(host_socket "$i")" --address "$(host_address "$i")" \
    --label "zone=$zone" "${defaults[@]}" "${extra[@]}"
  note "raictl-node host-$i $(<"$dir/node.pid") started in $(host_netns "$i") with ${extra[*]:-no extra flags}; log $dir/node.log"
}

start_host() {
  local i=$1
  mkdir -p "$(host_dir "$i")"
  ensure_host_network "$i"
  start_dockerd "$i"
  "$root/scripts/make-image.sh" --socket "$(host_socket "$i")"
  start_node "$i"
}

# Stops the host's raictl-node with SIGNAL, then its dockerd. With FORCE=--force, dockerd.sh
# also removes the containers instead of leaving them stopped.
stop_host() {
  local i=$1 signal=$2 force=${3:-} dir
  dir=$(host_dir "$i")
  stop_pid "$dir/node.pid" raictl-node "$signal"
  if [[ -d $dir/docker ]]; then
    "$root/scripts/dockerd.sh" stop --dir "$dir/docker" ${force:+"$force"} --timeout 30 || true
  fi
}

wait_until_ready() {
  local raictl=$build/raictl/raictl i missing
  for _ in $(seq 60); do
    missing=0
    for i in "$@"; do
      RAICTL_REDIS=$(redis_url) "$raictl" get nodes 2>/dev/null |
        grep -Eq "^host-$i +Ready" || missing=1
    done
    ((missing)) || return 0
    sleep 0.5
  done
  note "not every host is Ready after 30 s; see $state/host-*/node.log"
}

# ---------------------------------------------------------------------------------------
# Commands

require_root() {
  [[ $(id -u) -eq 0 ]] ||
    die "run as root: the cluster creates network namespaces, a bridge and dockerd instances"
}

require_build() {
  local binary
  for binary in raictl/raictl controller/raictl-controller reconciler/raictl-node; do
    [[ -x $build/$binary ]] ||
      die "missing $build/$binary; build it with cmake --build $build --target raictl raictl-controller raictl-node, or pass --build DIR"
  done
}

# Checks every `--node-flags host-I=FLAGS` value, then stores the flags of each host.
# Nothing is stored when one value is invalid.
store_node_flag_specs() {
  local spec i args=()
  for spec in "$@"; do
    [[ $spec == host-*=* ]] ||
      die "invalid --node-flags '$spec': expected host-I=\"FLAGS\", for example host-1=\"--memory 1Gi\""
    i=$(host_index "${spec%%=*}")
    read -ra args <<<"${spec#*=}"
    reject_reserved_node_flags "--node-flags $spec" "${args[@]}"
  done
  for spec in "$@"; do
    i=$(host_index "${spec%%=*}")
    read -ra args <<<"${spec#*=}"
    store_flags "$(node_flags_file "$i")" "${args[@]}"
    if running_pid "$(host_dir "$i")/node.pid" raictl-node >/dev/null; then
      note "host-$i is running: its new flags apply after stop-node host-$i and start-node host-$i"
    fi
  done
}

store_controller_flags() {
  local args=()
  read -ra args <<<"$1"
  reject_reserved_controller_flags "--controller-flags" "${args[@]}"
  store_flags "$(controller_flags_file)" "${args[@]}"
  if running_pid "$state/controller.pid" raictl-controller >/dev/null; then
    note "raictl-controller is running: its new flags apply from its next start"
  fi
}

cmd_up() {
  local nodes=3 node_flag_specs=() controller_flags="" controller_flags_given=0
  build=""
  vni=""
  vxlan_port=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --nodes) nodes=${2:-}; shift 2 ;;
      --build) build=${2:-}; shift 2 ;;
      --vni) vni=${2:-}; shift 2 ;;
      --vxlan-port) vxlan_port=${2:-}; shift 2 ;;
      --node-flags) node_flag_specs+=("${2:-}"); shift 2 ;;
      --controller-flags) controller_flags=${2:-}; controller_flags_given=1; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' for up; see scripts/cluster.sh --help" ;;
    esac
  done
  [[ $nodes =~ ^[1-8]$ ]] || die "invalid --nodes '$nodes': expected a number from 1 to $max_nodes"

  build=${build:-$(config_get build "$root/build")}
  build=$(cd "$build" 2>/dev/null && pwd) || die "build directory '$build' does not exist; pass --build DIR"
  vni=${vni:-$(config_get vni 4242)}
  vxlan_port=${vxlan_port:-$(config_get vxlan_port 4789)}
  require_build

  local socket_path="$state/redis.sock"
  ((${#socket_path} < 108)) ||
    die "state directory '$state' is too long for unix sockets (108 bytes); set a shorter RAICTL_CLUSTER_DIR"

  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  config_save
  store_node_flag_specs "${node_flag_specs[@]}"
  if ((controller_flags_given)); then
    store_controller_flags "$controller_flags"
  fi

  ensure_bridge
  open_firewall
  start_redis
  start_controller

  local i hosts=()
  for i in $(seq "$nodes"); do
    start_host "$i"
    hosts+=("$i")
  done
  wait_until_ready "${hosts[@]}"

  RAICTL_REDIS=$(redis_url) "$build/raictl/raictl" get nodes || true
  cmd_env
}

cmd_status() {
  local i dir node dockerd pid flags
  printf '%-8s %-12s %-16s %-48s %-8s %-8s %s\n' NAME NETNS UNDERLAY-ADDRESS DOCKER-SOCKET NODE \
    DOCKERD FLAGS
  for i in $(known_hosts); do
    dir=$(host_dir "$i")
    node=stopped
    running_pid "$dir/node.pid" raictl-node >/dev/null && node=running
    dockerd=stopped
    "$root/scripts/dockerd.sh" status --dir "$dir/docker" >/dev/null 2>&1 && dockerd=running
    flags=$(stored_flags "$(node_flags_file "$i")" | paste -sd ' ')
    printf '%-8s %-12s %-16s %-48s %-8s %-8s %s\n' "host-$i" "$(host_netns "$i")" \
      "$(host_address "$i")" "$(host_socket "$i")" "$node" "$dockerd" "${flags:--}"
  done

  if pid=$(running_pid "$state/redis.pid" redis-server); then
    echo "redis-server running (pid $pid) on $underlay_prefix.1:$redis_port and $state/redis.sock"
  else
    echo "redis-server stopped"
  fi
  if pid=$(running_pid "$state/controller.pid" raictl-controller); then
    flags=$(stored_flags "$(controller_flags_file)" | paste -sd ' ')
    echo "raictl-controller running (pid $pid), log $state/controller.log, extra flags: ${flags:-none}"
  else
    echo "raictl-controller stopped"
  fi
}

cmd_env() {
  echo "export RAICTL_REDIS=$(redis_url)"
}

cmd_stop_node() {
  local i
  i=$(host_index "${1:-}")
  [[ -d $(host_dir "$i") ]] || die "host-$i is not part of the cluster; see scripts/cluster.sh status"
  # SIGKILL gives the node no chance to write a final status. dockerd stops its containers
  # but keeps them on disk, as after a host crash, for start-node to find.
  stop_host "$i" KILL
}

cmd_configure_node() {
  local i
  i=$(host_index "${1:-}")
  shift
  reject_reserved_node_flags "configure-node host-$i" "$@"
  mkdir -p "$state"
  store_flags "$(node_flags_file "$i")" "$@"
  if [[ $# -eq 0 ]]; then
    note "host-$i: stored flags cleared"
  else
    note "host-$i: raictl-node flags stored: $*"
  fi
  if running_pid "$(host_dir "$i")/node.pid" raictl-node >/dev/null; then
    note "host-$i is running: the flags apply after stop-node host-$i and start-node host-$i"
  fi
}

cmd_start_node() {
  local i
  i=$(host_index "${1:-}")
  [[ -d $(host_dir "$i") ]] || die "host-$i is not part of the cluster; add it with scripts/cluster.sh up --nodes $i"
  build=$(config_get build "$root/build")
  vni=$(config_get vni 4242)
  vxlan_port=$(config_get vxlan_port 4789)
  require_build
  running_pid "$state/redis.pid" redis-server >/dev/null ||
    die "redis-server is not running; start the cluster with scripts/cluster.sh up"
  start_host "$i"
  wait_until_ready "$i"
}

# Sets host-I's underlay link STATE (up or down) on the bridge side, so that nothing inside
# the namespace changes.
set_host_link() {
  local i link_state=$2
  i=$(host_index "${1:-}")
  [[ -d $(host_dir "$i") ]] || die "host-$i is not part of the cluster; see scripts/cluster.sh status"
  ip link show "$(host_veth "$i")" >/dev/null 2>&1 ||
    die "host-$i has no veth $(host_veth "$i"); start it with scripts/cluster.sh start-node host-$i"
  ip link set "$(host_veth "$i")" "$link_state"
  note "host-$i underlay link $(host_veth "$i") $link_state"
}

cmd_remove_node() {
  local i raictl
  i=$(host_index "${1:-}")
  [[ -d $(host_dir "$i") ]] || die "host-$i is not part of the cluster; see scripts/cluster.sh status"
  build=$(config_get build "$root/build")
  raictl=$build/raictl/raictl

  # Removing a host that still runs containers would orphan them, so nothing is stopped
  # while the host has assignments.
  local assigned
  assigned=$(RAICTL_REDIS=$(redis_url) "$raictl" get nodes 2>/dev/null |
    awk -v name="host-$i" '$1 == name { print $4 }')
  if [[ -n $assigned && $assigned != 0 ]]; then
    die "host-$i still has $assigned container(s) assigned; delete them with raictl delete container NAME --wait, then retry remove-node"
  fi

  # The node goes first, so it cannot write its record or heartbeat again after the delete.
  stop_pid "$(host_dir "$i")/node.pid" raictl-node TERM

  if "$raictl" delete --help 2>&1 | grep -q node; then
    local output
    if ! output=$(RAICTL_REDIS=$(redis_url) "$raictl" delete node "host-$i" 2>&1); then
      echo "$output" >&2
      if [[ $output != *"not found"* ]]; then
        # A container was assigned after the check above: put the host back as it was.
        vni=$(config_get vni 4242)
        vxlan_port=$(config_get vxlan_port 4789)
        start_node "$i"
        die "raictl delete node host-$i failed, so host-$i stays in the cluster; fix the error above and retry remove-node"
      fi
    else
      echo "$output"
    fi
  else
    note "this raictl has no 'delete node'; the host's record stays in Redis and shows NotReady"
  fi

  stop_host "$i" TERM --force
  delete_host_network "$i"
  rm -rf "$(host_dir "$i")"
  rm -f "$(node_flags_file "$i")"
  note "host-$i removed"
}

cmd_down() {
  local i
  # Each dockerd takes a few seconds to shut down, mostly waiting, so the hosts stop in
  # parallel.
  for i in $(known_hosts); do
    stop_host "$i" TERM --force &
  done
  wait
  stop_pid "$state/controller.pid" raictl-controller
  stop_pid "$state/redis.pid" redis-server

  # The namespaces and veths carry fixed names of this script, so they go even when the
  # state directory is already gone.
  for i in $(seq "$max_nodes"); do
    delete_host_network "$i"
  done
  if ip link show "$bridge" >/dev/null 2>&1; then
    ip link del "$bridge"
  fi
  close_firewall

  rm -rf "$state"
  note "cluster stopped; state removed from $state"
}

command=${1:-}
[[ $# -gt 0 ]] && shift
case "$command" in
  up) require_root; cmd_up "$@" ;;
  configure-node) cmd_configure_node "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  stop-node) require_root; cmd_stop_node "$@" ;;
  start-node) require_root; cmd_start_node "$@" ;;
  disconnect-node) require_root; set_host_link "${1:-}" down ;;
  reconnect-node) require_root; set_host_link "${1:-}" up ;;
  remove-node) require_root; cmd_remove_node "$@" ;;
  down) require_root; cmd_down ;;
  -h|--help|help) usage ;;
  *) usage >&2; die "unknown command '$command'; expected up, configure-node, status, env, stop-node, start-node, disconnect-node, reconnect-node, remove-node or down" ;;
esac
