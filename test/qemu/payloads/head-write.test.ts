import { NO_CALL_CONTEXT } from '../../../src/qemu/call';
import type { VmLayout } from '../../../src/qemu/params';
import { headKernelvmPayload, writeHeadPayload } from '../../../src/qemu/payloads';
import { DEFAULT_TEMPLATE_DIR } from '../../../src/qemu/settings';
import { TemplateGenerations } from '../../../src/qemu/template';
import { VmFiles } from '../../../src/qemu/vm-files';
import { dryRunNode, records } from '../../support/dry-run-node';
import { VERIFIED_HEAD_TESTPMD_IO, VERIFIED_HEAD_VPP_STARTUP } from '../../support/verified-head';

const layout: VmLayout = {
  qemuId: 1,
  smp: 3,
  mem: 4096,
  img: '/opt/boot/vmlinuz',
  arch: 'x86_64',
  pidfile: '/run/qemu_1.pid',
  qmp: '/run/qmp_1.sock',
  qga: '/run/qga_1.sock',
  log: '/tmp/serial_1.log',
  ini: '/etc/vm_init_1.conf',
  sshPort: 10022,
  serialPort: 4556,
};

/** Each node step as one line: `exec <command>` or `write <path> [mode]`. */
const steps = (node: ReturnType<typeof dryRunNode>): string[] =>
  records(node).map((record) => (record.kind === 'exec' ? `exec ${record.commandLine}` : record.kind === 'writeFile' ? `write ${record.path} ${record.mode ?? ''}`.trim() : record.kind));

describe('writeHeadPayload on a dry-run DUT', () => {
  it('vppip4_2vhostvr1024: /etc/vpp, example 1b, the exec file, then init.sh 755; kill would remove all three', async () => {
    const node = dryRunNode();
    const files = new VmFiles(node, layout, 'kernelvm');
    const templates = await new TemplateGenerations(DEFAULT_TEMPLATE_DIR).generation('head');
    const kwargs = { mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: '02:fe:00:00:00:01', vif2_mac: '02:fe:00:00:00:02', queues: 1, jumbo: false };
    const payload = await headKernelvmPayload({ vnf: 'vppip4_2vhostvr1024', qemuId: 1, smp: 3, pageSize: '2M', kwargs, templates });
    await writeHeadPayload(payload, { node, files, ini: layout.ini }, NO_CALL_CONTEXT);
    expect(steps(node)).toEqual([
      expect.stringMatching(/^exec sudo .*mkdir -p \/etc\/vpp$/),
      expect.stringMatching(/^exec sudo .*rm -f \/etc\/vpp\/vm_startup_1\.conf$/),
      'write /etc/vpp/vm_startup_1.conf',
      expect.stringMatching(/^exec sudo .*rm -f \/etc\/vpp\/vm_running_1\.exec$/),
      'write /etc/vpp/vm_running_1.exec',
      expect.stringMatching(/^exec sudo .*rm -f \/etc\/vm_init_1\.conf$/),
      'write /etc/vm_init_1.conf 755',
    ]);
    const written = Object.fromEntries(records(node).flatMap((record) => (record.kind === 'writeFile' ? [[record.path, record.content]] : [])));
    expect(written['/etc/vpp/vm_startup_1.conf']).toBe(VERIFIED_HEAD_VPP_STARTUP);
    expect(written['/etc/vpp/vm_running_1.exec']).toContain('set ip neighbor static GigabitEthernet0/6/0 1.1.1.2 02:fe:00:00:00:01\n');
    expect(written['/etc/vm_init_1.conf']).toContain('\n/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf\n');
    expect(files.tempFiles()).toMatchObject({ startup: '/etc/vpp/vm_startup_1.conf', running: '/etc/vpp/vm_running_1.exec', ini: '/etc/vm_init_1.conf' });
    expect(files.createdFiles()).toEqual(['/etc/vpp/vm_startup_1.conf', '/etc/vpp/vm_running_1.exec', '/etc/vm_init_1.conf']);
  });

  it('testpmd_io: only the init script, holding example 2', async () => {
    const node = dryRunNode();
    const files = new VmFiles(node, layout, 'kernelvm');
    const templates = await new TemplateGenerations(DEFAULT_TEMPLATE_DIR).generation('head');
    const payload = await headKernelvmPayload({ vnf: 'testpmd_io', qemuId: 1, smp: 3, pageSize: '2M', kwargs: { queues: 2, jumbo: false }, templates });
    await writeHeadPayload(payload, { node, files, ini: layout.ini }, NO_CALL_CONTEXT);
    expect(steps(node)).toEqual([expect.stringMatching(/rm -f \/etc\/vm_init_1\.conf$/), 'write /etc/vm_init_1.conf 755']);
    const init = records(node).find((record) => record.kind === 'writeFile');
    expect(init?.kind === 'writeFile' && init.content.includes(`\n${VERIFIED_HEAD_TESTPMD_IO}\n`)).toBe(true);
  });
});
