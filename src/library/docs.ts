/**
 * Library-level documentation in Robot Framework's doc format (what libdoc and the server's doc page show).
 */
import { SETTING_DESCRIPTORS } from '../qemu/settings';

function settingsTable(): string {
  return ['| =Setting= | =Meaning= |', ...SETTING_DESCRIPTORS.map((setting) => `| ${setting.key} | ${setting.doc.replace(/\|/g, '\\|')} |`)].join('\n');
}

export const LIBRARY_INTRO = `FD.io CSIT's QemuUtils library (2019), served over Robot Framework's remote library interface.

It starts, wires, pins and kills QEMU virtual machines on CSIT test hosts ("nodes"), with the keywords,
argument names, defaults and results of the original Python library, plus \`Qemu Init\`, \`Qemu Close\`,
\`Qemu Get Command Line\` and \`Qemu Qmp Exec\`.

= Sessions =

The server keeps one QemuUtils instance per *session*, and a session is a URL path: import the library once
per VM, each under its own path and alias, e.g.
| Library | Remote | http://127.0.0.1:8270/DUT1_vm1 | AS | DUT1_vm1 |
| Library | Remote | http://127.0.0.1:8270/DUT1_vm2 | AS | DUT1_vm2 |
One instance describes one VM on one node, for the life of a test case:
- \`Qemu Init\` creates the session's instance, with the original constructor's arguments. Calling it again
  in the same session first ends the previous instance (killing its VM, removing its files), then starts
  afresh, as a new test case did with the original's TEST CASE scope.
- Every other keyword works on the session's instance and fails with a message saying so before \`Qemu Init\`.
- \`Qemu Close\` ends the instance: it kills its VM if it still runs and removes the files the instance
  created. Put it in the test teardown. Stopping the server does the same for every session.
Keywords of one session run one at a time; different sessions run concurrently and never share state.

= Nodes =

A node is a CSIT topology node dict (\`host\`, \`port\`, \`username\`, \`password\` or \`priv_key\`, \`arch\`,
\`type\`). Commands reach it over SSH; \`transport: local\` runs them on the server's host, and
\`transport: dry-run\` records them instead (answers come from \`dry_run_responses\`), which together with
\`Qemu Get Command Line\` shows what a suite would do without a test bed.

= VM types =

The image path chooses the VM type, as in the original: under \`/var/lib/vm/\` a *nestedvm* (a disk image
with a guest agent, reached by SSH through a forwarded port), \`/opt/boot/vmlinuz*\` a *kernelvm* (the host's
root file system shared read-only over 9p, running one VNF: VPP or testpmd). \`vm_type=\` overrides the choice.

= Settings =

Choices the original hard-coded can be set server-wide (\`--qemu-option key=value\`) or per \`Qemu Init\` (the
same names as named arguments, which win). Every default is the original's behaviour.
${settingsTable()}

= Differences from the original =

Fixes of its latent bugs (hex PCI slots, shell quoting, no \`echo '...'\` for files, \`smp=1\` workers,
version checks with semver, boot detection from the VNF's own start-up text, \`Qemu Kill\` touching only its
own VM and files) are listed with their reasons in the project's docs/deviations.md. \`Qemu Kill All\` still
kills *every* qemu process on the host, as the original did.
`;

export const LIBRARY_INIT_DOC = `The library takes no import arguments: import it with \`Remote\` and a URL whose path names the session.

| Library | Remote | http://127.0.0.1:8270/DUT1_vm1 | AS | DUT1_vm1 |

Then create the session's QemuUtils instance with \`Qemu Init\`.`;
