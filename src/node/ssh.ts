/** Placeholder until the pooled ssh2 transport lands (issue 3, second part). */
import type { Duplex } from 'node:stream';
import { NodeError } from './errors';
import type { CommandResult, Node, NodeTransport } from './types';

export class SshTransport implements NodeTransport {
  readonly kind = 'ssh' as const;
  constructor(private readonly node: Node) {}
  private unavailable(): never {
    throw new NodeError(`SSH transport for ${this.node.host} is not implemented yet`);
  }
  async exec(): Promise<CommandResult> {
    return this.unavailable();
  }
  async writeFile(): Promise<void> {
    this.unavailable();
  }
  async connectUnixSocket(): Promise<Duplex> {
    return this.unavailable();
  }
  async close(): Promise<void> {}
}
