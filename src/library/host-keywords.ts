/**
 * The QemuUtils keywords about the host's QEMU rather than one VM's life: its version, building it, the
 * command line a start would run, and raw QMP commands to the running VM.
 */
import { BUILD_QEMU_DEFAULTS, type JsonObject } from '../qemu';
import type { QemuKeyword, uses as usesKeyword } from './keywords';
import { robotArguments } from './robot-values';

interface BuildQemuArguments {
  node: Record<string, unknown>;
  force_install?: boolean | null;
  apply_patch?: boolean | null;
}

/** Built with keywords.ts's `uses` (passed in, so the two modules do not import each other at load). */
export function hostQemuKeywords(uses: typeof usesKeyword): QemuKeyword[] {
  return [
    uses(
      {
        name: 'qemu_version',
        tags: ['version'],
        parameters: [{ name: 'version', default: null, type: 'str | None' }],
        returnType: 'str | bool',
        doc: `Returns the version of \`<bin_path>/qemu-system-<arch>\` on the node, e.g. \`7.2.22\`; with
\`version\`, whether it is at least that version (compared as semantic versions, so \`2.10\` is at least
\`2.10\`, and 4-part or distro-suffixed versions work).

Example:
| \${ver}= | Qemu Version |
| \${new}= | Qemu Version | version=4.2 |`,
      },
      (vm, args, call) => vm.qemuVersion(robotArguments<{ version?: string | null }>(args).version, call),
    ),
    uses(
      {
        name: 'build_qemu',
        tags: ['build'],
        parameters: [{ name: 'node', type: 'dict' }, { name: 'force_install', default: BUILD_QEMU_DEFAULTS.forceInstall, type: 'bool' }, { name: 'apply_patch', default: BUILD_QEMU_DEFAULTS.applyPatch, type: 'bool' }],
        doc: `Builds QEMU from its release tarball on \`node\` with the build script this project ships, installed
under \`<qemu_install_dir>-base\` (or \`-patch\` with \`apply_patch\`, which applies the node's
\`qemu_patches/<version>/*.patch\` and fails when there are none). \`force_install\` rebuilds over an existing
install. Needs network access on the node; takes up to 1000 s.

Example:
| Build Qemu | \${nodes['DUT1']} | apply_patch=\${False} |`,
      },
      async (vm, args, call) => {
        const a = robotArguments<BuildQemuArguments>(args);
        await vm.buildQemu(a.node, { forceInstall: a.force_install, applyPatch: a.apply_patch }, call);
      },
    ),
    uses(
      {
        name: 'qemu_get_command_line',
        tags: ['command line'],
        parameters: [],
        returnType: 'str',
        doc: `Returns the exact command \`Qemu Start\` would run (it runs it with \`sudo -S \` in front), written for
the QEMU version and accelerator found on the node.

Example:
| \${cmd}= | Qemu Get Command Line |
| Should Contain | \${cmd} | -device virtio-net-pci,netdev=vhost1 |`,
      },
      (vm, _args, call) => vm.qemuGetCommandLine(call),
    ),
    uses(
      {
        name: 'qemu_qmp_exec',
        tags: ['qmp'],
        parameters: [
          { name: 'command', type: 'str' },
          { name: 'arguments', default: null, type: 'dict | None' },
        ],
        returnType: 'dict',
        doc: `Runs a QMP command on the running VM's monitor and returns the reply, \`{"return": ...}\`. A QMP
error reply fails with its class and description.

Example:
| \${status}= | Qemu Qmp Exec | query-status |
| Should Be True | \${status['return']['running']} |
| Qemu Qmp Exec | human-monitor-command | arguments=\${{ {'command-line': 'info cpus'} }} |`,
      },
      (vm, args, call) => {
        const a = robotArguments<{ command: string; arguments?: JsonObject | null }>(args);
        return vm.qemuQmpExec(a.command, a.arguments, call);
      },
    ),
  ];
}
