#!/bin/sh
# /start-testpmd.sh and /stop-testpmd.sh of the nestedvm image (one script, chosen by its name), after
# CSIT's nested image (disk-image-builder/nested/image-patches/06-dpdk-support, 2019): CSIT's DpdkUtil runs
# `sudo /start-testpmd.sh <EAL options> -- <testpmd options>` and `sudo /stop-testpmd.sh` over SSH.
# Differences, for the DPDK 22.11 the image carries: options 22.11 no longer has are mapped or dropped
# (--master-lcore is --main-lcore; --txqflags and --disable-hw-vlan are gone), the NICs go to the built-in
# uio_pci_generic (CSIT: igb_uio), --disable-link-check and (unless given) --total-num-mbufs=16384 are
# added, huge pages are half the guest's memory (CSIT: 512), testpmd is unpacked from the disk's second
# partition on first use, its stdout is line-buffered (stdbuf), and the start waits until testpmd forwards
# (or fails with its log) instead of returning at once.
TESTPMD_LOG=/tmp/testpmd.log
TESTPMD_PID=/tmp/testpmd.pid
START_TIMEOUT=${QUR_TESTPMD_START_TIMEOUT:-300}

stop() {
  if [ ! -f "$TESTPMD_PID" ]; then
    echo Testpmd is not running. >&2
    exit 1
  fi
  pid=$(cat "$TESTPMD_PID")
  # SIGTERM: testpmd stops forwarding and prints each port's statistics before it exits.
  kill "$pid" 2>/dev/null
  deadline=$(( $(date +%s) + 30 ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$TESTPMD_PID"
  cat "$TESTPMD_LOG"
}

unpack() {
  [ -x /usr/bin/dpdk-testpmd ] && return 0
  size=$(cat /etc/qur-dpdk.size) || return 1
  [ -b /dev/vda2 ] || { echo "no /dev/vda2 (the image's DPDK partition): $(ls /dev/vd* 2>&1)" >&2; return 1; }
  head -c "$size" /dev/vda2 | gunzip | (cd / && cpio -idm 2>/dev/null) || { echo "unpacking DPDK from /dev/vda2 failed" >&2; return 1; }
}

bind_nics() {
  for dev in /sys/bus/pci/devices/*; do
    read -r vendor < "$dev/vendor"
    read -r device < "$dev/device"
    [ "$vendor" = 0x1af4 ] || continue
    case "$device" in 0x1000 | 0x1041) ;; *) continue ;; esac
    addr=${dev##*/}
    [ "$(readlink "$dev/driver")" = ../../../bus/pci/drivers/uio_pci_generic ] && continue
    echo uio_pci_generic > "$dev/driver_override"
    if [ -e "$dev/driver" ]; then echo "$addr" > "$dev/driver/unbind"; fi
    echo "$addr" > /sys/bus/pci/drivers_probe
  done
}

start() {
  if [ -f "$TESTPMD_PID" ]; then
    echo Testpmd is already running. Please stop running instance first. >&2
    echo Delete PID file ${TESTPMD_PID} if you are sure this is a stale PID file. >&2
    exit 1
  fi
  unpack || exit 1
  mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
  echo $((mem_kb / 2 / 2048)) > /proc/sys/vm/nr_hugepages
  mkdir -p /mnt/huge
  grep -q ' /mnt/huge ' /proc/mounts || mount -t hugetlbfs -o pagesize=2M hugetlbfs /mnt/huge
  bind_nics
  # --disable-link-check: testpmd's wait for link up (90 x 100 ms of busy-waiting) never ended under TCG.
  args=
  for a in "$@"; do
    case "$a" in
      --master-lcore) a=--main-lcore ;;
      --txqflags=* | --disable-hw-vlan) continue ;;
    esac
    args="$args $a"
  done
  case " $args " in *' -- '*) args="$args --disable-link-check" ;; esac
  # Without --total-num-mbufs testpmd sizes its pool for 32 ports (155456 mbufs, 338 MB), which a TCG guest
  # takes minutes to fill: 16384 (CSIT's own kernelvm value) unless the caller gave a number.
  case " $args " in *' --total-num-mbufs='*) ;; *' -- '*) args="$args --total-num-mbufs=16384" ;; esac
  : > "$TESTPMD_LOG"
  # testpmd exits at end of stdin: its stdin is a FIFO opened read-write, which never ends and needs no
  # writer process (CSIT piped `tail -f /dev/null` into it). SIGHUP ignored: it outlives the SSH session.
  # Options carry no spaces; EAL finds the hugetlbfs mount in /proc/mounts.
  [ -p /run/testpmd.stdin ] || mkfifo /run/testpmd.stdin
  # shellcheck disable=SC2086
  # stdbuf -oL: testpmd's stdout is a file, and fully buffered "Press enter to exit" would never reach it.
  ( trap '' HUP; exec /usr/bin/stdbuf -oL -eL /usr/bin/dpdk-testpmd $args ) <> /run/testpmd.stdin > "$TESTPMD_LOG" 2>&1 &
  pid=$!
  echo $pid > "$TESTPMD_PID"
  # The wall clock, not a count of sleeps: under TCG each round takes far longer than its 0.1 s sleep.
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -q 'Press enter to exit' "$TESTPMD_LOG"; then
      echo "testpmd running: pid $pid, log $TESTPMD_LOG"
      exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null
  rm -f "$TESTPMD_PID"
  {
    echo "testpmd did not start (within ${START_TIMEOUT} s or it exited): $(echo $args)"
    tail -n 30 "$TESTPMD_LOG"
  } >&2
  exit 1
}

case "${0##*/}" in
  stop-testpmd.sh) stop ;;
  *) start "$@" ;;
esac
