/**
 * The real QEMU test bed, as `scripts/testbed/setup.sh` recorded it in `$QUR_STATE_DIR/testbed.json`.
 *
 * Tests that need real VMs read it through `loadTestbed()` or `describeWithTestbed()`. A missing or stale test
 * bed FAILS those tests with a message saying what to run; the only way to skip them is `QUR_SKIP_VM_TESTS=1`
 * (for developer machines without root; CI never sets it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TESTBED_SETUP_HINT = 'run `bash scripts/testbed/setup.sh` (as root) to prepare the test bed';
export const SKIP_VM_TESTS_ENV = 'QUR_SKIP_VM_TESTS';

export type Accel = 'tcg' | 'kvm';

export interface TestbedHugepages {
  /** Always 2048: the bed only deals in 2 MiB pages. */
  readonly sizeKb: number;
  /** `nr_hugepages` when setup.sh ran. */
  readonly total: number;
  /** hugetlbfs mount point, `/dev/hugepages`. */
  readonly mount: string;
}

export interface TestbedInfo {
  readonly createdAt: string;
  readonly repoDir: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  /** Guest kernel for kernelvm (`-kernel`), under `/opt/boot/vmlinuz` so QemuUtils picks kernelvm. */
  readonly kernel: string;
  /** Kernel arguments every guest on this bed needs (`pci=nomsi`: QEMU 7.2 + TCG + vhost-user + MSI-X crashes). */
  readonly kernelExtraArgs: string;
  /** nestedvm disk image, under `/var/lib/vm/` so QemuUtils picks nestedvm. */
  readonly nestedImage: string;
  /** Line prefix the nestedvm image prints on its first serial port (ttyS0) once its init has run. */
  readonly nestedMarker: string;
  readonly qemu: string;
  readonly qemuVersion: string;
  readonly testpmd: string;
  /** `host-testpmd.sh start|stop|status <name> <socket>...`: host-side vhost-user client. */
  readonly hostTestpmdScript: string;
  readonly hugepages: TestbedHugepages;
  /** Accelerator proven by booting a guest: `kvm` only where KVM really boots the guest kernel. */
  readonly accel: Accel;
  /** CPU model that goes with `accel` (`max` under TCG). */
  readonly cpu: string;
  readonly accelReason: string;
}

export class TestbedMissingError extends Error {
  constructor(detail: string) {
    super(`QEMU test bed not ready: ${detail}; ${TESTBED_SETUP_HINT} (or set ${SKIP_VM_TESTS_ENV}=1 to skip VM tests)`);
    this.name = 'TestbedMissingError';
  }
}

export function testbedStateDir(): string {
  return process.env.QUR_STATE_DIR ?? '/var/tmp/qemu-utils-remote';
}

export function testbedFile(): string {
  return join(testbedStateDir(), 'testbed.json');
}

export function vmTestsSkipped(): boolean {
  return process.env[SKIP_VM_TESTS_ENV] === '1';
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(object: JsonObject, key: string, file: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') {
    throw new TestbedMissingError(`${file} has no string field "${key}"`);
  }
  return value;
}

function numberField(object: JsonObject, key: string, file: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TestbedMissingError(`${file} has no number field "${key}"`);
  }
  return value;
}

function parseAccel(value: string, file: string): Accel {
  if (value === 'tcg' || value === 'kvm') {
    return value;
  }
  throw new TestbedMissingError(`${file} names accelerator "${value}" (expected tcg or kvm)`);
}

/** Reads and checks testbed.json, including that every file it names still exists. */
export function loadTestbed(file: string = testbedFile()): TestbedInfo {
  if (!existsSync(file)) {
    throw new TestbedMissingError(`${file} does not exist`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TestbedMissingError(`${file} is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed) || parsed.formatVersion !== 1) {
    throw new TestbedMissingError(`${file} is not a formatVersion 1 test bed description`);
  }
  const hugepages = parsed.hugepages;
  if (!isObject(hugepages)) {
    throw new TestbedMissingError(`${file} has no "hugepages" object`);
  }
  const info: TestbedInfo = {
    createdAt: stringField(parsed, 'createdAt', file),
    repoDir: stringField(parsed, 'repoDir', file),
    cacheDir: stringField(parsed, 'cacheDir', file),
    stateDir: stringField(parsed, 'stateDir', file),
    kernel: stringField(parsed, 'kernel', file),
    kernelExtraArgs: stringField(parsed, 'kernelExtraArgs', file),
    nestedImage: stringField(parsed, 'nestedImage', file),
    nestedMarker: stringField(parsed, 'nestedMarker', file),
    qemu: stringField(parsed, 'qemu', file),
    qemuVersion: stringField(parsed, 'qemuVersion', file),
    testpmd: stringField(parsed, 'testpmd', file),
    hostTestpmdScript: stringField(parsed, 'hostTestpmdScript', file),
    hugepages: {
      sizeKb: numberField(hugepages, 'sizeKb', file),
      total: numberField(hugepages, 'total', file),
      mount: stringField(hugepages, 'mount', file),
    },
    accel: parseAccel(stringField(parsed, 'accel', file), file),
    cpu: stringField(parsed, 'cpu', file),
    accelReason: typeof parsed.accelReason === 'string' ? parsed.accelReason : '',
  };
  for (const path of [info.kernel, info.nestedImage, info.qemu, info.testpmd, info.hostTestpmdScript]) {
    if (!existsSync(path)) {
      throw new TestbedMissingError(`${path} (named in ${file}) is missing`);
    }
  }
  return info;
}

/**
 * `describe` for tests that need the test bed: the bed is loaded once in `beforeAll`, so a missing bed fails
 * every test in the block with the setup hint. With QUR_SKIP_VM_TESTS=1 the block is skipped (reported as such).
 */
export function describeWithTestbed(name: string, body: (testbed: () => TestbedInfo) => void): void {
  if (vmTestsSkipped()) {
    describe.skip(`${name} (skipped: ${SKIP_VM_TESTS_ENV}=1)`, () => body(() => loadTestbed()));
    return;
  }
  describe(name, () => {
    let info: TestbedInfo | undefined;
    beforeAll(() => {
      info = loadTestbed();
    });
    body(() => {
      if (info === undefined) {
        throw new TestbedMissingError('testbed.json was not loaded');
      }
      return info;
    });
  });
}

/** `-machine`/`-cpu` arguments for the bed's proven accelerator (never KVM merely because /dev/kvm exists). */
export function qemuAccelArgs(testbed: TestbedInfo): string[] {
  return ['-machine', `pc,accel=${testbed.accel},usb=off,mem-merge=off`, '-cpu', testbed.cpu];
}

export interface HugepageCounters {
  readonly total: number;
  readonly free: number;
  readonly reserved: number;
}

/** Host 2 MiB hugepage counters from /proc/meminfo, to check that a test gave back what it used. */
export function readHugepages(): HugepageCounters {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const counter = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo);
    if (match === null) {
      throw new Error(`/proc/meminfo has no ${key} line`);
    }
    return Number(match[1]);
  };
  return { total: counter('HugePages_Total'), free: counter('HugePages_Free'), reserved: counter('HugePages_Rsvd') };
}
