import { QemuConfigError } from '../../src/qemu/errors';
import { QemuOptions, type HostProfile } from '../../src/qemu/options';
import {
  addDefaultParams,
  addKernelvmParams,
  addNestedvmParams,
  addVhostUserIfParams,
  guestMac,
  MAX_VHOST_USER_IFS,
  type VmLayout,
} from '../../src/qemu/params';
import { DEFAULT_SETTINGS, type QemuSettings } from '../../src/qemu/settings';
import { coerceVersion } from '../../src/qemu/version';
import { collapseSpaces, kernelvmStartWithDeviations, VERIFIED_KERNELVM_START } from '../support/verified';

function layout(overrides: Partial<VmLayout> = {}): VmLayout {
  const qemuId = overrides.qemuId ?? 1;
  return {
    qemuId,
    smp: 1,
    mem: 512,
    img: '/var/lib/vm/vhost-nested.img',
    arch: 'x86_64',
    pidfile: `/var/run/qemu_${qemuId}.pid`,
    qmp: `/var/run/qmp_${qemuId}.sock`,
    qga: `/var/run/qga_${qemuId}.sock`,
    log: `/tmp/serial_${qemuId}.log`,
    ini: `/etc/vm_init_${qemuId}.conf`,
    sshPort: 10021 + qemuId,
    serialPort: 4555 + qemuId,
    ...overrides,
  };
}

const ORIGINAL: HostProfile = { accelerator: 'kvm', features: {} };
const QEMU_7_2: HostProfile = { accelerator: 'kvm', features: { version: coerceVersion('7.2.22') } };
const TCG_7_2: HostProfile = { accelerator: 'tcg', features: { version: coerceVersion('7.2.22') } };

function kernelvmCommand(host: HostProfile, settings: QemuSettings = { ...DEFAULT_SETTINGS }, arch: VmLayout['arch'] = 'x86_64'): string {
  const vm = layout({ smp: 3, mem: 4096, img: '/opt/boot/vmlinuz', arch });
  const options = new QemuOptions();
  addDefaultParams(options, vm, settings);
  addKernelvmParams(options, vm, settings);
  addVhostUserIfParams(options, vm, 1, { socket: '/var/run/vpp/sock-1-1', server: true, jumboFrames: false, queueSize: 1024, queues: 1 });
  return `/usr/bin/qemu-system-${arch} ${options.render(host)}`;
}

describe('kernelvm command line against the verified 2019 string', () => {
  it('equals the original modulo the documented deviations when the QEMU version is unknown', () => {
    expect(kernelvmCommand(ORIGINAL)).toBe(kernelvmStartWithDeviations(VERIFIED_KERNELVM_START));
  });

  it('has no doubled spaces and nothing trailing', () => {
    const command = kernelvmCommand(ORIGINAL);
    expect(command).not.toMatch(/ {2}/);
    expect(command).toBe(command.trim());
  });

  it('drops -balloon and spells booleans server=on,wait=off for QEMU 7.2', () => {
    const command = kernelvmCommand(QEMU_7_2);
    expect(command).not.toContain('-balloon');
    expect(command).toContain('-chardev socket,id=char1,path=/var/run/vpp/sock-1-1,server=on ');
    expect(command).toContain('-qmp unix:/var/run/qmp_1.sock,server=on,wait=off');
    expect(command).not.toMatch(/,server(,|\s|$)/);
  });

  it('keeps -balloon none below QEMU 4.2 and uses it from the version found', () => {
    const old: HostProfile = { accelerator: 'kvm', features: { version: coerceVersion('4.1.1') } };
    expect(kernelvmCommand(old)).toContain('-numa node,memdev=mem -balloon none -chardev');
    const at: HostProfile = { accelerator: 'kvm', features: { version: coerceVersion('4.2.0') } };
    expect(kernelvmCommand(at)).not.toContain('-balloon');
  });

  it('under TCG drops -enable-kvm, uses -cpu max and accel=tcg', () => {
    const command = kernelvmCommand(TCG_7_2);
    expect(command).not.toContain('-enable-kvm');
    expect(command).toContain(' -cpu max -machine pc,accel=tcg,usb=off,mem-merge=off ');
  });

  it('takes the cpu model, hugepage mount, guest hugepages and extra kernel arguments from the settings', () => {
    const settings: QemuSettings = {
      ...DEFAULT_SETTINGS,
      cpuModel: 'host,-arch-capabilities',
      hugepageMount: '/mnt/huge',
      guestHugepages: 128,
      kernelArgs: 'pci=nomsi',
    };
    const command = kernelvmCommand(QEMU_7_2, settings);
    expect(command).toContain(' -cpu host,-arch-capabilities -machine ');
    expect(command).toContain('mem-path=/mnt/huge,share=on');
    expect(command).toContain(
      "-append 'ro rootfstype=9p rootflags=trans=virtio console=ttyS0 tsc=reliable hugepages=128 init=/etc/vm_init_1.conf pci=nomsi'",
    );
  });

  it('writes the aarch64 line: machine virt with GICv3, PL011 serial, ttyAMA0, no bus=pci.0', () => {
    const command = kernelvmCommand(QEMU_7_2, { ...DEFAULT_SETTINGS }, 'aarch64');
    expect(command.startsWith('/usr/bin/qemu-system-aarch64 ')).toBe(true);
    expect(command).toContain('-machine virt,accel=kvm,usb=off,mem-merge=off,gic-version=3');
    expect(command).toContain('-chardev file,id=char0,path=/tmp/serial_1.log -serial chardev:char0 ');
    expect(command).not.toContain('isa-serial');
    expect(command).toContain('console=ttyAMA0');
    expect(command).not.toContain('bus=pci.0');
  });

  it('quotes a kernel path with blanks inside the node-side lookup', () => {
    const vm = layout({ img: "/opt/boot/vmlinuz it's" });
    const options = new QemuOptions();
    addKernelvmParams(options, vm, DEFAULT_SETTINGS);
    expect(options.render(ORIGINAL)).toContain(`-kernel "$(readlink -m '/opt/boot/vmlinuz it'"'"'s'* | tail -1)"`);
  });
});

