/** What a running VM's console and configuration look like now: read from the node, not from a saved run. */
import { execCmd, type Node } from '../../node';
import { shellQuote } from '../../node/quote';
import type { CallContext } from '../call';
import { QemuStateError } from '../errors';
import { onNodeStep } from '../node-step';
import { captureLines, splitCaptures, type CapturedFile } from './capture';
import type { VmArtifact, VmArtifacts } from './vm-artifacts';

/** The console file of a VM, bounded as a saved one; undefined when the node has none. */
export async function readConsoleFile(node: Node, path: string, call: CallContext): Promise<CapturedFile | undefined> {
  const result = await onNodeStep(call, node, `reading the guest console ${path}`, () =>
    execCmd(node, `sh -c ${shellQuote(captureLines([path]).join('\n'))}`, { sudo: true, timeout: 60, ...(call.signal === undefined ? {} : { signal: call.signal }) }),
  );
  return splitCaptures(result.stdout).captures.get(path);
}

export interface ArtifactSource {
  /** Whether a VM this instance started may be running (its console is then read live). */
  running: boolean;
  node: Node;
  consolePath: string;
  artifacts: VmArtifacts;
  /** Names the VM in refusals ('VM 1 on dut1'). */
  vm: string;
}

/** The running VM's artifact (console read now), else the one its kill or failed start saved. */
export async function vmArtifactNow(source: ArtifactSource, keyword: string, call: CallContext): Promise<VmArtifact> {
  if (source.running) return source.artifacts.current('running', await readConsoleFile(source.node, source.consolePath, call));
  const saved = source.artifacts.last;
  if (saved !== undefined) return saved;
  throw new QemuStateError(`${keyword}: ${source.vm} has no console yet: this session has not started it (run Qemu Start first), or Qemu Close removed what its last run left`);
}
