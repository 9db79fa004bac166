/**
 * Who a QemuUtils VM is: its node, its number and the file names, ports and MACs that follow from it, its
 * type, and the VM node dict `Qemu Start` returns. The constructor's arguments are checked here, once.
 */
import { parseNode, type Node } from '../node';
import { isUsablePath, requireInteger } from './checks';
import { QemuConfigError } from './errors';
import { GUEST_ARCHES, VM_TYPES, type GuestArch, type PageSize, type VmLayout, type VmType } from './params';
import type { Contract } from './settings';
import { claimVm, ownerMarkerPath, type VmOwner } from './vm-ownership';

export const DEFAULT_IMAGE = '/var/lib/vm/vhost-nested.img';
/** CSIT HEAD's default image (`Constants.QEMU_VM_IMAGE`), under `contract=head`. */
export const HEAD_DEFAULT_IMAGE = '/var/lib/vm/image.iso';
/** CSIT HEAD's `page_size` values; its empty default became `hugepagesz=` (csit-head.md §9.6): 2M here. */
export const PAGE_SIZES: readonly string[] = ['', '2M', '1G'];
export const DEFAULT_BIN_PATH = '/usr/bin';

/** The original constructor's arguments (`node` aside); `null` or absent means the original's default. */
export interface QemuInitArgs {
  qemuId?: number | null;
  smp?: number | null;
  mem?: number | null;
  vnf?: string | null;
  img?: string | null;
  binPath?: string | null;
  /** Overrides the choice by image path ('/var/lib/vm/' nestedvm, '/opt/boot/vmlinuz' kernelvm). */
  vmType?: VmType | null;
  /** CSIT HEAD's `page_size` ('' = 2M, '2M', '1G'); `contract=head` only. */
  pageSize?: string | null;
}

/** The original constructor's defaults, which the published keyword signature shows too. */
export const QEMU_INIT_DEFAULTS = Object.freeze({ qemuId: 1, smp: 1, mem: 512, vnf: null, img: DEFAULT_IMAGE, binPath: DEFAULT_BIN_PATH, pageSize: '' });

export interface VmInterfaceInfo {
  mac_address: string;
  socket: string;
  name?: string;
}

/** The VM node dict `Qemu Start` returns, keys as the original's. */
export interface VmInfo {
  host: string;
  type: 'VM';
  port: number;
  serial: number;
  username: string;
  password: string;
  interfaces: Record<string, VmInterfaceInfo>;
  host_port?: number;
  host_username?: string;
  host_password?: string;
  /** Only for a dry-run DUT: its VMs are dry-run nodes too (commands into the guest are recorded, not run). */
  transport?: 'dry-run';
}

export interface VmIdentity {
  readonly node: Node;
  readonly vmType: VmType;
  readonly layout: VmLayout;
  readonly binPath: string;
  readonly vnf: string | null;
  /** The dict `Qemu Start` returns a copy of; `interfaces` grows with each vhost-user NIC. */
  readonly vmInfo: VmInfo;
}

export function isParsedNode(value: Node | Record<string, unknown>): value is Node {
  // Typed callers may still hand over None or text from a protocol: parseNode says what a node must be.
  if (typeof value !== 'object' || value === null) return false;
  return typeof value.transport === 'string' && Array.isArray(value.dryRunResponses) && typeof value.raw === 'object';
}

/** A node as given: already parsed, or a topology dict. */
export function nodeOf(value: Node | Record<string, unknown>): Node {
  return isParsedNode(value) ? value : parseNode(value);
}

function requirePath(value: unknown, what: string, kind: string): string {
  if (typeof value !== 'string' || !isUsablePath(value)) throw new QemuConfigError(`QEMU: ${what} must be ${kind}, got ${JSON.stringify(value)}`);
  return value;
}

function vmTypeOf(img: string, override: VmType | null | undefined): VmType {
  if (override) {
    if (!VM_TYPES.includes(override)) throw new QemuConfigError(`QEMU: vm_type must be one of ${VM_TYPES.join(', ')}, got ${JSON.stringify(override)}`);
    return override;
  }
  if (img.includes('/var/lib/vm/')) return 'nestedvm';
  if (img.includes('/opt/boot/vmlinuz')) return 'kernelvm';
  throw new QemuConfigError(
    `QEMU: Unknown VM image option! ${JSON.stringify(img)} is neither under /var/lib/vm/ (nestedvm disk image) nor ` +
      `/opt/boot/vmlinuz* (kernelvm kernel); give vm_type=nestedvm or vm_type=kernelvm for other paths`,
  );
}

function pageSizeOf(value: string | null | undefined, contract: Contract): PageSize | undefined {
  const given = value ?? '';
  if (typeof given !== 'string' || !PAGE_SIZES.includes(given)) {
    throw new QemuConfigError(`QEMU: page_size must be one of "", 2M, 1G, got ${JSON.stringify(given)}`);
  }
  if (contract === '2019') {
    if (given !== '') throw new QemuConfigError(`QEMU: page_size is CSIT HEAD's argument: give contract=head with it (2019's VMs use hugepage_mount and guest_hugepages)`);
    return undefined;
  }
  return given === '1G' ? '1G' : '2M';
}

