/**
 * The VM's QMP events and link state as keywords: `Wait For Qemu Event` and `Qemu Set Link`. Every keyword
 * of a VM session logs the events that came since the session's previous keyword (`uses` in keywords.ts).
 */
import { QemuConfigError, SET_LINK_EVENT, WAIT_FOR_EVENT_DEFAULT_TIMEOUT } from '../qemu';
import type { QemuKeyword, uses as usesKeyword } from './keywords';
import { robotArguments } from './robot-values';

interface WaitArguments {
  event: string;
  data?: Record<string, unknown> | null;
  timeout?: number | null;
}

interface SetLinkArguments {
  interface: string;
  up: boolean;
}

/** Built with keywords.ts's `uses` (passed in, so the two modules do not import each other at load). */
export function eventKeywords(uses: typeof usesKeyword): QemuKeyword[] {
  return [
    uses(
      {
        name: 'wait_for_qemu_event',
        tags: ['qmp', 'events'],
        parameters: [
          { name: 'event', type: 'str' },
          { name: 'data', default: null, type: 'dict | None' },
          { name: 'timeout', default: WAIT_FOR_EVENT_DEFAULT_TIMEOUT, type: 'float' },
        ],
        returnType: 'dict',
        doc: `Waits for the QMP event \`event\` (\`STOP\`, \`RESUME\`, \`SHUTDOWN\`, \`GUEST_PANICKED\`,
\`NIC_RX_FILTER_CHANGED\`, ...; case does not matter) of this session's VM and returns it as QMP sent it:
\`{'event': ..., 'data': {...}, 'timestamp': {'seconds': ..., 'microseconds': ...}, 'source': 'qemu'}\`.

\`data\` narrows the match: every field given must be in the event's data with that value (nested dicts
alike; a text matches a number or boolean of the same text, so \`reason=host-qmp-stop\` or \`guest=False\`
from Robot work). \`timeout\` is in seconds; when it passes the keyword fails naming the events that did come.

The events are read from \`Qemu Start\` until \`Qemu Kill\`, whether or not anyone waits: an event that
arrived *before* this call counts, as long as it came after the event the previous \`Wait For Qemu Event\`
returned (after a failed wait: after every event that wait saw). So a command and the wait for its event
may be two keywords without a race. A new \`Qemu Start\` starts afresh. \`Qemu Set Link\` adds its own
\`${SET_LINK_EVENT}\` event (\`source\` \`qemu-utils\`): QEMU emits none for it.

Example:
| Qemu Qmp Exec | stop |
| \${ev}= | Wait For Qemu Event | STOP | timeout=10 |
| Qemu Qmp Exec | quit |
| Wait For Qemu Event | SHUTDOWN | data=\${{ {'reason': 'host-qmp-quit'} }} |`,
      },
      (vm, args, call) => {
        const a = robotArguments<WaitArguments>(args);
        return vm.waitForQemuEvent(a.event, a.data ?? undefined, a.timeout ?? WAIT_FOR_EVENT_DEFAULT_TIMEOUT, call);
      },
    ),
    uses(
      {
        name: 'qemu_set_link',
        tags: ['qmp', 'vhost-user', 'events'],
        parameters: [
          { name: 'interface', type: 'str' },
          { name: 'up', type: 'bool' },
        ],
        returnType: 'str',
        doc: `Sets the link of one of this VM's vhost-user NICs up or down (QMP \`set_link\`), as a cable pulled or
plugged: the guest sees its virtio NIC's link status change. \`interface\` is the NIC as the VM dict names it:
its key (\`vhost1\`), the guest's name for it (nestedvm, \`ens6\`), or its number (\`1\` for \`vhost1\`).
Returns the netdev id QEMU was given (\`vhost1\`).

QEMU emits no QMP event for \`set_link\`: the keyword logs (and buffers for \`Wait For Qemu Event\`) its own
\`${SET_LINK_EVENT}\` event, \`{'interface': 'vhost1', 'netdev': 'vhost1', 'up': False}\`.

Example:
| Qemu Set Link | vhost1 | \${False} |
| Wait For Qemu Event | ${SET_LINK_EVENT} | data=\${{ {'interface': 'vhost1', 'up': False} }} |
| Qemu Set Link | vhost1 | \${True} |`,
      },
      (vm, args, call) => {
        const a = robotArguments<SetLinkArguments>(args);
        if (typeof a.up !== 'boolean') throw new QemuConfigError(`Qemu Set Link: up must be True or False, got ${JSON.stringify(a.up)}`);
        return vm.qemuSetLink(a.interface, a.up, call);
      },
    ),
  ];
}
