/**
 * A `qemu-system-x86_64` for `bin_path` that stands in for the boot: at `Qemu Start` it runs the real QEMU,
 * paused (TCG, no devices), with the pid file and QMP socket it was given, and writes the kernelvm start-up
 * marker to the serial log; anything else (`--version`) goes to the real QEMU. Tests of starts, ownership and
 * ending keywords get a real QEMU process (and QMP) without a guest booting on the loaded CI machine.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';

export function requireQemu(): void {
  if (!existsSync(QEMU_BINARY)) throw new Error(`${QEMU_BINARY} is missing; install it with: apt-get install -y qemu-system-x86`);
}

/**
 * Writes the wrapper to `<dir>/bin` and returns that directory (the `bin_path`). `machine`: the paused QEMU's
 * own options (memory, vCPUs, name), after `-machine pc,accel=tcg`.
 */
export function pausedQemuBinPath(dir: string, machine = '-m 16'): string {
  requireQemu();
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const wrapper = join(binDir, 'qemu-system-x86_64');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      'pidfile=; qmp=; prev=',
      'for arg in "$@"; do case "$prev" in -pidfile) pidfile=$arg ;; -qmp) qmp=$arg ;; esac; prev=$arg; done',
      `[ -n "$pidfile" ] || exec ${QEMU_BINARY} "$@"`,
      `${QEMU_BINARY} -daemonize -machine pc,accel=tcg ${machine} -nodefaults -display none -S -pidfile "$pidfile" \${qmp:+-qmp "$qmp"} || exit $?`,
      'id=${pidfile##*qemu_}; echo "Press enter to exit" > "/tmp/serial_${id%.pid}.log"',
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return binDir;
}

/** Whether process `pid` still runs a program: a reaped-late zombie has an empty command line, so it does not count. */
export function processRuns(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`).length > 0;
  } catch {
    return false;
  }
}
