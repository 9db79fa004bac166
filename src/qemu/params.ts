/**
 * The original's parameter builders (`add_default_params`, `add_nestedvm_params`, `add_kernelvm_params`,
 * `qemu_add_vhost_user_if`): same options in the same order, with the documented fixes (hex PCI slots, no
 * trailing comma, QEMU-version and accelerator dependent spellings, aarch64 line).
 */
import { isUsablePath } from './checks';
import { QemuConfigError } from './errors';
import { newestFileMatching, qemuOptText, type HostProfile, type QemuOptions } from './options';
import type { QemuSettings } from './settings';
import { hasBalloonOption, supportsFileLocking, wantsExplicitBooleans } from './version';

export type VmType = 'nestedvm' | 'kernelvm';
export const VM_TYPES: readonly VmType[] = ['nestedvm', 'kernelvm'];

export type GuestArch = 'x86_64' | 'aarch64';
export const GUEST_ARCHES: readonly GuestArch[] = ['x86_64', 'aarch64'];

/** What the builders need to know about the VM (the original's `_opt` and `_temp`). */
export interface VmLayout {
  qemuId: number;
  smp: number;
  mem: number;
  img: string;
  arch: GuestArch;
  pidfile: string;
  /** QMP socket (nestedvm as the original; kernelvm too, our addition). */
  qmp: string;
  /** Guest agent socket (nestedvm). */
  qga: string;
  /** Serial log (kernelvm). */
  log: string;
  /** Guest init script (kernelvm). */
  ini: string;
  /** Host port forwarded to the guest's sshd, and the TCP console port (nestedvm). */
  sshPort: number;
  serialPort: number;
  /** CSIT HEAD's `page_size` (`contract=head` only; HEAD's empty default taken as 2M). */
  pageSize?: PageSize;
}

/** CSIT HEAD's huge page sizes for `page_size`. */
export type PageSize = '2M' | '1G';

export type ParamSettings = Pick<QemuSettings, 'cpuModel' | 'hugepageMount' | 'guestHugepages' | 'kernelArgs'>;

/** The last PCI slot of a conventional PCI bus. */
export const LAST_PCI_SLOT = 0x1f;
/** vhost-user NIC n sits in slot n + 5, as in the original (slots 6 and 7 for the usual two). */
export const FIRST_VHOST_SLOT_OFFSET = 5;
export const MAX_VHOST_USER_IFS = LAST_PCI_SLOT - FIRST_VHOST_SLOT_OFFSET;

