import { CpuTopologyError, LSCPU_COMMAND, nicNumaCommand, parseLscpu, parseNicNuma, placeNfsOnNode, readPlacementInputs } from '../../../src/qemu/placement';
import { X86_2X28_SMT } from '../../support/cpu-topology';
import { commandLines, dryRunNode, exactly } from '../../support/dry-run-node';

/** `lscpu -p=CPU,CORE,SOCKET,NODE` as this project's 2-core test machine printed it. */
const THIS_MACHINE = `# The following is the parsable format, which can be fed to other
# programs. Each different item in every column has an unique ID
# starting usually from zero.
# CPU,Core,Socket,Node
0,0,0,0
1,1,0,0
`;

describe('parseLscpu', () => {
  it("reads this machine's real output: comment lines skipped, one entry per CPU", () => {
    expect(parseLscpu(THIS_MACHINE).cpus).toEqual([
      { cpu: 0, core: 0, socket: 0, node: 0 },
      { cpu: 1, core: 1, socket: 0, node: 0 },
    ]);
  });

  it('finds the columns by the header, so plain `lscpu -p` (cache columns) reads the same', () => {
    const plain = '# CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n0,0,0,0,,0,0,0,0\n1,0,0,0,,0,0,0,0\n';
    expect(parseLscpu(plain).cpus.map((entry) => entry.core)).toEqual([0, 0]);
    const reordered = '# Node,CPU,Socket,Core\n1,5,0,3\n';
    expect(parseLscpu(reordered).cpus).toEqual([{ cpu: 5, core: 3, socket: 0, node: 1 }]);
  });

  it('an empty NODE (no NUMA) is node 0; garbage is refused naming the line', () => {
    expect(parseLscpu('# CPU,Core,Socket,Node\n0,0,0,\n').cpus[0].node).toBe(0);
    expect(() => parseLscpu('# CPU,Core,Socket,Node\n0,x,0,0\n', 'dut1')).toThrow(new CpuTopologyError('lscpu output of dut1: CORE is not a number in line "0,x,0,0"'));
    expect(() => parseLscpu('# CPU,Socket\n0,0\n', 'dut1')).toThrow(/has no CORE column/);
    expect(() => parseLscpu('', 'dut1')).toThrow(`lscpu output of dut1 lists no CPU; run ${LSCPU_COMMAND} there`);
    expect(() => parseLscpu('0,0,0,0\n0,1,0,0\n')).toThrow('lists CPU 0 twice');
  });
});

describe('NIC NUMA nodes from sysfs', () => {
  it('one command, every PCI address checked and quoted', () => {
    expect(nicNumaCommand(['0000:18:00.0', '0000:AF:00.1'])).toBe(
      `sh -c 'for p in 0000:18:00.0 0000:af:00.1; do f="/sys/bus/pci/devices/$p/numa_node"; if [ -r "$f" ]; then echo "$p $(cat "$f")"; else echo "$p missing"; fi; done'`,
    );
    expect(() => nicNumaCommand(['0000:18:00.0; reboot'])).toThrow('NIC PCI address must look like 0000:18:00.0, got "0000:18:00.0; reboot"');
  });

  it('reads -1, missing and numbers back in the order asked', () => {
    expect(parseNicNuma('0000:af:00.1 -1\n0000:18:00.0 missing\n', ['0000:18:00.0', '0000:AF:00.1'])).toEqual([undefined, -1]);
    expect(() => parseNicNuma('', ['0000:18:00.0'], 'dut1')).toThrow('Reading the NUMA node of NIC 0000:18:00.0 on dut1 gave no answer for it: ""');
  });
});

describe('placement inputs from a node (dry run)', () => {
  const nics = ['0000:3b:00.0', '0000:3b:00.1'];

  it('reads the topology and the NICs with one command each, and places on their node', async () => {
    const node = dryRunNode([exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT }), exactly(nicNumaCommand(nics), { stdout: '0000:3b:00.0 -1\n0000:3b:00.1 1\n' })]);
    const placements = await placeNfsOnNode(node, [nics[0], undefined, nics[1]], { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1 });
    expect(placements.map((placement) => placement.cpus)).toEqual([[31, 32, 88]]);
    expect(placements[0].explanation).toMatch(/^NUMA node 1 from the NICs \(0000:3b:00\.0 on -1, 0000:3b:00\.1 on 1\): .*\. NF 1 of chain 1 .* on NUMA node 1 of dut-/);
    expect(commandLines(node)).toEqual([LSCPU_COMMAND, nicNumaCommand(nics)]);
  });

  it('without NICs asks sysfs nothing and uses node 0', async () => {
    const node = dryRunNode([exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT })]);
    const inputs = await readPlacementInputs(node, [undefined, '']);
    expect(inputs).toMatchObject({ numaNode: 0, nics: [], numaReason: 'NUMA node 0: no NIC given' });
    expect(commandLines(node)).toEqual([LSCPU_COMMAND]);
  });

  it('a NIC sysfs does not know is skipped; lscpu missing fails naming the command', async () => {
    const node = dryRunNode([exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT }), exactly(nicNumaCommand(nics), { stdout: '0000:3b:00.0 missing\n0000:3b:00.1 1\n' })]);
    expect((await readPlacementInputs(node, nics)).numaNode).toBe(1);
    const broken = dryRunNode([exactly(LSCPU_COMMAND, { rc: 127, stderr: 'sh: 1: lscpu: not found\n' })]);
    await expect(readPlacementInputs(broken, nics)).rejects.toThrow(
      new CpuTopologyError(`Reading the CPU topology of ${broken.host} failed: \`${LSCPU_COMMAND}\` gave rc 127: sh: 1: lscpu: not found`),
    );
  });
});
