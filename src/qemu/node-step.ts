/**
 * Naming the step of a keyword in which the node failed. A bare "Cannot connect to u@h:22: connection
 * refused" says the node is down but not what was (or was not) done on it: whether QEMU was started,
 * whether a VM may still run. Every node round trip of a QemuUtils keyword runs through `onNodeStep`, so
 * a failure reads "Qemu Start on node u@h:22 failed while checking huge pages: ...".
 */
import { CommandFailedError, InvalidCommandError, NodeConnectionError, NodeError, nodeLabel, type Node } from '../node';
import type { CallContext } from './call';

/** Errors already named with their step: the innermost (most precise) step wins. */
const NAMED = new WeakSet<Error>();

/**
 * Whether a node-layer error gets the step in its message. Not a failed command (`CommandFailedError`): it
 * carries the original's wording (`QEMU: Set affinity failed on <host>!`), which suites may match, and the
 * command itself says what was being done. Not an invalid command either: that is a programming error.
 */
function namesStep(error: unknown): error is NodeError {
  return error instanceof NodeError && !(error instanceof CommandFailedError) && !(error instanceof InvalidCommandError);
}

/**
 * Puts the keyword, the node and the step in front of a node-layer error's message. The error object is
 * kept, not wrapped: its class is what Robot shows (`ConnectionLostError: ...`), and callers rely on its
 * fields (`failure`, `command`, partial output). Other errors pass unchanged.
 */
export function withStep(error: unknown, node: Pick<Node, 'username' | 'host' | 'port'>, step: string, keyword?: string): unknown {
  if (!namesStep(error) || NAMED.has(error)) return error;
  const target = nodeLabel(node);
  // "Cannot connect to u@h:p: refused" after "on node u@h:p" would name the node twice.
  const detail =
    error instanceof NodeConnectionError && error.message.startsWith(`Cannot connect to ${target}: `)
      ? `cannot connect: ${error.message.slice(`Cannot connect to ${target}: `.length)}`
      : error.message;
  const message = `${keyword ?? 'QemuUtils'} on node ${target} failed while ${step}: ${detail}`;
  if (error.stack?.includes(error.message)) error.stack = error.stack.replace(error.message, message);
  error.message = message;
  NAMED.add(error);
  return error;
}

/** Runs one step of a keyword on `node`; a node-layer failure names the keyword, the node and `step`. */
export async function onNodeStep<T>(call: CallContext, node: Pick<Node, 'username' | 'host' | 'port'>, step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw withStep(error, node, step, call.keyword);
  }
}
