/**
 * Knobs the original hard-codes, made configurable server-wide (`--qemu-option key=value`) and per
 * `Qemu Init` (named arguments of the same names). Every default reproduces the 2019 original.
 */
import { resolve } from 'node:path';
import { describeValue, requireBoolean, requireInteger } from './checks';
import { QemuConfigError } from './errors';

export type Accelerator = 'kvm' | 'tcg' | 'auto';
export const ACCELERATORS: readonly Accelerator[] = ['kvm', 'tcg', 'auto'];

export type MainLcoreFlag = '--master-lcore' | '--main-lcore';
export const MAIN_LCORE_FLAGS: readonly MainLcoreFlag[] = ['--master-lcore', '--main-lcore'];

/** Which CSIT's QemuUtils contract a keyword follows where 2019 and HEAD (2026) share a name but differ. */
export type Contract = '2019' | 'head';
export const CONTRACTS: readonly Contract[] = ['2019', 'head'];

export interface QemuSettings {
  /**
   * `2019` (default): the 2019 original. `head`: CSIT HEAD's QemuUtils where the two share a name (no automatic
   * parameters at `Qemu Init`, HEAD's `Add Default Params` / `Add Kernelvm Params`, `/run` paths, testuser).
   */
  contract: Contract;
  /** `kvm` (original), `tcg`, or `auto` (KVM only when a probe shows it can run guests). */
  accel: Accelerator;
  /** `-cpu` model; `undefined` = `host` under KVM (original), `max` under TCG (`host` needs KVM). */
  cpuModel?: string;
  /** Where hugetlbfs is mounted on the host: `mem-path=` and the huge page check. */
  hugepageMount: string;
  /** Raise `vm.nr_hugepages` when too few are free (CSIT's `check_huge_page(allocate=True)`). */
  allocateHugepages: boolean;
  /** Seconds to wait for the guest; `undefined` = the original's budget for the VM type (300 s under TCG). */
  bootTimeout?: number;
  /** Seconds the start command may take (vhost-user server sockets block it until the peer connects). */
  startTimeout: number;
  /** Kernel arguments appended to the kernelvm `-append` line (e.g. `pci=nomsi`). */
  kernelArgs: string;
  /** Huge pages the kernelvm guest kernel reserves (`hugepages=` on its command line). */
  guestHugepages: number;
  /** Pins the QEMU version instead of asking the binary (`--version`). */
  qemuVersion?: string;
  /** DPDK tree inside the guest (the guest sees the host's / over 9p). */
  dpdkPath: string;
  /** Full path of testpmd; `undefined` = `<dpdk_path>/<arch>-native-linuxapp-gcc/app/testpmd`. */
  testpmdBin?: string;
  /** EAL flag naming the main lcore: `--master-lcore` (DPDK < 20.11, original) or `--main-lcore`. */
  testpmdMainLcoreFlag: MainLcoreFlag;
  /** Local directory holding `init.sh` and the VNF `.exec` templates. */
  templateDir: string;
  /** Under `contract=head`, the generation (subdirectory of `templateDir`) the payloads come from; `undefined` = `head`. */
  payloadGeneration?: string;
  /** `Build Qemu`: release to build and its install prefix (`-base`/`-patch` is appended). */
  qemuInstallVersion: string;
  qemuInstallDir: string;
  /** `Build Qemu`: where the shipped build script is copied on the node. */
  remoteScriptDir: string;
}

/** The project's `templates/vm`, found from both `src/qemu` (ts-jest) and `dist/qemu` (built). */
export const DEFAULT_TEMPLATE_DIR = resolve(__dirname, '..', '..', 'templates', 'vm');

export const DEFAULT_SETTINGS: Readonly<QemuSettings> = Object.freeze({
  contract: '2019',
  accel: 'kvm',
  hugepageMount: '/dev/hugepages',
  allocateHugepages: false,
  startTimeout: 300,
  kernelArgs: '',
  guestHugepages: 256,
  dpdkPath: '/opt/dpdk-19.02',
  testpmdMainLcoreFlag: '--master-lcore',
  templateDir: DEFAULT_TEMPLATE_DIR,
  qemuInstallVersion: 'qemu-2.11.2',
  qemuInstallDir: '/opt/qemu-2.11.2',
  remoteScriptDir: '/tmp/qemu-utils-remote',
});

