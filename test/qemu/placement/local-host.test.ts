/** Placement inputs read from this machine itself (transport `local`): real lscpu, real sysfs. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { closeAllTransports, parseNode } from '../../../src/node';
import { isSmtEnabled, placeNf, readCpuTopology, readPlacementInputs } from '../../../src/qemu/placement';

const local = parseNode({ host: 'localhost', transport: 'local' });

afterAll(() => closeAllTransports());

describe('placement inputs of this host', () => {
  it('parses the real lscpu output: one entry per online CPU, in lscpu order', async () => {
    const topology = await readCpuTopology(local);
    const rows = spawnSync('lscpu', ['-p=CPU'], { encoding: 'utf8' }).stdout.split('\n').filter((line) => /^\d+$/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(topology.cpus.map((entry) => String(entry.cpu))).toEqual(rows);
    const siblingsOfCpu0 = readFileSync('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list', 'utf8').trim();
    expect(isSmtEnabled(topology)).toBe(/[,-]/.test(siblingsOfCpu0));
  });

  it("reads a real NIC's numa_node from sysfs and places on that node", async () => {
    const devices = readdirSync('/sys/bus/pci/devices').filter((pci) => existsSync(`/sys/bus/pci/devices/${pci}/numa_node`));
    expect(devices.length).toBeGreaterThan(0);
    const pci = devices[0];
    const value = Number(readFileSync(`/sys/bus/pci/devices/${pci}/numa_node`, 'utf8').trim());
    const inputs = await readPlacementInputs(local, [pci, '0000:ff:1f.7']);
    expect(inputs.nics).toEqual([
      { pci, numaNode: value },
      { pci: '0000:ff:1f.7', numaNode: undefined },
    ]);
    expect(inputs.numaNode).toBe(value === -1 ? 0 : value);
    // The smallest placement there is (device suites: vs_dtc 0, nf_dtc 0) needs 3 CPUs; this host may have fewer.
    const cpus = inputs.topology.cpus.filter((entry) => entry.node === inputs.numaNode);
    if (cpus.length >= 3) {
      expect(placeNf(inputs.topology, inputs.numaNode, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 0, nfDtc: 0 }).cpus).toHaveLength(1);
    } else {
      expect(() => placeNf(inputs.topology, inputs.numaNode, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 0, nfDtc: 0 })).toThrow(/^Not enough CPU cores available for placement!/);
    }
  });
});
