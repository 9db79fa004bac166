/**
 * One owner per VM: which session of this server holds each (node, qemu_id), and what a VM found on a node
 * that no session holds is (a previous run's, this run's, another server's, another process's).
 *
 * Two sessions on one DUT with the same qemu_id share the original's file names (`/var/run/qemu_<id>.pid`,
 * its sockets, its guest config): the second would overwrite the first's files, take its live VM for a
 * leftover and kill it. So a VM is claimed when its instance is made (`vmIdentity`) and again when it
 * starts; a claim by another live session fails naming that session.
 *
 * The claimant is the keyword call's session: the library puts it into the call context the domain gets
 * (`CallContext.owner`, and the `owner` of a new QemuUtils), and the claim points read it from there. Not
 * an AsyncLocalStorage: on Node 20 one enabled store installs async hooks for every promise and every
 * socket, request and tick of the whole process, a cost every call of every keyword paid (docs/server.md,
 * "Per-call cost"). Without an owner (the domain used as a plain library) nothing is claimed.
 */
import { hostname } from 'node:os';
import { nodeLabel, type Node } from '../node';
import { QemuStateError } from './errors';

/** Another live session of this server holds the VM's (node, qemu_id). */
export class VmOwnedError extends QemuStateError {
  constructor(
    message: string,
    readonly holder: string,
  ) {
    super(message);
  }
}

export interface VmOwner {
  readonly registry: VmOwnership;
  /** The session path, as the server log names it (`/DUT1_vm1`, `/` for the default session). */
  readonly holder: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|0:0:0:0:0:0:0:1|::ffff:127(\.\d{1,3}){3})$/;

/**
 * The node a VM's files live on. Host names are case-insensitive, a trailing dot and IPv6 brackets are
 * spelling, and every loopback name is one machine. The account is left out on purpose: the VM files are
 * root's (written with sudo), so two accounts on one host share them. Dry-run nodes touch nothing and
 * get a namespace of their own; a `local` node is the server's host.
 */
export function nodeKey(node: Pick<Node, 'host' | 'port' | 'transport'>): string {
  if (node.transport === 'local') return 'local';
  let host = node.host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (LOOPBACK.test(host)) host = '127.0.0.1';
  return `${node.transport === 'dry-run' ? 'dry-run:' : ''}${host}:${node.port}`;
}

interface Claim {
  holder: string;
  label: string;
  qemuId: number;
}

/** The (node, qemu_id) pairs the live sessions of one server hold. */
export class VmOwnership {
  private readonly claims = new Map<string, Claim>();

  private static key(node: Pick<Node, 'host' | 'port' | 'transport'>, qemuId: number): string {
    return `${nodeKey(node)}#${qemuId}`;
  }

  /** Claims the VM for `holder`; fails naming the session that holds it already. A holder's own claim is kept. */
  claim(node: Node, qemuId: number, holder: string): void {
    const key = VmOwnership.key(node, qemuId);
    const held = this.claims.get(key);
    if (held !== undefined && held.holder !== holder) {
      throw new VmOwnedError(
        `QEMU: VM ${qemuId} on ${nodeLabel(node)} belongs to session ${held.holder} of this server, which is still open; ` +
          `use another qemu_id (pabot workers: see the qemu_id derivation of keywords/vm.resource), or end that session first (Qemu Close there)`,
        held.holder,
      );
    }
    this.claims.set(key, { holder, label: nodeLabel(node), qemuId });
  }

  /** The session holding the VM, if any. */
  holderOf(node: Pick<Node, 'host' | 'port' | 'transport'>, qemuId: number): string | undefined {
    return this.claims.get(VmOwnership.key(node, qemuId))?.holder;
  }

  /** Gives up `holder`'s claim of the VM (never another holder's). */
  release(node: Pick<Node, 'host' | 'port' | 'transport'>, qemuId: number, holder: string): void {
    const key = VmOwnership.key(node, qemuId);
    if (this.claims.get(key)?.holder === holder) this.claims.delete(key);
  }

  /** Gives up every claim of `holder`: its session ended its instance. */
  releaseHolder(holder: string): void {
    for (const [key, claim] of this.claims) if (claim.holder === holder) this.claims.delete(key);
  }

