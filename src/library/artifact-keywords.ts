/**
 * The keywords that show what a VM run left (src/qemu/artifacts): its guest console and its configuration,
 * read live while the VM runs, else as its kill or failed start saved them. A failed `Qemu Start` puts the
 * same into the Robot log by itself; these are for a test that fails later (a teardown's `Run Keyword If
 * Test Failed`) and for suites that check the console.
 */
import { artifactHtml, type QemuUtils, type VmArtifact } from '../qemu';
import type { QemuKeyword, uses as usesKeyword } from './keywords';

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

async function artifactOf(vm: QemuUtils, keyword: string, call: Parameters<QemuUtils['qemuGetVmArtifact']>[1]): Promise<VmArtifact> {
  const artifact = await vm.qemuGetVmArtifact(keyword, call);
  call?.log.html?.(artifactHtml(artifact));
  return artifact;
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
