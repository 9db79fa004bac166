#!/bin/bash
# Host-side vhost-user peer: dpdk-testpmd as the vhost-user CLIENT of QEMU's server sockets, or with
# QUR_TESTPMD_VHOST=server as the SERVER of QEMU's client sockets (it creates them; QEMU connects, and with
# reconnect=N on QEMU's chardev comes back after this testpmd restarts).
#   host-testpmd.sh start <name> <socket-path>...   start it (client: before QEMU or after; it reconnects every second)
#   host-testpmd.sh stop <name>                     stop it and remove everything start created; prints
#                                                   testpmd's closing forward statistics (RX-packets per port)
#   host-testpmd.sh status <name>                   exit 0 when running; prints pid and log path
#   host-testpmd.sh exec <name> <command>...        runs a command in the peer's network namespace (router only)
# Files live in $QUR_STATE_DIR/testpmd/<name>/ (pid, log). Environment: QUR_TESTPMD_LCORES (default "0,1",
# "0" on a 1-CPU host), QUR_TESTPMD_SOCKET_MEM (MiB, default 128), QUR_TESTPMD_FORWARD=0 (ports up, no
# forwarding, so it does not busy-poll a core), QUR_TESTPMD_START_TIMEOUT (s, default 30),
# QUR_TESTPMD_VHOST (client|server, default client), QUR_TESTPMD_FORWARD_MODE (default io; flowgen sends
# packets of its own and counts what comes back), QUR_TESTPMD_STATS_PERIOD (s: port statistics in the log),
# QUR_TESTPMD_EXTRA (more testpmd options, e.g. --txpkts=9000 --mbuf-size=10240 --max-pkt-len=9200 for jumbo).
# Router (an IPv4 hop between the guests, as CSIT's host VPP): QUR_TESTPMD_TAP_ADDRESSES="2.2.2.1/30,1.1.1.2/30",
# one address per socket, runs testpmd in its own network namespace qur-<name> with a net_tap port beside each
# vhost port (vdevs vhost0,tap0,vhost1,tap1,...: io forwarding pairs port 2i with 2i+1), puts address i on tap i
# there and turns on IPv4 forwarding in that namespace only: nothing is added to the host's own namespace.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: host-testpmd.sh start <name> <socket-path>... | stop <name> | status <name> | exec <name> <command>..."; }
[ $# -ge 2 ] || usage
action="$1"; name="$2"; shift 2
[[ "$name" =~ ^[A-Za-z0-9_-]{1,40}$ ]] || die "testpmd name '$name' must be 1-40 of [A-Za-z0-9_-]"

dir="$QUR_STATE_DIR/testpmd/$name"
pid_file="$dir/pid"
log_file="$dir/testpmd.log"
file_prefix="qur-$name"
runtime_dir="/var/run/dpdk/$file_prefix"
# The router's namespace; stop deletes it (and with it the tap interfaces, once testpmd has closed them).
netns="qur-$name"

running_pid() {
  [ -s "$pid_file" ] || return 1
  local pid; pid=$(cat "$pid_file")
  # Only a live dpdk-testpmd with our pid counts; a reused pid belongs to someone else.
  [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dpdk-testpmd ] || return 1
  echo "$pid"
}

start() {
  [ $# -ge 1 ] || usage
  local pid
  if pid=$(running_pid); then
    die "testpmd '$name' is already running (pid $pid); stop it first: host-testpmd.sh stop $name"
  fi
  local testpmd; testpmd="$(command -v dpdk-testpmd)" || die "dpdk-testpmd not found; run: bash scripts/testbed/setup.sh"
  mountpoint -q /dev/hugepages || die "/dev/hugepages is not mounted; run: bash scripts/testbed/setup.sh"
  local lcores="${QUR_TESTPMD_LCORES:-}"
  if [ -z "$lcores" ]; then
    if [ "$(nproc)" -ge 2 ]; then lcores=0,1; else lcores=0; fi
  fi
  local client
  case "${QUR_TESTPMD_VHOST:-client}" in client) client=1 ;; server) client=0 ;; *) die "QUR_TESTPMD_VHOST must be client or server" ;; esac
  local mode="${QUR_TESTPMD_FORWARD_MODE:-io}"
  [[ "$mode" =~ ^(io|mac|flowgen|rxonly|txonly)$ ]] || die "QUR_TESTPMD_FORWARD_MODE '$mode' must be io, mac, flowgen, rxonly or txonly"
  local taps=()
  if [ -n "${QUR_TESTPMD_TAP_ADDRESSES:-}" ]; then
    IFS=, read -r -a taps <<<"$QUR_TESTPMD_TAP_ADDRESSES"
    [ ${#taps[@]} -eq $# ] || die "QUR_TESTPMD_TAP_ADDRESSES has ${#taps[@]} address(es) for $# socket(s): one per socket"
    local address
    for address in "${taps[@]}"; do
      [[ "$address" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] || die "tap address '$address' must be IPv4 <a.b.c.d>/<len>"
    done
    command -v ip >/dev/null || die "ip (iproute2) not found; run: bash scripts/testbed/setup.sh"
    netns_exists "$netns" && die "network namespace $netns exists already (a peer '$name' not stopped?): host-testpmd.sh stop $name, or ip netns delete $netns"
  fi
  local vdevs=() i=0 sock
  for sock in "$@"; do
    case "$sock" in /*) ;; *) die "socket path '$sock' must be absolute" ;; esac
    case "$sock" in *,*) die "socket path '$sock' must not contain a comma (DPDK devargs separator)" ;; esac
    vdevs+=(--vdev "net_vhost$i,iface=$sock,client=$client,queues=1")
    [ ${#taps[@]} -gt 0 ] && vdevs+=(--vdev "net_tap$i,iface=$(tap_name "$i")")
    i=$((i + 1))
  done
  local fwd=(--forward-mode="$mode" --auto-start --nb-cores=1)
  [ "${QUR_TESTPMD_FORWARD:-1}" = 0 ] && fwd=(--forward-mode="$mode")
  [ "$lcores" = 0 ] && fwd=(--forward-mode="$mode")
  if [ -n "${QUR_TESTPMD_STATS_PERIOD:-}" ]; then
    [[ "$QUR_TESTPMD_STATS_PERIOD" =~ ^[1-9][0-9]*$ ]] || die "QUR_TESTPMD_STATS_PERIOD must be a number of seconds"
    fwd+=(--stats-period "$QUR_TESTPMD_STATS_PERIOD")
  fi
  local extra=()
  read -r -a extra <<<"${QUR_TESTPMD_EXTRA:-}"

  rm -rf "$dir" "$runtime_dir"; mkdir -p "$dir"
  # A server's sockets are its own: removed with it (DPDK unlinks them too, unless it is killed).
  [ "$client" = 0 ] && printf '%s\n' "$@" >"$dir/sockets"
  local in_netns=()
  if [ ${#taps[@]} -gt 0 ]; then
    ip netns add "$netns" || { cleanup_files; die "ip netns add $netns failed"; }
    echo "$netns" >"$dir/netns"
    in_netns=(ip netns exec "$netns")
  fi
  # --in-memory leaves no hugepage files behind; its own --file-prefix keeps instances apart;
  # --total-num-mbufs avoids the default ~340 MB pool. testpmd exits at EOF on stdin ("Press enter to exit"),
  # so stdin is a pipe from a sleep that lives as long as the process group. stdbuf: testpmd's stdout is a
  # file here, and without line buffering 'Press enter to exit' would sit in its stdio buffer.
  setsid ${in_netns[@]+"${in_netns[@]}"} bash -c 'echo $$ >"$1"; shift; exec "$@" < <(exec sleep infinity)' _ "$pid_file" \
    stdbuf -oL -eL "$testpmd" -l "$lcores" -n 1 --no-pci --in-memory --file-prefix="$file_prefix" \
    --socket-mem "${QUR_TESTPMD_SOCKET_MEM:-128}" --huge-dir /dev/hugepages "${vdevs[@]}" \
    -- "${fwd[@]}" --rxq=1 --txq=1 --total-num-mbufs=8192 --disable-link-check ${extra[@]+"${extra[@]}"} \
    >"$log_file" 2>&1 </dev/null &
  local deadline=$(( $(date +%s) + ${QUR_TESTPMD_START_TIMEOUT:-30} ))
  while :; do
    # With --stats-period testpmd prints statistics until SIGTERM instead of waiting for enter.
    if grep -qE 'Press enter to exit|^Port statistics ====' "$log_file" 2>/dev/null; then break; fi
    if [ -s "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -n 20 "$log_file" >&2
      cleanup_files
      die "dpdk-testpmd '$name' exited during start-up (log above)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 20 "$log_file" >&2
      stop_process
      cleanup_files
      die "dpdk-testpmd '$name' did not reach 'Press enter to exit' (or its first statistics) within ${QUR_TESTPMD_START_TIMEOUT:-30} s (log above)"
    fi
    sleep 0.1
  done
  if [ ${#taps[@]} -gt 0 ]; then
    if ! set_up_router "${taps[@]}"; then
      tail -n 20 "$log_file" >&2
      stop_process
      cleanup_files
      die "the router namespace $netns of testpmd '$name' could not be set up (above)"
    fi
  fi
  echo "testpmd '$name' running: pid $(cat "$pid_file"), log $log_file"
}

tap_name() { echo "qurtap$1"; }
netns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$1"; }

# Checks testpmd's port order (vhost ports even, taps odd, so io forwarding pairs vhost i with tap i: testpmd
# prints "Port <n>: <MAC>" per port, net_vhost's MACs being 56:48:4F:53:54:<i>), then gives tap i its address.
set_up_router() {
  local taps=("$@") i port
  local macs; macs="$(grep -oE '^Port [0-9]+: ([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}' "$log_file" || true)"
  for i in "${!taps[@]}"; do
    port=$((2 * i))
    grep -qiE "^Port $port: 56:48:4F:53:54:" <<<"$macs" || { echo "testpmd port $port is not vhost port $i (ports: ${macs//$'\n'/; })" >&2; return 1; }
    grep -qE "^Port $((port + 1)): " <<<"$macs" && ! grep -qiE "^Port $((port + 1)): 56:48:4F:53:54:" <<<"$macs" \
      || { echo "testpmd port $((port + 1)) is not tap port $i (ports: ${macs//$'\n'/; })" >&2; return 1; }
  done
  ip netns exec "$netns" ip link set dev lo up || return 1
  for i in "${!taps[@]}"; do
    ip netns exec "$netns" ip address add "${taps[$i]}" dev "$(tap_name "$i")" || return 1
    ip netns exec "$netns" ip link set dev "$(tap_name "$i")" up || return 1
  done
  ip netns exec "$netns" sysctl -q -w net.ipv4.ip_forward=1 || return 1
  echo "router namespace $netns: $(ip netns exec "$netns" ip -brief address show | awk '$1 != "lo" {print $1, $3}' | paste -sd, -), ip_forward on"
}

stop_process() {
  [ -s "$pid_file" ] || return 0
  local pid; pid=$(cat "$pid_file")
  # The pid is also the process group (setsid): SIGTERM lets testpmd close its ports ("Bye..."),
  # then whatever is left of the group (the stdin sleep) is killed.
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && die "dpdk-testpmd '$name' (pid $pid) survived SIGKILL"
  return 0
}

cleanup_files() {
  if [ -s "$dir/sockets" ]; then
    local sock
    while IFS= read -r sock; do rm -f -- "$sock"; done <"$dir/sockets"
  fi
  if [ -s "$dir/netns" ]; then
    # The taps went with testpmd (they are not persistent); deleting the namespace takes anything else in it.
    ip netns delete "$(cat "$dir/netns")" 2>/dev/null || true
    netns_exists "$(cat "$dir/netns")" && die "network namespace $(cat "$dir/netns") survived ip netns delete"
  fi
  rm -rf "$runtime_dir" "$dir"
  rmdir "$QUR_STATE_DIR/testpmd" 2>/dev/null || true
}

stop() {
  if [ ! -d "$dir" ]; then
    echo "testpmd '$name' is not running"
    return 0
  fi
  stop_process
  # testpmd prints its forward statistics when it ends; they go before the log does.
  if [ -f "$log_file" ]; then
    sed -n '/Forward statistics for port/,/Done\./p' "$log_file"
  fi
  cleanup_files
  echo "testpmd '$name' stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "testpmd '$name' running: pid $pid, log $log_file"
  else
    echo "testpmd '$name' not running"
    return 1
  fi
}

in_router() {
  [ $# -ge 1 ] || usage
  running_pid >/dev/null || die "testpmd '$name' is not running"
  [ -s "$dir/netns" ] || die "testpmd '$name' is no router (started without QUR_TESTPMD_TAP_ADDRESSES): it has no namespace"
  exec ip netns exec "$(cat "$dir/netns")" "$@"
}

case "$action" in
  start) start "$@" ;;
  exec) in_router "$@" ;;
  stop) [ $# -eq 0 ] || usage; stop ;;
  status) [ $# -eq 0 ] || usage; status ;;
  *) usage ;;
esac
