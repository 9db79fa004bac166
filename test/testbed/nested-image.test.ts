/**
 * The nestedvm image boots from its disk, its qemu-ga answers on the second isa-serial, and it reports the
 * NICs with exactly the MACs QEMU gave them (the host maps interface names by MAC).
 */
import { join } from 'node:path';
import { describeWithTestbed, qemuAccelArgs } from '../support/testbed';
import {
  ForegroundQemu,
  JsonLineSocket,
  JsonValue,
  makeWorkDir,
  processAlive,
  removeWorkDir,
  startQemu,
  stopQemu,
  syncGuestAgent,
  waitForExit,
  waitForText,
} from '../support/bed';

const E1000_MAC = '52:54:00:00:7e:ff';
const VIRTIO_MAC = '52:54:00:00:7e:01';

function hardwareAddresses(interfaces: JsonValue): Map<string, string> {
  const byMac = new Map<string, string>();
  if (!Array.isArray(interfaces)) {
    throw new Error(`guest-network-get-interfaces returned ${JSON.stringify(interfaces)}`);
  }
  for (const entry of interfaces) {
    if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
      const mac = entry['hardware-address'];
      const name = entry.name;
      if (typeof mac === 'string' && typeof name === 'string') {
        byMac.set(mac.toLowerCase(), name);
      }
    }
  }
  return byMac;
}

describeWithTestbed('nestedvm image with qemu-guest-agent', (testbed) => {
  let workDir: string;
  let qemu: ForegroundQemu | undefined;
  let agent: JsonLineSocket | undefined;

  beforeAll(() => {
    workDir = makeWorkDir('nested');
  });

  afterAll(async () => {
    agent?.close();
    await stopQemu(qemu);
    removeWorkDir(workDir);
  });

  test('answers guest-ping and reports both NICs by MAC, then shuts down on guest-shutdown', async () => {
    const bed = testbed();
    const qgaSocket = join(workDir, 'qga.sock');
    const consoleLog = join(workDir, 'console.log');
    // As the CSIT nestedvm line, except the console goes to a file instead of TCP port 4555+id (no port clashes).
    qemu = startQemu(bed.qemu, [
      '-nodefaults', '-name', 'qur-tb-nested,debug-threads=on', '-no-user-config', '-monitor', 'none',
      '-display', 'none', '-vga', 'none', ...qemuAccelArgs(bed), '-pidfile', join(workDir, 'qemu.pid'),
      '-smp', '1,sockets=1,cores=1,threads=1',
      '-object', `memory-backend-file,id=mem,size=512M,mem-path=${bed.hugepages.mount},share=on`,
      '-m', '512M', '-numa', 'node,memdev=mem',
      '-net', `nic,macaddr=${E1000_MAC}`, '-net', 'user',
      '-netdev', 'user,id=mgmt1', '-device', `virtio-net-pci,netdev=mgmt1,mac=${VIRTIO_MAC}`,
      '-drive', `file=${bed.nestedImage},format=raw,cache=none,if=virtio,file.locking=off`,
      '-qmp', `unix:${join(workDir, 'qmp.sock')},server=on,wait=off`,
      '-chardev', `file,id=gnc0,path=${consoleLog}`, '-device', 'isa-serial,chardev=gnc0',
      '-chardev', `socket,path=${qgaSocket},server=on,wait=off,id=qga0`, '-device', 'isa-serial,chardev=qga0',
    ]);

    agent = await syncGuestAgent(qgaSocket, 90000, qemu);
    expect(await agent.command('guest-ping', undefined, 5000)).toEqual({});
    const answeredMs = Date.now() - qemu.startedAt;
    console.log(`[testbed] ${bed.accel}: nestedvm launch to guest-ping answer ${answeredMs} ms`);

    const byMac = hardwareAddresses(await agent.command('guest-network-get-interfaces', undefined, 5000));
    expect(byMac.get(E1000_MAC)).toMatch(/^eth\d$/);
    expect(byMac.get(VIRTIO_MAC)).toMatch(/^eth\d$/);
    await waitForText(consoleLog, new RegExp(`${bed.nestedMarker} uptime=`), 5000, qemu);

    // guest-shutdown sends no reply; QEMU ending by itself proves the guest's /sbin/shutdown works.
    agent.send(JSON.stringify({ execute: 'guest-shutdown' }) + '\n');
    expect(await waitForExit(qemu, 30000)).toBe(0);
    expect(processAlive(qemu.pid)).toBe(false);
  }, 150000);
});