/** `52:54:00:00:<id>:<last>`, both bytes as two hex digits. */
export function guestMac(qemuId: number, last: number): string {
  for (const [what, value] of [['qemu_id', qemuId], ['MAC index', last]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new QemuConfigError(`QEMU: ${what} ${value} does not fit the one MAC byte it is written into (0..255)`);
    }
  }
  return `52:54:00:00:${hex2(qemuId)}:${hex2(last)}`;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function serverNoWait(host: HostProfile): string {
  return wantsExplicitBooleans(host.features) ? 'server=on,wait=off' : 'server,nowait';
}

function serialDevice(options: QemuOptions, layout: VmLayout, chardev: string): void {
  // The `virt` machine has no ISA bus; its one PL011 UART takes the chardev.
  if (layout.arch === 'aarch64') options.add('serial', `chardev:${chardev}`);
  else options.add('device', `isa-serial,chardev=${chardev}`);
}

/**
 * `-enable-kvm` to `-numa`: accelerator, pid file, CPU model, machine, topology and the huge page backed
 * memory, as 2019's and HEAD's default parameters share them.
 */
export function addMachineParams(options: QemuOptions, layout: VmLayout, cpuModel: string | undefined, memPath: string): void {
  options.add('enable-kvm', (host) => (host.accelerator === 'kvm' ? '' : null));
  options.add('pidfile', layout.pidfile);
  options.add('cpu', (host) => cpuModel ?? (host.accelerator === 'kvm' ? 'host' : 'max'));
  options.add('machine', (host) =>
    layout.arch === 'aarch64'
      ? `virt,accel=${host.accelerator},usb=off,mem-merge=off,gic-version=3`
      : `pc,accel=${host.accelerator},usb=off,mem-merge=off`,
  );
  options.add('smp', `${layout.smp},sockets=1,cores=${layout.smp},threads=1`);
  options.add('object', `memory-backend-file,id=mem,size=${layout.mem}M,mem-path=${qemuOptText(memPath)},share=on`);
  options.add('m', `${layout.mem}M`);
  options.add('numa', 'node,memdev=mem');
}

export function addDefaultParams(options: QemuOptions, layout: VmLayout, settings: ParamSettings): void {
  options.add('daemonize');
  options.add('nodefaults');
  options.add('name', `vnf${layout.qemuId},debug-threads=on`);
  options.add('no-user-config');
  options.add('monitor', 'none');
  options.add('display', 'none');
  options.add('vga', 'none');
  addMachineParams(options, layout, settings.cpuModel, settings.hugepageMount);
  options.add('balloon', (host) => (hasBalloonOption(host.features) ? 'none' : null));
}

export function addNestedvmParams(options: QemuOptions, layout: VmLayout): void {
  options.add('net', `nic,macaddr=${guestMac(layout.qemuId, 0xff)}`);
  options.add('net', `user,hostfwd=tcp::${layout.sshPort}-:22`);
  options.add('drive', (host) => {
    const locking = supportsFileLocking(host.features) ? ',file.locking=off' : '';
    return `file=${qemuOptText(layout.img)},format=raw,cache=none,if=virtio${locking}`;
  });
  options.add('qmp', (host) => `unix:${qemuOptText(layout.qmp)},${serverNoWait(host)}`);
  // `logfile`: QEMU keeps the whole console in a file, whoever is connected to the port (or nobody), for the
  // saved console of a failed or killed VM (src/qemu/artifacts; docs/deviations.md).
  options.add('chardev', (host) => `socket,host=127.0.0.1,port=${layout.serialPort},id=gnc0,${serverNoWait(host)},logfile=${qemuOptText(layout.log)}`);
  serialDevice(options, layout, 'gnc0');
  options.add('chardev', (host) => `socket,path=${qemuOptText(layout.qga)},${serverNoWait(host)},id=qga0`);
  if (layout.arch === 'aarch64') {
    options.add('device', 'virtio-serial-pci,id=virtio-serial0');
    options.add('device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
  } else {
    options.add('device', 'isa-serial,chardev=qga0');
  }
}

export function kernelvmAppend(layout: VmLayout, settings: ParamSettings): string {
  const console = layout.arch === 'aarch64' ? 'ttyAMA0' : 'ttyS0';
  const words = [
    'ro rootfstype=9p rootflags=trans=virtio',
    `console=${console}`,
    'tsc=reliable',
    `hugepages=${settings.guestHugepages}`,
    `init=${layout.ini}`,
  ];
  if (settings.kernelArgs.trim() !== '') words.push(settings.kernelArgs.trim());
  return words.join(' ');
}

export function addKernelvmParams(options: QemuOptions, layout: VmLayout, settings: ParamSettings): void {
  options.add('chardev', `file,id=char0,path=${qemuOptText(layout.log)}`);
  serialDevice(options, layout, 'char0');
  options.add('fsdev', 'local,id=root9p,path=/,security_model=none');
  options.add('device', 'virtio-9p-pci,fsdev=root9p,mount_tag=/dev/root');
  options.add('kernel', newestFileMatching(layout.img));
  options.add('append', kernelvmAppend(layout, settings));
  // Not in the original: QMP gives vCPU thread ids in vCPU order for pinning, and `Qemu Qmp Exec` a target.
  options.add('qmp', (host) => `unix:${qemuOptText(layout.qmp)},${serverNoWait(host)}`);
}

export interface VhostUserIfArgs {
  socket: string;
  server: boolean;
  jumboFrames: boolean;
  queueSize?: number;
  queues: number;
  /** Client mode: seconds between QEMU's reconnect attempts once the peer went away (`reconnect=N`). */
  reconnect?: number;
}

export interface VhostUserIf {
  name: string;
  mac: string;
  pciSlot: number;
}

/** Adds vhost-user NIC number `index` (1-based): chardev, netdev and virtio-net-pci device. */
export function addVhostUserIfParams(options: QemuOptions, layout: VmLayout, index: number, args: VhostUserIfArgs): VhostUserIf {
  if (typeof args.socket !== 'string' || !isUsablePath(args.socket)) {
    throw new QemuConfigError(`QEMU: vhost-user socket must be a non-empty path, got ${JSON.stringify(args.socket)}`);
  }
  if (!Number.isInteger(args.queues) || args.queues < 1) {
    throw new QemuConfigError(`QEMU: queues must be a positive integer, got ${args.queues}`);
  }
  if (args.queueSize !== undefined && (!Number.isInteger(args.queueSize) || args.queueSize < 1)) {
    throw new QemuConfigError(`QEMU: queue_size must be a positive integer or None, got ${args.queueSize}`);
  }
  if (args.reconnect !== undefined) {
    if (!Number.isInteger(args.reconnect) || args.reconnect < 1) {
      throw new QemuConfigError(`QEMU: reconnect must be a whole number of seconds >= 1, or None for no reconnect, got ${args.reconnect}`);
    }
    if (args.server) {
      throw new QemuConfigError(`QEMU: reconnect=${args.reconnect} needs server=False (QEMU as the vhost-user client); a server socket waits for its peer instead`);
    }
  }
  const pciSlot = index + FIRST_VHOST_SLOT_OFFSET;
  if (pciSlot > LAST_PCI_SLOT) {
    throw new QemuConfigError(
      `QEMU: vhost-user interface ${index} would need PCI slot 0x${pciSlot.toString(16)}, past the bus's last slot ` +
        `0x${LAST_PCI_SLOT.toString(16)}: at most ${MAX_VHOST_USER_IFS} vhost-user interfaces fit one VM`,
    );
  }
  const mac = guestMac(layout.qemuId, index);
  options.add('chardev', (host) => {
    const server = args.server ? (wantsExplicitBooleans(host.features) ? ',server=on' : ',server') : '';
    // Not in 2019 or CSIT HEAD: a client socket that survives its peer's restart.
    const reconnect = args.reconnect === undefined ? '' : `,reconnect=${args.reconnect}`;
    return `socket,id=char${index},path=${qemuOptText(args.socket)}${server}${reconnect}`;
  });
  options.add('netdev', `vhost-user,id=vhost${index},chardev=char${index},queues=${args.queues}`);
  const device = [
    'virtio-net-pci',
    `netdev=vhost${index}`,
    `mac=${mac}`,
    ...(layout.arch === 'aarch64' ? [] : ['bus=pci.0']),
    // QEMU reads the slot as hex: the original's decimal `addr=15.0` meant slot 0x15, and `20.0` failed.
    `addr=${pciSlot.toString(16)}.0`,
    'mq=on',
    `vectors=${2 * args.queues + 2}`,
    'csum=off',
    'gso=off',
    'guest_tso4=off',
    'guest_tso6=off',
    'guest_ecn=off',
    `mrg_rxbuf=${args.jumboFrames ? 'on,host_mtu=9200' : 'off'}`,
    ...(args.queueSize !== undefined ? [`rx_queue_size=${args.queueSize}`, `tx_queue_size=${args.queueSize}`] : []),
  ];
  options.add('device', device.join(','));
  return { name: `vhost${index}`, mac, pciSlot };
}