  /** Every claim, for status pages and tests: `VM <id> on <node>: <session>`. */
  describe(): string[] {
    return [...this.claims.values()].map((claim) => `VM ${claim.qemuId} on ${claim.label}: ${claim.holder}`);
  }
}

/** Claims the VM for the call's session, if the call has one (see the module comment). */
export function claimVm(node: Node, qemuId: number, owner: VmOwner | undefined): void {
  owner?.registry.claim(node, qemuId, owner.holder);
}

/** Gives up the call's session's claim of the VM: its instance ended. */
export function releaseVm(node: Node, qemuId: number, owner: VmOwner | undefined): void {
  owner?.registry.release(node, qemuId, owner.holder);
}

// ---- the owner marker on the node ------------------------------------------------------------------------

/** Written next to the pid file just before QEMU starts; removed with it. Says which server and session started it. */
export function ownerMarkerPath(qemuId: number): string {
  return `/var/run/qemu_${qemuId}.owner`;
}

const MARKER_PREFIX = 'qemu-utils-remote';
/** A marker names the QEMU whose pid file was written at most this long after it (the start's own delay). */
const MARKER_VALID_SECONDS = 120;

/** This server process, as a marker names it. */
export interface ServerProcess {
  host: string;
  pid: number;
}

export const THIS_SERVER: ServerProcess = { host: hostname(), pid: process.pid };

/** The marker's one line: `qemu-utils-remote host=H pid=P session=/S`; `owner`: the starting call's. */
export function ownerMarker(owner: VmOwner | undefined, server: ServerProcess = THIS_SERVER): string {
  const session = owner?.holder ?? '(none)';
  return `${MARKER_PREFIX} host=${server.host} pid=${server.pid} session=${session}`;
}

interface ParsedMarker {
  host: string;
  pid: number;
  session: string;
}

function parseMarker(text: string | undefined): ParsedMarker | undefined {
  if (text === undefined || !text.startsWith(`${MARKER_PREFIX} `)) return undefined;
  const fields = new Map(
    text
      .slice(MARKER_PREFIX.length + 1)
      .trim()
      .split(/\s+/)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  );
  const pid = Number(fields.get('pid'));
  const host = fields.get('host');
  if (!host || !Number.isInteger(pid)) return undefined;
  return { host, pid, session: fields.get('session') ?? '(none)' };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type LeftoverOrigin = 'previous-run' | 'this-run' | 'other-server' | 'other-process';

export interface LeftoverDescription {
  origin: LeftoverOrigin;
  /** Names the VM in a sentence: `a VM left by a previous server run`. */
  summary: string;
  /** What the node showed about it, for the end of the message. */
  detail: string;
}

/** What a live QEMU on our pid file that no session of ours holds is, from what the node shows. */
export function leftoverOrigin(
  found: { pid: number; marker?: string | undefined; command?: string | undefined; pidfileTime?: number | undefined; markerTime?: number | undefined },
  self: ServerProcess = THIS_SERVER,
  alive: (pid: number) => boolean = processAlive,
): LeftoverDescription {
  const parsed = parseMarker(found.marker);
  const { pidfileTime, markerTime } = found;
  const fresh = pidfileTime !== undefined && markerTime !== undefined && pidfileTime >= markerTime - 1 && pidfileTime - markerTime <= MARKER_VALID_SECONDS;
  const marker = fresh ? parsed : undefined;
  if (marker === undefined) {
    return {
      origin: 'other-process',
      summary: 'a VM of another process',
      detail: `not started by a qemu-utils-remote server (${parsed === undefined ? 'no' : 'no current'} owner marker for pid ${found.pid})${found.command ? `; its command: ${found.command}` : ''}`,
    };
  }
  const who = `started by server pid ${marker.pid} on ${marker.host} for session ${marker.session}`;
  if (marker.host === self.host && marker.pid === self.pid) {
    return { origin: 'this-run', summary: 'a VM this server started earlier', detail: `${who}, which no longer holds it` };
  }
  if (marker.host === self.host && !alive(marker.pid)) {
    return { origin: 'previous-run', summary: 'a VM left by a previous server run', detail: `${who}; that server has ended` };
  }
  const running = marker.host === self.host ? 'that server still runs' : 'that server runs on another host and may still use it';
  return { origin: 'other-server', summary: 'a VM of another qemu-utils-remote server', detail: `${who}; ${running}` };
}
