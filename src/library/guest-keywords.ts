/**
 * Commands inside the guest: `Qemu Guest Exec` (the session's VM, through its agent or over SSH), and CSIT's
 * DpdkUtil keywords `Dpdk Testpmd Start` / `Dpdk Testpmd Stop`, which take a VM dict as CSIT's did and need
 * no session instance (CSIT imported DpdkUtil as a library of its own).
 */
import { DPDK_FLAG_KWARGS, GUEST_EXEC_DEFAULTS, GUEST_EXEC_VIAS, dpdkTestpmdStart, dpdkTestpmdStop, type GuestExecVia } from '../qemu';
import type { QemuKeyword, uses as usesKeyword } from './keywords';
import { asKeywordFailure, callOf } from './keyword-support';
import { robotArguments, robotBool } from './robot-values';

interface GuestExecArguments {
  command: string;
  timeout?: number | null;
  via?: GuestExecVia | null;
  max_output?: number | null;
}

/** CSIT's flags arrive as Robot text in `**kwargs` (`pmd_disable_hw_vlan=False`): read by Robot's rules. */
function dpdkKwargs(kwargs: unknown): Record<string, unknown> {
  const converted = { ...(kwargs as Record<string, unknown> | undefined) };
  for (const name of DPDK_FLAG_KWARGS) {
    if (typeof converted[name] === 'string' && converted[name] !== '') converted[name] = robotBool(converted[name], `Dpdk Testpmd Start: ${name}`);
  }
  return converted;
}

const VM_NODE_DOC = `\`node\` is the VM dict \`Qemu Start\` returned (\`host\`, \`port\` 10021+id, \`username\`, \`password\`): the
command runs over SSH to the guest's sshd through the port QEMU forwards, with \`sudo\`, as CSIT's DpdkUtil did.`;

export function guestQemuKeywords(uses: typeof usesKeyword): QemuKeyword[] {
  const dpdkStart: QemuKeyword = {
    name: 'dpdk_testpmd_start',
    instance: 'none',
    tags: ['guest', 'testpmd'],
    parameters: [
      { name: 'node', type: 'dict' },
      { name: 'kwargs', kind: 'var-named' },
    ],
    doc: `CSIT's \`Dpdk Testpmd Start\` (DpdkUtil, 2019): starts testpmd in the guest of the VM dict \`node\` with
\`/start-testpmd.sh <EAL options> -- <testpmd options>\`, the nested image's script. ${VM_NODE_DOC}

The options are CSIT's: \`-v -l <eal_corelist> --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so\` (\`eal_driver\`,
default True) \`[--in-memory]\` (\`eal_in_memory\`) \`-- --forward-mode=<pmd_fwd_mode:io> --burst=64
--txd=<pmd_txd:1024> --rxd=<pmd_rxd:1024> --txq=<pmd_txq:1> --rxq=<pmd_rxq:1> --txqflags=0xf00\` (\`pmd_tx_offloads\`)
\`[--total-num-mbufs=<pmd_num_mbufs>] --disable-hw-vlan\` (\`pmd_disable_hw_vlan\`) \`[--eth-peer=<pmd_eth_peer_0>]
[--eth-peer=<pmd_eth_peer_1>] [--max-pkt-len=<pmd_max_pkt_len>] [--nb-cores=<pmd_nb_cores>]\`; an empty value
leaves its option out. Other names are ignored with a warning. The test bed's nested image maps what its DPDK
no longer has (docs/testbed.md). Fails when the script fails, with its output.

Example:
| Dpdk Testpmd Start | \${vm} | eal_corelist=0,1 | pmd_fwd_mode=io | pmd_disable_hw_vlan=\${TRUE} | pmd_rxd=\${1024} | pmd_txd=\${1024} | pmd_rxq=\${1} | pmd_txq=\${1} | pmd_max_pkt_len=\${EMPTY} |`,
    async run(context, args) {
      try {
        await dpdkTestpmdStart(args.node as Record<string, unknown>, dpdkKwargs(args.kwargs), callOf(context, 'dpdk_testpmd_start'));
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };
  const dpdkStop: QemuKeyword = {
    name: 'dpdk_testpmd_stop',
    instance: 'none',
    tags: ['guest', 'testpmd'],
    parameters: [{ name: 'node', type: 'dict' }],
    doc: `CSIT's \`Dpdk Testpmd Stop\` (DpdkUtil, 2019): stops testpmd in the guest of the VM dict \`node\` with
\`/stop-testpmd.sh\`, which prints testpmd's log with its port statistics; the log goes into the Robot log.
${VM_NODE_DOC} Fails when testpmd is not running.

Example:
| Dpdk Testpmd Stop | \${vm} |`,
    async run(context, args) {
      try {
        await dpdkTestpmdStop(args.node as Record<string, unknown>, callOf(context, 'dpdk_testpmd_stop'));
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };
  return [
    uses(
      {
        name: 'qemu_guest_exec',
        tags: ['guest'],
        parameters: [
          { name: 'command', type: 'str' },
          { name: 'timeout', default: GUEST_EXEC_DEFAULTS.timeoutSeconds, type: 'float' },
          { name: 'via', default: GUEST_EXEC_DEFAULTS.via, type: `Literal[${GUEST_EXEC_VIAS.map((via) => `'${via}'`).join(', ')}] | None` },
          { name: 'max_output', default: GUEST_EXEC_DEFAULTS.maxOutputBytes, type: 'int' },
        ],
        returnType: 'dict',
        doc: `Runs \`command\` inside this session's running VM with \`/bin/sh -c\` and returns
\`{'rc': ..., 'stdout': ..., 'stderr': ..., 'truncated': ...}\`; the command, rc and output also go into the log.
A non-zero rc is a result, not a failure: check it (\`Should Be Equal As Integers | \${r}[rc] | 0\`).

\`via\`: \`agent\` runs it through the guest agent (\`guest-exec\`, then \`guest-exec-status\` until it ended): the
nestedvm default, its command line has the agent's port. \`ssh\` runs it over SSH to the guest's sshd through
the port QEMU forwards (10021+id) with the VM dict's \`username\`/\`password\`: the default for a kernelvm
(whose guest must then run sshd). A guest without an agent (no answer within 10 s) or without sshd fails
saying which. \`timeout\` (seconds) bounds the command; at the end it fails, and through the agent the shell
is killed. \`max_output\` bounds each of stdout and stderr (bytes); longer output is cut with a note and
\`truncated\` is True.

Example:
| \${r} = | Qemu Guest Exec | ip -o link |
| Should Be Equal As Integers | \${r}[rc] | 0 |
| \${r} = | Qemu Guest Exec | cat /proc/cpuinfo | via=ssh | timeout=\${20} |`,
      },
      (vm, args, call) => {
        const a = robotArguments<GuestExecArguments>(args);
        return vm.qemuGuestExec(a.command, { timeoutSeconds: a.timeout ?? GUEST_EXEC_DEFAULTS.timeoutSeconds, via: a.via, maxOutputBytes: a.max_output }, call);
      },
    ),
    dpdkStart,
    dpdkStop,
  ];
}