export type SettingKind = 'string' | 'path' | 'positive-int' | 'non-negative-int' | 'bool' | 'accel' | 'lcore-flag' | 'version' | 'contract';

export interface SettingDescriptor {
  /** The name users write: `--qemu-option <key>=...` and `Qemu Init ... <key>=...`. */
  key: string;
  field: keyof QemuSettings;
  kind: SettingKind;
  doc: string;
}

export const SETTING_DESCRIPTORS: readonly SettingDescriptor[] = [
  { key: 'accel', field: 'accel', kind: 'accel', doc: '`kvm` (default, as the original), `tcg`, or `auto`: KVM only when `/dev/kvm` exists, the CPU has hardware virtualization (vmx/svm on x86) and a paused QEMU starts under KVM with the chosen CPU model.' },
  { key: 'cpu_model', field: 'cpuModel', kind: 'string', doc: '`-cpu` model. Default `host` under KVM, `max` under TCG. Some KVM hosts need `host,-arch-capabilities`.' },
  { key: 'hugepage_mount', field: 'hugepageMount', kind: 'path', doc: 'hugetlbfs mount point on the host (default `/dev/hugepages`).' },
  { key: 'allocate_hugepages', field: 'allocateHugepages', kind: 'bool', doc: 'When too few huge pages are free, raise `vm.nr_hugepages` instead of failing (default False).' },
  { key: 'boot_timeout', field: 'bootTimeout', kind: 'positive-int', doc: 'Seconds to wait for the guest (default 60 for kernelvm, 120 for nestedvm, as the original retries; 300 for both under TCG). Failures (QEMU exiting, a kernel panic, a power-down) end the wait at once whatever the budget.' },
  { key: 'start_timeout', field: 'startTimeout', kind: 'positive-int', doc: 'Seconds the QEMU start command may take (default 300).' },
  { key: 'kernel_args', field: 'kernelArgs', kind: 'string', doc: 'Extra kernelvm guest kernel arguments, appended to `-append` (e.g. `pci=nomsi`).' },
  { key: 'guest_hugepages', field: 'guestHugepages', kind: 'non-negative-int', doc: 'Huge pages the kernelvm guest reserves (`hugepages=`, default 256; needs `mem` of at least 1024 MB).' },
  { key: 'qemu_version', field: 'qemuVersion', kind: 'version', doc: 'QEMU version to assume instead of running `qemu-system-<arch> --version` on the node.' },
  { key: 'dpdk_path', field: 'dpdkPath', kind: 'path', doc: 'DPDK directory seen by the kernelvm guest (default `/opt/dpdk-19.02`).' },
  { key: 'testpmd_bin', field: 'testpmdBin', kind: 'path', doc: 'testpmd binary for the guest (default `<dpdk_path>/<arch>-native-linuxapp-gcc/app/testpmd`; Debian: `/usr/bin/dpdk-testpmd`).' },
  { key: 'testpmd_main_lcore_flag', field: 'testpmdMainLcoreFlag', kind: 'lcore-flag', doc: '`--master-lcore` (default, DPDK < 20.11) or `--main-lcore` (DPDK >= 20.11).' },
  { key: 'template_dir', field: 'templateDir', kind: 'path', doc: 'Directory (on the server) with `init.sh` and the VNF `.exec` templates (default: the project\'s `templates/vm`).' },
  { key: 'payload_generation', field: 'payloadGeneration', kind: 'string', doc: 'Under `contract=head`: the payload generation `Configure Kernelvm Vnf` takes its templates from: a subdirectory of `template_dir` (default `head`, CSIT HEAD\'s payloads), or `2019` for the directory\'s own files. A name that is not there fails listing those that are.' },
  { key: 'qemu_install_version', field: 'qemuInstallVersion', kind: 'string', doc: '`Build Qemu`: release to build (default `qemu-2.11.2`).' },
  { key: 'qemu_install_dir', field: 'qemuInstallDir', kind: 'path', doc: '`Build Qemu`: install prefix, `-base` or `-patch` appended (default `/opt/qemu-2.11.2`).' },
  { key: 'remote_script_dir', field: 'remoteScriptDir', kind: 'path', doc: '`Build Qemu`: node directory the build script is copied to (default `/tmp/qemu-utils-remote`).' },
  { key: 'contract', field: 'contract', kind: 'contract', doc: '`2019` (default) or `head`: which CSIT QemuUtils a keyword follows where the 2019 original and CSIT HEAD (2026) share a name but differ. Under `head`, `Qemu Init` adds no parameters (call `Add Default Params`, `Add Kernelvm Params` and the NIC keywords, as HEAD\'s QemuManager does), those two keywords write HEAD\'s options (`-nographic`, `-serial file:`, `-initrd`, `hugepagesz=`, `page_size`), files are under `/run`, the VM dict has `testuser`/`Csit1234`, and the default `img` is `/var/lib/vm/image.iso`. HEAD\'s own names (`Add Vhost User If`, `Add Vfio Pci If`, `Add Net User`) work under both.' },
];