/** Where the VM's files live: 2019's `/var/run`, HEAD's `/run` (`2896038`). */
function runDir(contract: Contract): string {
  return contract === 'head' ? '/run' : '/var/run';
}

/**
 * The constructor's validator: every argument checked against the original's rules, defaults applied; the
 * VM claimed for `owner`, the session making it.
 */
export function vmIdentity(node: Node, args: QemuInitArgs, contract: Contract = '2019', owner?: VmOwner): VmIdentity {
  const arch = node.arch;
  if (!(GUEST_ARCHES as readonly string[]).includes(arch)) {
    throw new QemuConfigError(`QEMU: node arch ${JSON.stringify(arch)} is not supported; use one of ${GUEST_ARCHES.join(', ')}`);
  }
  const qemuId = requireInteger(args.qemuId ?? QEMU_INIT_DEFAULTS.qemuId, 'qemu_id', 0, 255);
  const smp = requireInteger(args.smp ?? QEMU_INIT_DEFAULTS.smp, 'smp', 1, 1024);
  const mem = requireInteger(args.mem ?? QEMU_INIT_DEFAULTS.mem, 'mem', 1);
  const img = requirePath(args.img ?? (contract === 'head' ? HEAD_DEFAULT_IMAGE : QEMU_INIT_DEFAULTS.img), 'img', 'a path');
  const binPath = requirePath(args.binPath ?? QEMU_INIT_DEFAULTS.binPath, 'bin_path', 'a directory');
  const vnf = args.vnf ?? QEMU_INIT_DEFAULTS.vnf;
  if (vnf !== null && typeof vnf !== 'string') throw new QemuConfigError(`QEMU: vnf must be a VNF name or None, got ${JSON.stringify(vnf)}`);
  const vmType = vmTypeOf(img, args.vmType);
  const pageSize = pageSizeOf(args.pageSize, contract);

  // HEAD's guest user since `44dcb31`; 2019's was cisco/cisco.
  const [username, password] = contract === 'head' ? ['testuser', 'Csit1234'] : ['cisco', 'cisco'];
  const vmInfo: VmInfo = { host: node.host, type: 'VM', port: 10021 + qemuId, serial: 4555 + qemuId, username, password, interfaces: {} };
  if (node.port !== 22) {
    vmInfo.host_port = node.port;
    vmInfo.host_username = node.username;
    if (node.password !== undefined) vmInfo.host_password = node.password;
  }
  // Last, so the keys CSIT defines keep their order.
  if (node.transport === 'dry-run') vmInfo.transport = 'dry-run';
  const layout: VmLayout = {
    qemuId,
    smp,
    mem,
    img,
    arch: arch as GuestArch,
    pidfile: `${runDir(contract)}/qemu_${qemuId}.pid`,
    qmp: `${runDir(contract)}/qmp_${qemuId}.sock`,
    qga: `${runDir(contract)}/qga_${qemuId}.sock`,
    log: `/tmp/serial_${qemuId}.log`,
    ini: `/etc/vm_init_${qemuId}.conf`,
    sshPort: vmInfo.port,
    serialPort: vmInfo.serial,
    ...(pageSize === undefined ? {} : { pageSize }),
  };
  // Before any file of this id is written: a VM another live session holds fails here, naming it.
  claimVm(node, qemuId, owner);
  return { node, vmType, layout, binPath, vnf, vmInfo };
}

/** `<bin_path>/qemu-system-<arch>`. */
export function qemuBinary(identity: Pick<VmIdentity, 'binPath' | 'layout'>): string {
  return `${identity.binPath.replace(/\/+$/, '')}/qemu-system-${identity.layout.arch}`;
}

/**
 * Every file the original naming scheme gives this id: what a VM of either type left by a previous server
 * run may own. Never vhost-user sockets (their names are the suite's) nor other ids' files.
 */
export function filesOfId(layout: VmLayout): string[] {
  const id = layout.qemuId;
  return [layout.pidfile, layout.qmp, layout.qga, layout.log, layout.ini, `/etc/vpp/vm_startup_${id}.conf`, `/etc/vpp/vm_running_${id}.exec`, ownerMarkerPath(id)];
}

/**
 * A deep copy built from literals of this realm. `structuredClone` makes its objects in Node's main realm,
 * which a caller in another realm (a jest sandbox, a vm context) does not see as plain objects.
 */
export function copyVmInfo(info: VmInfo): VmInfo {
  const interfaces: Record<string, VmInterfaceInfo> = {};
  for (const [key, value] of Object.entries(info.interfaces)) interfaces[key] = { ...value };
  return { ...info, interfaces };
}