describe('nestedvm parameters', () => {
  function nested(host: HostProfile, arch: VmLayout['arch'] = 'x86_64'): string {
    const vm = layout({ qemuId: 4, arch });
    const options = new QemuOptions();
    addNestedvmParams(options, vm);
    return options.render(host);
  }

  it('match the original for an unknown QEMU version (no file locking, short booleans)', () => {
    expect(nested(ORIGINAL)).toBe(
      collapseSpaces(
        '-net nic,macaddr=52:54:00:00:04:ff -net user,hostfwd=tcp::10025-:22 ' +
          '-drive file=/var/lib/vm/vhost-nested.img,format=raw,cache=none,if=virtio ' +
          '-qmp unix:/var/run/qmp_4.sock,server,nowait ' +
          '-chardev socket,host=127.0.0.1,port=4559,id=gnc0,server,nowait,logfile=/tmp/serial_4.log -device isa-serial,chardev=gnc0 ' +
          '-chardev socket,path=/var/run/qga_4.sock,server,nowait,id=qga0 -device isa-serial,chardev=qga0',
      ),
    );
  });

  it('add file.locking=off from QEMU 2.10 on (the original needed > 2.10)', () => {
    expect(nested({ accelerator: 'kvm', features: { version: coerceVersion('2.10') } })).toContain('if=virtio,file.locking=off ');
    expect(nested({ accelerator: 'kvm', features: { version: coerceVersion('2.9.1') } })).not.toContain('file.locking');
  });

  it('use server=on,wait=off for QEMU >= 6.0', () => {
    const line = nested(QEMU_7_2);
    expect(line).toContain('-qmp unix:/var/run/qmp_4.sock,server=on,wait=off');
    expect(line).toContain('port=4559,id=gnc0,server=on,wait=off');
    expect(line).toContain('-chardev socket,path=/var/run/qga_4.sock,server=on,wait=off,id=qga0');
  });

  it('on aarch64 put the console on the PL011 and the guest agent on virtio-serial', () => {
    const line = nested(QEMU_7_2, 'aarch64');
    expect(line).toContain('-serial chardev:gnc0');
    expect(line).toContain('-device virtio-serial-pci,id=virtio-serial0 -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
    expect(line).not.toContain('isa-serial');
  });

  it('escapes commas of the image path so it cannot add drive options', () => {
    const options = new QemuOptions();
    addNestedvmParams(options, layout({ img: '/var/lib/vm/a,readonly=off' }));
    expect(options.render(ORIGINAL)).toContain('-drive file=/var/lib/vm/a,,readonly=off,format=raw');
  });
});

describe('Qemu Add Vhost User If parameters', () => {
  function vhost(index: number, args: Partial<Parameters<typeof addVhostUserIfParams>[3]> = {}, host: HostProfile = ORIGINAL): string {
    const options = new QemuOptions();
    addVhostUserIfParams(options, layout({ qemuId: 2 }), index, { socket: '/run/vpp/sock-2-1', server: true, jumboFrames: false, queues: 1, ...args });
    return options.render(host);
  }

  it('ends without a trailing comma when queue_size is None', () => {
    const line = vhost(1);
    expect(line).toMatch(/mrg_rxbuf=off$/);
    expect(line).toBe(
      '-chardev socket,id=char1,path=/run/vpp/sock-2-1,server -netdev vhost-user,id=vhost1,chardev=char1,queues=1 ' +
        '-device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:02:01,bus=pci.0,addr=6.0,mq=on,vectors=4,csum=off,gso=off,' +
        'guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off',
    );
  });

  it('writes client mode without the server flag, jumbo as mrg_rxbuf=on,host_mtu=9200, vectors 2q+2', () => {
    const line = vhost(2, { server: false, jumboFrames: true, queues: 4, queueSize: 512 });
    expect(line).toContain('-chardev socket,id=char2,path=/run/vpp/sock-2-1 -netdev vhost-user,id=vhost2,chardev=char2,queues=4 ');
    expect(line).toContain('mac=52:54:00:00:02:02,bus=pci.0,addr=7.0,mq=on,vectors=10,');
    expect(line).toMatch(/mrg_rxbuf=on,host_mtu=9200,rx_queue_size=512,tx_queue_size=512$/);
  });

  it('writes PCI slots in hex as QEMU reads them', () => {
    expect(vhost(5)).toContain('addr=a.0');
    expect(vhost(11)).toContain('addr=10.0');
    expect(vhost(MAX_VHOST_USER_IFS)).toContain('addr=1f.0');
  });

  it('fails clearly past the last PCI slot', () => {
    expect(() => vhost(MAX_VHOST_USER_IFS + 1)).toThrow(QemuConfigError);
    expect(() => vhost(27)).toThrow(/PCI slot 0x20, past the bus's last slot 0x1f: at most 26 vhost-user interfaces/);
  });

  it('escapes commas in the socket path', () => {
    expect(vhost(1, { socket: '/tmp/x,server=off' })).toContain('path=/tmp/x,,server=off,server ');
  });

  it('refuses unusable queue counts and sizes', () => {
    expect(() => vhost(1, { queues: 0 })).toThrow(/queues must be a positive integer/);
    expect(() => vhost(1, { queueSize: -1 })).toThrow(/queue_size must be a positive integer/);
    expect(() => vhost(1, { socket: '' })).toThrow(/socket must be a non-empty path/);
  });

  it('adds reconnect=N to a client socket only when given; the 2019 chardev stays as it was without it', () => {
    expect(vhost(1, { server: false })).toContain('-chardev socket,id=char1,path=/run/vpp/sock-2-1 -netdev');
    expect(vhost(1, { server: false, reconnect: 1 })).toContain('-chardev socket,id=char1,path=/run/vpp/sock-2-1,reconnect=1 -netdev');
    expect(vhost(3, { server: false, reconnect: 10 }, QEMU_7_2)).toContain('-chardev socket,id=char3,path=/run/vpp/sock-2-1,reconnect=10 -netdev');
  });

  it('refuses reconnect on a server socket and reconnect values QEMU cannot take', () => {
    expect(() => vhost(1, { server: true, reconnect: 1 })).toThrow(/reconnect=1 needs server=False \(QEMU as the vhost-user client\)/);
    expect(() => vhost(1, { server: false, reconnect: 0 })).toThrow(/reconnect must be a whole number of seconds >= 1, or None/);
    expect(() => vhost(1, { server: false, reconnect: 1.5 })).toThrow(QemuConfigError);
  });
});

describe('guest MAC addresses', () => {
  it('write both bytes as two hex digits', () => {
    expect(guestMac(1, 0xff)).toBe('52:54:00:00:01:ff');
    expect(guestMac(26, 11)).toBe('52:54:00:00:1a:0b');
  });

  it('refuse ids that do not fit a byte', () => {
    expect(() => guestMac(256, 1)).toThrow(/qemu_id 256 does not fit/);
  });
});
