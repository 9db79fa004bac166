/**
 * The keywords that show what a VM run left (src/qemu/artifacts): its guest console and its configuration,
 * read live while the VM runs, else as its kill or failed start saved them. A failed `Qemu Start` puts the
 * same into the Robot log by itself; these are for a test that fails later (a teardown's `Run Keyword If
 * Test Failed`) and for suites that check the console.
 */
import { artifactHtml, QemuConfigError, type CallContext, type QemuUtils, type VmArtifact } from '../qemu';
import type { QemuManager } from '../qemu/manager';
import type { QemuKeyword, uses as usesKeyword } from './keywords';
import type { managerKeyword as managerKeywordOf, QemuSession } from './manager-keywords';
import type { KeywordDefinition } from '../remote/library';

/** The artifact as a Robot dict (snake_case keys, as the VM dict has). */
function artifactDict(artifact: VmArtifact): Record<string, unknown> {
  return {
    vm: artifact.vm,
    reason: artifact.reason,
    saved_at: artifact.savedAt,
    command_line: `sudo -S ${artifact.commandLine}`,
    qemu_output: artifact.startOutput,
    console: artifact.console?.text ?? '',
    console_path: artifact.console?.path ?? '',
    console_size: artifact.console?.size ?? 0,
    console_cut: artifact.console?.cut ?? 0,
    guest_files: { ...artifact.guestFiles },
    directory: artifact.directory ?? '',
  };
}

async function artifactOf(vm: QemuUtils, keyword: string, call: CallContext): Promise<VmArtifact> {
  const artifact = await vm.qemuGetVmArtifact(keyword, call);
  call.log.html?.(artifactHtml(artifact));
  return artifact;
}

/** The consoles of a manager's VMs, by name: one VM's (`name`), or every started one's. */
async function managerConsoles(manager: QemuManager, name: string | null | undefined, call: CallContext): Promise<string | Record<string, string>> {
  const keyword = 'Get VM Console Log';
  if (name !== null && name !== undefined) {
    const machine = manager.vms.find((vm) => vm.name === name);
    if (machine === undefined) throw new QemuConfigError(`${keyword}: this manager has no VM ${name} (its VMs: ${manager.vms.map((vm) => vm.name).join(', ') || 'none'})`);
    return (await artifactOf(machine.vm, keyword, call)).console?.text ?? '';
  }
  const consoles: Record<string, string> = {};
  for (const machine of manager.vms) {
    if (machine.vm.bootTimeline === undefined) continue;
    consoles[machine.name] = (await artifactOf(machine.vm, keyword, call)).console?.text ?? '';
  }
  return consoles;
}

const BOUND_DOC = `The console is the kernelvm's serial log or the nestedvm's console (QEMU logs it to a file, kept after
boot too), whole up to 256 KiB; a longer one comes as its first 64 KiB and its last 192 KiB with a line
saying how many bytes were cut.`;

/** Built with keywords.ts's `uses` (passed in, so the two modules do not import each other at load). */
export function artifactQemuKeywords(uses: typeof usesKeyword): QemuKeyword[] {
  return [
    uses(
      {
        name: 'qemu_get_console_log',
        tags: ['diagnostics'],
        parameters: [],
        returnType: 'str',
        doc: `Returns the guest console of this session's VM: read from the node now while the VM runs, else as
\`Qemu Kill\` (or the failed \`Qemu Start\`) saved it. The log gets it, with the QEMU command line and the
guest files, as collapsed blocks. Fails when this session has not started its VM.

${BOUND_DOC}

Example:
| [Teardown] | Run Keyword If Test Failed | Qemu Get Console Log |
| \${console}= | Qemu Get Console Log |
| Should Contain | \${console} | Press enter to exit |`,
      },
      async (vm, _args, call) => (await artifactOf(vm, 'Qemu Get Console Log', call)).console?.text ?? '',
    ),
    uses(
      {
        name: 'qemu_get_vm_artifact',
        tags: ['diagnostics'],
        parameters: [],
        returnType: 'dict',
        doc: `Returns what this session's VM run shows, as a dict: \`console\` (and \`console_path\`, \`console_size\`,
\`console_cut\`), \`command_line\`, \`qemu_output\` (what the start command printed: QEMU's errors),
\`guest_files\` (node path -> content: init script, startup.conf, .exec), \`reason\` (\`running\`, \`Qemu Kill\`,
\`Qemu Start failed\`, ...), \`saved_at\` and \`directory\` (where the server saved it; empty while running).
Read live while the VM runs, else as its kill or failed start saved it; logged as collapsed blocks.

${BOUND_DOC}

Example:
| \${run}= | Qemu Get Vm Artifact |
| Should Contain | \${run}[command_line] | -pidfile |
| Log | \${run}[guest_files] |`,
      },
      async (vm, _args, call) => artifactDict(await artifactOf(vm, 'Qemu Get Vm Artifact', call)),
    ),
  ];
}

/** The manager's keyword, built with manager-keywords.ts's `managerKeyword` (passed in, as above). */
export function artifactManagerKeywords(managerKeyword: typeof managerKeywordOf): KeywordDefinition<QemuSession>[] {
  return [
    managerKeyword(
      {
        name: 'get_vm_console_log',
        tags: ['diagnostics'],
        parameters: [{ name: 'name', default: null, type: 'str | None' }],
        returnType: 'str | dict',
        doc: `Returns the guest console of the manager's VM \`name\` (\`DUT1_1\`), or with no name a dict of the
consoles of every VM started since Construct VMs On All Nodes, by name; each is logged with its command
line and guest files as collapsed blocks, as \`Qemu Get Console Log\` does for one VM: read now while the VM
runs, else as its kill or failed start saved it.

${BOUND_DOC}

Example:
| [Teardown] | Run Keyword If Test Failed | Get VM Console Log |
| \${console}= | Get VM Console Log | DUT1_1 |`,
      },
      (manager, args, call) => managerConsoles(manager, args.name as string | null | undefined, call),
    ),
  ];
}
