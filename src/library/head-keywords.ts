/**
 * The keywords of CSIT HEAD's own names (2026, csit-head.md §4): `Add Vhost User If`, `Add Vfio Pci If`,
 * `Add Net User`, with HEAD's argument names and defaults. They work under either `contract`; the names HEAD
 * shares with 2019 (`Add Default Params`, ...) stay in keywords.ts and follow the setting.
 */
import { HEAD_VHOST_USER_IF_DEFAULTS, NET_USER_DEFAULTS } from '../qemu';
import type { QemuKeyword, uses as usesKeyword } from './keywords';
import { robotArguments } from './robot-values';

interface HeadVhostUserIfArguments {
  socket: string;
  server?: boolean | null;
  jumbo?: boolean | null;
  queue_size?: number | null;
  queues?: number | null;
  virtio_feature_mask?: number | null;
}

/** HEAD's keywords, built with keywords.ts's `uses` (passed in, so the two modules do not import each other at load). */
export function headQemuKeywords(uses: typeof usesKeyword): QemuKeyword[] {
  return [
    uses(
      {
        name: 'add_vhost_user_if',
        tags: ['vhost-user', 'command line', 'csit head'],
        parameters: [
          { name: 'socket', type: 'str' },
          { name: 'server', default: HEAD_VHOST_USER_IF_DEFAULTS.server, type: 'bool' },
          { name: 'jumbo', default: HEAD_VHOST_USER_IF_DEFAULTS.jumbo, type: 'bool' },
          { name: 'queue_size', default: HEAD_VHOST_USER_IF_DEFAULTS.queueSize, type: 'int | None' },
          { name: 'queues', default: HEAD_VHOST_USER_IF_DEFAULTS.queues, type: 'int' },
          { name: 'virtio_feature_mask', default: HEAD_VHOST_USER_IF_DEFAULTS.virtioFeatureMask, type: 'int | None' },
        ],
        doc: `CSIT HEAD's \`add_vhost_user_if\`: adds a vhost-user NIC on the unix socket \`socket\`, QEMU the server
when \`server\` is true (\`server=on\`: the start then waits until the peer connects). NIC n (counted with
\`Add Vfio Pci If\`'s) gets MAC \`52:54:00:00:<id>:<n>\` (hex) and PCI slot n+5 (\`addr=6.0\`, \`7.0\`, ...),
\`vectors=2·queues+2\`, rx/tx rings of \`queue_size\` when given. \`virtio_feature_mask\` (HEAD's
\`VirtioFeaturesFlags\`): bit 0 turns \`csum\` on, bit 6 \`gso\`, \`guest_tso4\`, \`guest_tso6\` and \`guest_ecn\`;
None is 0 (HEAD failed on its own default). \`jumbo\` only logs \`Jumbo frames temporarily disabled!\`, as HEAD
(no \`mrg_rxbuf\`/\`host_mtu\`, dropped for VPP-1854). Recorded as \`vhost<n>\` in the VM dict's \`interfaces\`.
Works under either \`contract\`; 2019's \`Qemu Add Vhost User If\` is unchanged.

Example:
| Add Vhost User If | /run/vpp/sock-1-1 | jumbo=\${False} | queues=\${1} | queue_size=\${1024} | virtio_feature_mask=\${0} |
| Add Vhost User If | /run/vpp/sock-1-1 | server=\${False} | virtio_feature_mask=\${65} |`,
      },
      (vm, args, call) => {
        const a = robotArguments<HeadVhostUserIfArguments>(args);
        vm.addVhostUserIf(a.socket, { server: a.server, jumbo: a.jumbo, queueSize: a.queue_size, queues: a.queues, virtioFeatureMask: a.virtio_feature_mask }, call);
      },
    ),
    uses(
      {
        name: 'add_vfio_pci_if',
        tags: ['command line', 'csit head'],
        parameters: [{ name: 'pci', type: 'str' }],
        doc: `CSIT HEAD's \`add_vfio_pci_if\`: passes the host's PCI function \`pci\` (bound to vfio-pci on the host)
through as the VM's next NIC: \`-device vfio-pci,host=<pci>,addr=<n+5>.0\`, n counted together with
\`Add Vhost User If\`'s NICs. Not recorded in the VM dict. A missing or malformed address fails (HEAD wrote
\`host=None\`).

Example:
| Add Vfio Pci If | 0000:86:00.1 |`,
      },
      (vm, args) => {
        vm.addVfioPciIf(robotArguments<{ pci: string }>(args).pci);
      },
    ),
    uses(
      {
        name: 'add_net_user',
        tags: ['command line', 'csit head'],
        parameters: [{ name: 'net', default: NET_USER_DEFAULTS.net, type: 'str' }],
        doc: `CSIT HEAD's \`add_net_user\`: the management NIC, user networking on \`net\` with the guest's SSH
forwarded from host port 10021+id: \`-netdev user,id=mgmt,net=<net>,hostfwd=tcp::<10021+id>-:22 -device
virtio-net,netdev=mgmt\` (no slot given: QEMU puts it in slot 3, the guest's \`ens3\`). The forward listens on
every address of the host. Once per VM.

Example:
| Add Net User |
| Add Net User | net=10.0.3.0/24 |`,
      },
      (vm, args) => {
        vm.addNetUser(robotArguments<{ net?: string | null }>(args).net ?? null);
      },
    ),
  ];
}