function parseSetting(descriptor: SettingDescriptor, value: unknown, where: string): QemuSettings[keyof QemuSettings] {
  const what = `${where} '${descriptor.key}'`;
  switch (descriptor.kind) {
    case 'bool':
      return requireBoolean(value, what);
    case 'positive-int':
      return requireInteger(value, what, 1);
    case 'non-negative-int':
      return requireInteger(value, what, 0);
    default:
      break;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new QemuConfigError(`${what} must be text, got ${describeValue(value)}`);
  }
  const text = String(value).trim();
  switch (descriptor.kind) {
    case 'accel':
      if (!(ACCELERATORS as readonly string[]).includes(text)) {
        throw new QemuConfigError(`${what} must be one of ${ACCELERATORS.join(', ')}, got ${describeValue(value)}`);
      }
      return text as Accelerator;
    case 'contract':
      if (!(CONTRACTS as readonly string[]).includes(text)) {
        throw new QemuConfigError(`${what} must be one of ${CONTRACTS.join(', ')}, got ${describeValue(value)}`);
      }
      return text as Contract;
    case 'lcore-flag':
      if (!(MAIN_LCORE_FLAGS as readonly string[]).includes(text)) {
        throw new QemuConfigError(`${what} must be one of ${MAIN_LCORE_FLAGS.join(', ')}, got ${describeValue(value)}`);
      }
      return text as MainLcoreFlag;
    case 'path':
      if (text === '' || /[\0\n]/.test(text)) throw new QemuConfigError(`${what} must be a non-empty path, got ${describeValue(value)}`);
      return text;
    case 'version':
      if (!/^\d+(\.\d+)*/.test(text)) throw new QemuConfigError(`${what} must be a version like 7.2.0, got ${describeValue(value)}`);
      return text;
    default:
      if (/[\0\n]/.test(text)) throw new QemuConfigError(`${what} must be a single line, got ${describeValue(value)}`);
      return text;
  }
}

/**
 * Validates settings given by key (`cpu_model`, ...), as typed values: text a protocol carries is converted
 * by its binding first. `undefined`/`null` values mean "not given". Unknown keys fail, listing the known
 * ones, so a typo never silently keeps a default.
 */
export function parseSettings(values: Record<string, unknown>, where: string): Partial<QemuSettings> {
  const parsed: Partial<Record<keyof QemuSettings, unknown>> = {};
  for (const [key, value] of Object.entries(values)) {
    const descriptor = SETTING_DESCRIPTORS.find((candidate) => candidate.key === key);
    if (!descriptor) {
      throw new QemuConfigError(`${where}: unknown QEMU setting '${key}'; known: ${SETTING_DESCRIPTORS.map((d) => d.key).join(', ')}`);
    }
    if (value === undefined || value === null) continue;
    parsed[descriptor.field] = parseSetting(descriptor, value, where);
  }
  return parsed as Partial<QemuSettings>;
}

/** Defaults, then server-wide settings, then the `Qemu Init` ones. */
export function mergeSettings(...layers: Partial<QemuSettings>[]): QemuSettings {
  const merged: QemuSettings = { ...DEFAULT_SETTINGS };
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer) as [keyof QemuSettings, QemuSettings[keyof QemuSettings]][]) {
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return merged;
}
