/**
 * CSIT HEAD's (78e52b9c) parameter builders, `contract=head`: `add_default_params`, `add_kernelvm_params`,
 * `add_net_user`, `add_vhost_user_if`, `add_vfio_pci_if`, option for option as csit-head.md §4 and its
 * verified example 1a, with HEAD's bugs left out (§9: no trailing comma, PCI slots in hex, mask validated
 * before anything is added, kernel and initrd paired). The 2019 builders are `params.ts`.
 */
import { isUsablePath, requireInteger } from './checks';
import { QemuConfigError } from './errors';
import { qemuOptText, type QemuOptions } from './options';
import { FIRST_VHOST_SLOT_OFFSET, LAST_PCI_SLOT, MAX_VHOST_USER_IFS, addMachineParams, guestMac, type PageSize, type VmLayout } from './params';

export type HeadParamSettings = { hugepageMount: string; kernelArgs: string; cpuModel?: string };

/** HEAD's mount for the VM's page size: `/dev/hugepages1G` iff 1G (the testbed must mount it), else the 2M one. */
export const HUGEPAGE_MOUNT_1G = '/dev/hugepages1G';

export function headMemPath(pageSize: PageSize, settings: Pick<HeadParamSettings, 'hugepageMount'>): string {
  return pageSize === '1G' ? HUGEPAGE_MOUNT_1G : settings.hugepageMount;
}

/** HEAD's guest reservation for the page size (`hugepages=3 hugepagesz=1G`, `hugepages=512 hugepagesz=2M`). */
export function headGuestHugepages(pageSize: PageSize): string {
  return `hugepages=${pageSize === '1G' ? 3 : 512} hugepagesz=${pageSize}`;
}

function pageSizeOf(layout: VmLayout): PageSize {
  return layout.pageSize ?? '2M';
}

/** `add_default_params`: `-daemonize` to `-numa node,memdev=mem` of example 1a. */
export function addHeadDefaultParams(options: QemuOptions, layout: VmLayout, settings: HeadParamSettings): void {
  options.add('daemonize');
  options.add('nodefaults');
  options.add('name', `vnf${layout.qemuId},debug-threads=on`);
  options.add('no-user-config');
  // With -daemonize, -nographic works only because -nodefaults leaves no default serial or monitor.
  options.add('nographic');
  addMachineParams(options, layout, settings.cpuModel, headMemPath(pageSizeOf(layout), settings));
}

/** HEAD's guest kernel command line; `kernel_args` (empty by default) after `fastboot`. */
export function headKernelvmAppend(layout: VmLayout, settings: Pick<HeadParamSettings, 'kernelArgs'>): string {
  const console = layout.arch === 'aarch64' ? 'ttyAMA0' : 'ttyS0';
  const words = [
    'ro rootfstype=9p rootflags=trans=virtio root=virtioroot',
    `console=${console}`,
    'tsc=reliable',
    headGuestHugepages(pageSizeOf(layout)),
    `init=${layout.ini}`,
    'fastboot',
  ];
  if (settings.kernelArgs.trim() !== '') words.push(settings.kernelArgs.trim());
  return words.join(' ');
}

function bootFile(which: 'kernel' | 'initrd') {
  return (host: { kernelvmBoot?: { kernel: string; initrd: string } }): string => {
    // The facade reads the node before rendering whenever these options are present.
    if (!host.kernelvmBoot) throw new QemuConfigError(`QEMU: the ${which} was not looked up on the node before the command line was written`);
    return host.kernelvmBoot[which];
  };
}

/** `add_kernelvm_params`: `-serial file:<log>` to `-append '<cmdline>'` of example 1a; kernel and initrd paired on the node. */
export function addHeadKernelvmParams(options: QemuOptions, layout: VmLayout, settings: HeadParamSettings): void {
  options.add('serial', `file:${layout.log}`);
  options.add('fsdev', 'local,id=root9p,path=/,security_model=none');
  options.add('device', 'virtio-9p-pci,fsdev=root9p,mount_tag=virtioroot');
  options.add('kernel', bootFile('kernel'));
  options.add('initrd', bootFile('initrd'));
  options.add('append', headKernelvmAppend(layout, settings));
}

export const NET_USER_DEFAULTS = Object.freeze({ net: '10.0.2.0/24' });

