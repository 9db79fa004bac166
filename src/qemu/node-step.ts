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
 * A node-layer error with the keyword, the node and the step in front of its message. A copy of the same
 * class with the same fields (Robot shows the class, `ConnectionLostError: ...`; callers read `failure`,
 * `command`, the partial output), the original as its `cause`. Never the original changed in place: one
 * failed connect is handed to every call that waited for it, each in a step of its own. Other errors pass unchanged.
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
  // Own enumerable fields (`host`, `failure`, `command`, `name`, ...) are copied; message, stack and cause are not enumerable.
  const named = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as NodeError, error);
  const hidden = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true, enumerable: false });
  Object.defineProperties(named, {
    message: hidden(message),
    stack: hidden(error.stack?.includes(error.message) ? error.stack.replace(error.message, message) : `${error.name}: ${message}`),
    cause: hidden(error),
  });
  NAMED.add(named);
  return named;
}

/** Runs one step of a keyword on `node`; a node-layer failure names the keyword, the node and `step`. */
export async function onNodeStep<T>(call: CallContext, node: Pick<Node, 'username' | 'host' | 'port'>, step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw withStep(error, node, step, call.keyword);
  }
}
