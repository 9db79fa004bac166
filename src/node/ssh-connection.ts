/**
 * One node's ssh2 connection, made on first use and shared by every channel: keepalive, host-key check, a
 * dead connection replaced by a new one on the next use, and a close that also ends one still connecting.
 */
import { Client, type ConnectConfig } from 'ssh2';
import { NodeConnectionError, type ConnectionFailureCause } from './errors';
import { nodeLogger } from './log';
import { hostKeyPolicy } from './ssh-host-key';
import type { Node } from './types';

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** CSIT's paramiko keepalive was 10 s; three unanswered probes declare the connection dead. */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;

/** One live ssh2 client; `alive` turns false on its first `end`/`close`. */
export interface Connection {
  client: Client;
  alive: boolean;
  id: number;
}

function classifyConnectError(error: NodeJS.ErrnoException & { level?: string }): ConnectionFailureCause {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unreachable';
  }
  if (error.level === 'client-authentication') return 'auth-failed';
  if (error.level === 'client-timeout') return 'timeout';
  return 'other';
}

export class SshConnections {
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private connectionCount = 0;
  private readonly acceptedFingerprints = new Set<string>();

  constructor(
    private readonly node: Node,
    private readonly label: string,
  ) {}

  /** How many connections were made so far (1 unless one had to be replaced). */
  get made(): number {
    return this.connectionCount;
  }

  /** The live connection, or a new one; parallel callers share one connection attempt. */
  async live(): Promise<Connection> {
    if (this.connection?.alive) return this.connection;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Gives up `connection` (found dead): the next `live()` makes a new one. */
  drop(connection: Connection): void {
    connection.alive = false;
    if (this.connection === connection) this.connection = undefined;
    connection.client.end();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const pending = this.connecting;
    if (connection) await this.endConnection(connection);
    if (pending) {
      await pending.then((late) => this.endConnection(late)).catch(() => undefined);
    }
  }

  private async connect(): Promise<Connection> {
    const policy = await hostKeyPolicy(this.node, this.label, this.acceptedFingerprints);
    const timeoutSeconds = this.node.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const config: ConnectConfig = {
      host: this.node.host,
      port: this.node.port,
      username: this.node.username,
      readyTimeout: timeoutSeconds * 1000,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: policy.verifier,
    };
    if (this.node.password !== undefined) config.password = this.node.password;
    if (this.node.privKey) config.privateKey = this.node.privKey;
    if (policy.algorithms) config.algorithms = { serverHostKey: policy.algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };

    const client = new Client();
    const connection: Connection = { client, alive: false, id: this.connectionCount + 1 };
    return new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const settleError = (error: NodeConnectionError): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.on('ready', () => {
        settled = true;
        connection.alive = true;
        // Small request packets (channel open, exec, EOF) must not wait for Nagle + delayed ACK (~40 ms each).
        client.setNoDelay(true);
        this.connectionCount += 1;
        this.connection = connection;
        nodeLogger().debug(`Connected to ${this.label} (connection #${connection.id})`);
        resolve(connection);
      });
      client.on('error', (error: NodeJS.ErrnoException & { level?: string }) => {
        if (settled) {
          nodeLogger().debug(`SSH connection #${connection.id} to ${this.label}: ${error.message}`);
          return;
        }
        const hostKeyFailure = policy.failure();
        settleError(new NodeConnectionError(this.node, hostKeyFailure ?? classifyConnectError(error), hostKeyFailure ? policy.detail() : error.message));
      });
      const onGone = (): void => {
        if (connection.alive) nodeLogger().info(`SSH connection #${connection.id} to ${this.label} closed`);
        connection.alive = false;
        if (this.connection === connection) this.connection = undefined;
        settleError(new NodeConnectionError(this.node, 'other', 'the server closed the connection during the handshake'));
      };
      client.on('end', onGone);
      client.on('close', onGone);
      try {
        client.connect(config);
      } catch (error) {
        settleError(new NodeConnectionError(this.node, 'other', (error as Error).message));
      }
    });
  }

  private endConnection(connection: Connection): Promise<void> {
    connection.alive = false;
    if (this.connection === connection) this.connection = undefined;
    return new Promise((resolve) => {
      const done = setTimeout(resolve, 2000);
      connection.client.once('close', () => {
        clearTimeout(done);
        resolve();
      });
      connection.client.end();
    });
  }
}
