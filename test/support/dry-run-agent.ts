/**
 * A guest agent for dry-run nodes: answers the boot wait's guest-sync-delimited, guest-ping and
 * guest-network-get-interfaces on a unix socket path of the node, so a nestedvm "boots" in a dry run.
 */
import type { Duplex } from 'node:stream';
import { dryRunTransport, type Node } from '../../src/node';

/** Serves `path` on the dry-run `node`; the guest reports one `ethN` per MAC, in order. */
export function serveDryRunAgent(node: Node, path: string, macs: readonly string[]): void {
  dryRunTransport(node).setUnixSocketPeer(path, (socket: Duplex) => {
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      // 0xFF resets a real agent's parser; it is no part of any request.
      buffered += chunk.toString('latin1').replace(/\xff/g, '');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        const request = JSON.parse(line) as { execute: string; id?: unknown; arguments?: { id?: number } };
        const answer = (value: unknown): void => {
          socket.write(`${JSON.stringify(request.id === undefined ? { return: value } : { return: value, id: request.id })}\n`);
        };
        if (request.execute === 'guest-sync-delimited') socket.write(`\xff${JSON.stringify({ return: request.arguments?.id })}\n`, 'latin1');
        else if (request.execute === 'guest-ping') answer({});
        else if (request.execute === 'guest-network-get-interfaces') answer(macs.map((mac, index) => ({ name: `eth${index}`, 'hardware-address': mac, 'ip-addresses': [] })));
        else socket.write(`${JSON.stringify({ error: { class: 'CommandNotFound', desc: `not in the dry-run agent: ${request.execute}` }, id: request.id })}\n`);
      }
    });
  });
}
