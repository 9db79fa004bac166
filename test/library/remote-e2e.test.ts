/**
 * The QemuUtils library through the real remote server, driven by Python's xmlrpc.client as Robot's Remote
 * library drives it, on dry-run nodes (nothing runs; every command and file is recorded and asserted).
 */
import { dryRunTransport, parseNode } from '../../src/node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertRobotAvailable, runLibdoc, itWithRobot } from '../support/libdoc';
import { useQemuServer } from '../support/servers';
import { py, runSessions } from '../support/xmlrpc';
import { collapseSpaces, VERIFIED_HEAD_1A, VERIFIED_TESTPMD_MAC } from '../support/verified';

const server = useQemuServer({ accel: 'tcg' });

const KERNELVM_NODE = { host: 'e2e-dut1', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };
const NESTEDVM_NODE = {
  host: 'e2e-dut2',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [{ match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n' }],
};

interface RunResult {
  status: string;
  return?: unknown;
  error?: string;
  output?: string;
}

describe('QemuUtils served over XML-RPC', () => {
  it("contract=head: HEAD's composition keywords give verified example 1a, the arguments as Robot's Remote sends them", async () => {
    const node = {
      host: 'e2e-head-dut1',
      port: 22,
      username: 'testuser',
      type: 'DUT',
      transport: 'dry-run',
      dry_run_responses: [{ match: "printf 'kernel", stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }],
    };
    const results = await runSessions<RunResult>(server().url, {
      '/DUT1_head1': [
        ['qemu_init', [node], { qemu_id: 1, smp: 3, mem: 4096, vnf: 'vppip4_2vhostvr1024', img: '/opt/boot/vmlinuz', page_size: '2M', contract: 'head', accel: 'kvm' }],
        ['add_default_params', [], {}],
        ['add_kernelvm_params', [], {}],
        ['add_vhost_user_if', ['/run/vpp/sock-1-1'], { jumbo: false, queues: 1, queue_size: 1024, virtio_feature_mask: 0 }],
        ['add_vhost_user_if', ['/run/vpp/sock-1-2'], { jumbo: 'False', queues: '1', queue_size: '1024', virtio_feature_mask: '' }],
        ['qemu_get_command_line', [], {}],
      ],
    });
    for (const step of results['/DUT1_head1']) expect([step.status, step.error]).toEqual(['PASS', undefined]);
    expect(results['/DUT1_head1'][5].return).toBe(VERIFIED_HEAD_1A);
  });

  it('Qemu Init -> Qemu Add Vhost User If x2 -> Configure Kernelvm Vnf -> Qemu Get Command Line, in two independent sessions at once', async () => {
    const results = await runSessions<RunResult>(server().url, {
      '/DUT1_vm1': [
        ['qemu_init', [KERNELVM_NODE], { qemu_id: 1, smp: 3, mem: 4096, vnf: 'testpmd_mac', img: '/opt/boot/vmlinuz', kernel_args: 'pci=nomsi' }],
        ['qemu_add_vhost_user_if', ['/var/run/vpp/sock-1-1'], { jumbo_frames: false, queues: 1, queue_size: 1024 }],
        ['qemu_add_vhost_user_if', ['/var/run/vpp/sock-1-2'], { jumbo_frames: false, queues: 1, queue_size: 1024 }],
        ['configure_kernelvm_vnf', [], { mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: 'aa:bb:cc:00:00:01', vif2_mac: 'aa:bb:cc:00:00:02', queues: 1, jumbo_frames: false }],
        ['qemu_get_command_line', [], {}],
      ],
      '/DUT2_vm5': [
        ['qemu_init', [NESTEDVM_NODE], { qemu_id: 5, smp: 2, mem: 1024 }],
        ['qemu_add_vhost_user_if', ['/run/vpp/sock-5-1'], { server: false }],
        ['qemu_get_command_line', [], {}],
      ],
    });
    for (const [path, steps] of Object.entries(results)) {
      for (const step of steps) expect([path, step.status, step.error]).toEqual([path, 'PASS', undefined]);
    }

    const kernelvmLine = results['/DUT1_vm1'][4].return as string;
    expect(kernelvmLine).toBe(
      '/usr/bin/qemu-system-x86_64 -daemonize -nodefaults -name vnf1,debug-threads=on -no-user-config -monitor none -display none -vga none ' +
        '-pidfile /var/run/qemu_1.pid -cpu max -machine pc,accel=tcg,usb=off,mem-merge=off -smp 3,sockets=1,cores=3,threads=1 ' +
        '-object memory-backend-file,id=mem,size=4096M,mem-path=/dev/hugepages,share=on -m 4096M -numa node,memdev=mem -balloon none ' +
        '-chardev file,id=char0,path=/tmp/serial_1.log -device isa-serial,chardev=char0 -fsdev local,id=root9p,path=/,security_model=none ' +
        '-device virtio-9p-pci,fsdev=root9p,mount_tag=/dev/root -kernel "$(readlink -m /opt/boot/vmlinuz* | tail -1)" ' +
        "-append 'ro rootfstype=9p rootflags=trans=virtio console=ttyS0 tsc=reliable hugepages=256 init=/etc/vm_init_1.conf pci=nomsi' " +
        '-qmp unix:/var/run/qmp_1.sock,server,nowait ' +
        '-chardev socket,id=char1,path=/var/run/vpp/sock-1-1,server -netdev vhost-user,id=vhost1,chardev=char1,queues=1 ' +
        '-device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:01:01,bus=pci.0,addr=6.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off,rx_queue_size=1024,tx_queue_size=1024 ' +
        '-chardev socket,id=char2,path=/var/run/vpp/sock-1-2,server -netdev vhost-user,id=vhost2,chardev=char2,queues=1 ' +
        '-device virtio-net-pci,netdev=vhost2,mac=52:54:00:00:01:02,bus=pci.0,addr=7.0,mq=on,vectors=4,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off,rx_queue_size=1024,tx_queue_size=1024',
    );
    const nestedLine = results['/DUT2_vm5'][2].return as string;
    expect(nestedLine).toContain('-name vnf5,debug-threads=on');
    expect(nestedLine).toContain('-m 1024M -numa node,memdev=mem -net nic,macaddr=52:54:00:00:05:ff -net user,hostfwd=tcp::10026-:22');
    expect(nestedLine).toContain('if=virtio,file.locking=off -qmp unix:/var/run/qmp_5.sock,server=on,wait=off');
    expect(nestedLine).toMatch(/-chardev socket,id=char1,path=\/run\/vpp\/sock-5-1 -netdev vhost-user,id=vhost1,chardev=char1,queues=1 -device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:05:01,bus=pci.0,addr=6.0,.*mrg_rxbuf=off$/);
    expect(nestedLine).not.toContain('-balloon');
    expect(nestedLine).not.toContain('vhost2');

    // What reached each node: the first only wrote its init script (as root, without a shell); the second ran nothing but --version.
    const kernelvm = dryRunTransport(parseNode(KERNELVM_NODE));
    expect(kernelvm.commandLines()).toEqual(['sudo -S rm -f /etc/vm_init_1.conf', 'sudo -S /usr/bin/qemu-system-x86_64 --version']);
    const written = kernelvm.records.filter((record) => record.kind === 'writeFile');
    expect(written).toHaveLength(1);
    const init = written[0];
    expect(init.kind === 'writeFile' && { path: init.path, mode: init.mode, sudo: init.sudo }).toEqual({ path: '/etc/vm_init_1.conf', mode: '755', sudo: true });
    const testpmd = collapseSpaces(VERIFIED_TESTPMD_MAC.replace('<vif1_mac>', 'aa:bb:cc:00:00:01').replace('<vif2_mac>', 'aa:bb:cc:00:00:02'));
    expect(init.kind === 'writeFile' && init.content).toContain(`\n/opt/dpdk-19.02/x86_64-native-linuxapp-gcc/app/${testpmd}\n`);
    expect(dryRunTransport(parseNode(NESTEDVM_NODE)).commandLines()).toEqual(['sudo -S /usr/bin/qemu-system-x86_64 --version']);
  });

  it('refuses keywords before Qemu Init and after Qemu Close, and reports domain errors bare', async () => {
    const script = `
node = ${JSON.stringify({ ...KERNELVM_NODE, host: 'e2e-dut3' })}
path = '/DUT3_vm1'
result = [
    run('qemu_start', path=path),
    run('qemu_init', [node], {'img': '/opt/boot/vmlinuz', 'vnf': 'testpmd_io'}, path=path),
    run('configure_kernelvm_vnf', [], {'queues': 1}, path=path),
    run('qemu_add_vhost_user_if', ['/run/x'], {'queues': 'many'}, path=path),
    run('qemu_close', path=path),
    run('qemu_get_command_line', path=path),
]
`;
    const [beforeInit, init, missingKwarg, badType, close, afterClose] = (await py(server().url, script)) as RunResult[];
    expect(beforeInit.status).toBe('FAIL');
    expect(beforeInit.error).toMatch(/No QemuUtils instance in this session: run `Qemu Init` first/);
    expect(init.status).toBe('PASS');
    expect(missingKwarg.error).toBe("Create Kernelvm Config Testpmd Io needs the named argument jumbo_frames=... (the original raised KeyError: 'jumbo_frames')");
    expect(badType.status).toBe('FAIL');
    expect(badType.error).toBe("Keyword 'Qemu Add Vhost User If' argument 'queues' got value 'many' (string) that cannot be converted to int.");
    expect(close.status).toBe('PASS');
    expect(afterClose.error).toMatch(/No QemuUtils instance in this session/);
  });

  itWithRobot("is read by Robot's own libdoc: every keyword with its arguments, types, tags and docs", async () => {
    await assertRobotAvailable();
    const dir = mkdtempSync(join(tmpdir(), 'qur-libdoc-'));
    try {
      const out = join(dir, 'QemuUtils.json');
      await runLibdoc([`Remote::${server().url}/docs`, out]);
      const spec = JSON.parse(readFileSync(out, 'utf8')) as {
        keywords: { name: string; args: { name: string; repr: string }[]; tags: string[]; doc: string; returnType: { name: string } | null }[];
        doc: string;
      };
      const names = spec.keywords.map((keyword) => keyword.name);
      expect(names).toEqual(expect.arrayContaining(['Qemu Init', 'Qemu Add Vhost User If', 'Configure Kernelvm Vnf', 'Qemu Start', 'Qemu Kill All', 'Build Qemu', 'Qemu Qmp Exec', 'Qemu Close']));
      const vhost = spec.keywords.find((keyword) => keyword.name === 'Qemu Add Vhost User If');
      expect(vhost?.args.map((arg) => arg.repr)).toEqual(['socket: str', 'server: bool = True', 'jumbo_frames: bool = False', 'queue_size: int | None = None', 'queues: int = 1', 'reconnect: int | None = None']);
      expect(vhost?.tags).toEqual(['command line', 'vhost-user']);
      const init = spec.keywords.find((keyword) => keyword.name === 'Qemu Init');
      expect(init?.args.slice(0, 4).map((arg) => arg.repr)).toEqual(['node: dict', 'qemu_id: int = 1', 'smp: int = 1', 'mem: int = 512']);
      expect(spec.keywords.find((keyword) => keyword.name === 'Qemu Start')?.returnType?.name).toBe('dict');
      expect(spec.doc).toContain('Sessions');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
