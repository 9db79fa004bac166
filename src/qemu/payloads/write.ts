/**
 * Puts a HEAD payload on the VM's node: the VNF's files (noted among the VM's temporary files, so kill
 * removes them), then the init script, executable. Everything was rendered and checked before this runs.
 */
import { execCmdNoError, type Node } from '../../node';
import { shellJoin } from '../../node/quote';
import type { CallContext } from '../call';
import { onNodeStep } from '../node-step';
import type { VmFiles } from '../vm-files';
import type { HeadPayload } from './head';

export interface HeadPayloadTarget {
  node: Node;
  files: VmFiles;
  /** The VM's init script path (`/etc/vm_init_<id>.conf`). */
  ini: string;
}

export async function writeHeadPayload(payload: HeadPayload, target: HeadPayloadTarget, call: CallContext): Promise<void> {
  const { node, files, ini } = target;
  // The files' directories (VPP's /etc/vpp, a custom VNF's own), in one command.
  const directories = [...new Set(payload.files.map((file) => file.path.slice(0, file.path.lastIndexOf('/')) || '/'))];
  if (directories.length > 0) {
    await onNodeStep(call, node, `creating ${directories.join(', ')}`, () => execCmdNoError(node, `mkdir -p ${shellJoin(directories)}`, { sudo: true }));
  }
  for (const file of payload.files) {
    files.note(file.temp, file.path);
    await files.writeNodeFile(call, file.path, file.content);
  }
  await files.writeNodeFile(call, ini, payload.init.content, '755');
  call.log.debug(`Wrote ${[...payload.files.map((file) => file.path), ini].join(', ')} on ${node.host} (${payload.family}; boot marker ${payload.boot.source})`);
}