/** `add_net_user`: the management NIC, SSH forwarded from host port 10021+id (slot 3, guest `ens3`). */
export function addHeadNetUser(options: QemuOptions, layout: VmLayout, net: string): void {
  if (typeof net !== 'string' || !isUsablePath(net) || /\s/.test(net)) {
    throw new QemuConfigError(`QEMU: net must be an address/prefix like 10.0.2.0/24, got ${JSON.stringify(net)}`);
  }
  options.add('netdev', `user,id=mgmt,net=${qemuOptText(net)},hostfwd=tcp::${layout.sshPort}-:22`);
  options.add('device', 'virtio-net,netdev=mgmt');
}

/** HEAD's `VirtioFeaturesFlags` bits that QEMU's vhost-user device reads. */
export const VIRTIO_FEATURE_BITS = Object.freeze({ csum: 0, gso: 6 });

function onOff(mask: number, bit: number): string {
  // 2 ** bit: a mask may exceed 32 bits, where `>>` would wrap.
  return Math.floor(mask / 2 ** bit) % 2 === 1 ? 'on' : 'off';
}

export interface HeadVhostUserIfArgs {
  socket: string;
  server: boolean;
  queueSize?: number;
  queues: number;
  /** HEAD's `virtio_feature_mask`; None (HEAD's default, a TypeError there) is 0. */
  virtioFeatureMask: number;
}

/** The slot of NIC n, shared by vhost-user and vfio-pci NICs; in hex, which is how QEMU reads it. */
function nicSlot(index: number, what: string): string {
  const slot = index + FIRST_VHOST_SLOT_OFFSET;
  if (slot > LAST_PCI_SLOT) {
    throw new QemuConfigError(
      `QEMU: ${what} would be NIC ${index}, needing PCI slot 0x${slot.toString(16)} past the bus's last slot 0x${LAST_PCI_SLOT.toString(16)}: ` +
        `at most ${MAX_VHOST_USER_IFS} vhost-user and vfio-pci NICs fit one VM`,
    );
  }
  return `${slot.toString(16)}.0`;
}

/** `add_vhost_user_if`: NIC `index` (1-based); every argument checked before anything is added. */
export function addHeadVhostUserIf(options: QemuOptions, layout: VmLayout, index: number, args: HeadVhostUserIfArgs): { name: string; mac: string } {
  if (typeof args.socket !== 'string' || !isUsablePath(args.socket)) {
    throw new QemuConfigError(`QEMU: vhost-user socket must be a non-empty path, got ${JSON.stringify(args.socket)}`);
  }
  const queues = requireInteger(args.queues, 'QEMU: queues', 1);
  if (args.queueSize !== undefined) requireInteger(args.queueSize, 'QEMU: queue_size (or None)', 1);
  const mask = requireInteger(args.virtioFeatureMask, 'QEMU: virtio_feature_mask (or None)', 0);
  const addr = nicSlot(index, `vhost-user interface ${args.socket}`);
  const mac = guestMac(layout.qemuId, index);
  options.add('chardev', `socket,id=char${index},path=${qemuOptText(args.socket)}${args.server ? ',server=on' : ''}`);
  options.add('netdev', `vhost-user,id=vhost${index},chardev=char${index},queues=${queues}`);
  const csum = onOff(mask, VIRTIO_FEATURE_BITS.csum);
  const gso = onOff(mask, VIRTIO_FEATURE_BITS.gso);
  const device = [
    'virtio-net-pci',
    `netdev=vhost${index}`,
    `mac=${mac}`,
    `addr=${addr}`,
    'mq=on',
    `vectors=${2 * queues + 2}`,
    `csum=${csum}`,
    `gso=${gso}`,
    `guest_tso4=${gso}`,
    `guest_tso6=${gso}`,
    `guest_ecn=${gso}`,
    ...(args.queueSize !== undefined ? [`rx_queue_size=${args.queueSize}`, `tx_queue_size=${args.queueSize}`] : []),
  ];
  options.add('device', device.join(','));
  return { name: `vhost${index}`, mac };
}

/** A PCI address as `lspci -D` and the topology files write it: `0000:86:00.0` (domain optional). */
const PCI_ADDRESS = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/** `add_vfio_pci_if`: a host PCI function passed through, NIC `index` (HEAD's missing pci wrote `host=None`). */
export function addHeadVfioPciIf(options: QemuOptions, index: number, pci: unknown): void {
  if (typeof pci !== 'string' || !PCI_ADDRESS.test(pci)) {
    throw new QemuConfigError(`QEMU: pci must be a PCI address like 0000:86:00.0 (bound to vfio-pci on the host), got ${pci === null || pci === undefined ? 'None' : JSON.stringify(pci)}`);
  }
  options.add('device', `vfio-pci,host=${pci},addr=${nicSlot(index, `vfio-pci device ${pci}`)}`);
}
