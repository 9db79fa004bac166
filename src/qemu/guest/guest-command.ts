/**
 * `Qemu Guest Exec`: a command inside the running VM, through its guest agent (nestedvm: the agent on the
 * VM's QGA socket) or over SSH to the guest's sshd through the port QEMU forwards (10021+id), with the VM
 * dict's credentials (CSIT's way for the nested image, and HEAD's iperf3 VM).
 */
import { CommandTimeoutError, NodeConnectionError, connectUnixSocket, execCmd, nodeLabel, parseNode, type Node } from '../../node';
import { QemuConfigError, QemuGuestCommandError } from '../errors';
import type { CallContext } from '../call';
import { QgaClient, QgaNotReadyError } from '../monitor';
import type { VmLayout, VmType } from '../params';
import type { VmInfo } from '../vm-identity';
import { agentExec } from './agent-exec';
import { DEFAULT_MAX_OUTPUT_BYTES, boundResult, describeGuestCommand, type GuestCommandResult } from './output';

export const GUEST_EXEC_VIAS = ['agent', 'ssh'] as const;
export type GuestExecVia = (typeof GUEST_EXEC_VIAS)[number];

export interface GuestExecOptions {
  /** Seconds the command may run (and, within it, the agent or sshd may take to answer). */
  timeoutSeconds: number;
  /** `agent` or `ssh`; default `agent` for nestedvm (its line has the agent's port), `ssh` otherwise. */
  via?: GuestExecVia | null;
  maxOutputBytes?: number | null;
}

export const GUEST_EXEC_DEFAULTS = Object.freeze({ timeoutSeconds: 60, via: null, maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES });

/** The agent answers at once when it runs; more is a guest that has none (or is hung). */
const AGENT_ANSWER_MS = 10_000;

export interface GuestTarget {
  node: Node;
  layout: VmLayout;
  vmType: VmType;
  /** The VM dict of the running VM (`Qemu Start`'s), whose host, port and credentials SSH uses. */
  vmInfo: VmInfo;
}

export function checkGuestExecOptions(command: unknown, options: GuestExecOptions): void {
  if (typeof command !== 'string' || command.trim() === '') throw new QemuConfigError(`Qemu Guest Exec: command must be a non-empty text, got ${JSON.stringify(command)}`);
  if (!(options.timeoutSeconds > 0)) throw new QemuConfigError(`Qemu Guest Exec: timeout must be a positive number of seconds, got ${String(options.timeoutSeconds)}`);
  if (options.via != null && !GUEST_EXEC_VIAS.includes(options.via)) {
    throw new QemuConfigError(`Qemu Guest Exec: via must be one of ${GUEST_EXEC_VIAS.join(', ')} (or None), got ${JSON.stringify(options.via)}`);
  }
  const max = options.maxOutputBytes;
  if (max != null && !(Number.isInteger(max) && max > 0)) throw new QemuConfigError(`Qemu Guest Exec: max_output must be a positive number of bytes, got ${String(max)}`);
}

export function defaultVia(vmType: VmType): GuestExecVia {
  return vmType === 'nestedvm' ? 'agent' : 'ssh';
}

export async function guestExec(target: GuestTarget, command: string, options: GuestExecOptions, call: CallContext): Promise<GuestCommandResult> {
  checkGuestExecOptions(command, options);
  const via = options.via ?? defaultVia(target.vmType);
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const run = via === 'agent' ? runThroughAgent(target, command, options.timeoutSeconds, call) : runOverSsh(target, command, options.timeoutSeconds, call);
  const { result, where } = await run;
  const bounded = boundResult(result, max);
  call.log.info(describeGuestCommand(command, where, bounded));
  return bounded;
}

async function runThroughAgent(target: GuestTarget, command: string, timeoutSeconds: number, call: CallContext) {
  const { node, layout, vmType } = target;
  const vm = `VM ${layout.qemuId} on ${nodeLabel(node)}`;
  if (vmType !== 'nestedvm') {
    throw new QemuConfigError(`Qemu Guest Exec: ${vm} is a ${vmType}, whose command line has no guest agent port; use via=ssh when the guest runs sshd`);
  }
  const logger = { debug: (message: string) => call.log.debug(message), warn: (message: string) => call.log.warn(message) };
  const timeoutMs = timeoutSeconds * 1000;
  let client: QgaClient;
  try {
    client = await QgaClient.waitUntilReady({
      connect: () => connectUnixSocket(node, layout.qga, { sudo: true }),
      timeoutMs: Math.min(AGENT_ANSWER_MS, timeoutMs),
      signal: call.signal,
      logger,
    });
  } catch (error) {
    if (error instanceof QgaNotReadyError) {
      throw new QemuGuestCommandError(`Qemu Guest Exec: no guest agent answered on ${layout.qga} of ${vm}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  try {
    const result = await agentExec(client, command, { timeoutMs, signal: call.signal });
    return { result, where: `guest agent of ${vm}` };
  } catch (error) {
    if (error instanceof QemuGuestCommandError) throw new QemuGuestCommandError(`Qemu Guest Exec on ${vm}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await client.close();
  }
}

async function runOverSsh(target: GuestTarget, command: string, timeoutSeconds: number, call: CallContext) {
  const guest = guestNode(target.vmInfo);
  const where = `sshd of VM ${target.layout.qemuId} at ${nodeLabel(guest)}`;
  try {
    const result = await execCmd(guest, command, { timeout: timeoutSeconds, signal: call.signal });
    return { result, where };
  } catch (error) {
    if (error instanceof NodeConnectionError) {
      throw new QemuGuestCommandError(
        `Qemu Guest Exec: no sshd of VM ${target.layout.qemuId} answered at ${nodeLabel(guest)} (QEMU forwards host port ${target.layout.sshPort} to the guest's port 22; ` +
          `the guest must run sshd and accept ${guest.username} with the VM dict's password): ${error.message}`,
        { cause: error },
      );
    }
    if (error instanceof CommandTimeoutError) throw new QemuGuestCommandError(`Qemu Guest Exec on ${where}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The VM dict as a node: SSH to the DUT's host on the forwarded port, as CSIT's nested VM keywords did. */
export function guestNode(vmInfo: VmInfo): Node {
  const { host, port, username, password, transport } = vmInfo;
  return vmNodeOf({ host, port, username, password, type: 'VM', ...(transport === undefined ? {} : { transport }) });
}

/** A TCG guest's sshd may take longer than a DUT's to finish the handshake: 30 s unless the dict says otherwise. */
export const VM_CONNECT_TIMEOUT_SECONDS = 30;

/** A VM dict (`Qemu Start`'s, or a suite's own) as the node commands into the guest run on. */
export function vmNodeOf(dict: Record<string, unknown>): Node {
  return parseNode({ connect_timeout: VM_CONNECT_TIMEOUT_SECONDS, ...dict });
}
