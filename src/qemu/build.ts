/** `Build Qemu`: the build script this project ships, copied to a node and run there. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CommandFailedError, execCmd, execCmdNoError, writeFile, type Node } from '../node';
import { shellJoin, shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { tailLines } from './checks';
import { onNodeStep } from './node-step';
import type { QemuSettings } from './settings';

/** The build script `Build Qemu` ships to the node. */
export const BUILD_SCRIPT = resolve(__dirname, '..', '..', 'node-scripts', 'qemu_build.sh');
/** Lines of the build's output a failed `Build Qemu` shows (configure and make say what broke at the end). */
const BUILD_TAIL_LINES = 20;

export interface BuildQemuOptions {
  forceInstall?: boolean | null;
  applyPatch?: boolean | null;
}

/** The original's defaults, which the published keyword signature shows too. */
export const BUILD_QEMU_DEFAULTS = Object.freeze({ forceInstall: false, applyPatch: false });

/** `build_qemu`: ships the build script to `node` and runs it there with the original's options. */
export async function buildQemu(node: Node, settings: QemuSettings, options: BuildQemuOptions, call: CallContext): Promise<void> {
  const scriptDir = settings.remoteScriptDir.replace(/\/+$/, '');
  const script = `${scriptDir}/qemu_build.sh`;
  const content = await readFile(BUILD_SCRIPT, 'utf8');
  await onNodeStep(call, node, `copying the build script to ${script}`, async () => {
    await execCmdNoError(node, `mkdir -p ${shellQuote(scriptDir)}`, { sudo: true });
    await writeFile(node, script, content, { sudo: true, mode: '755' });
  });
  const args = [
    `--version=${settings.qemuInstallVersion}`,
    `--directory=${settings.qemuInstallDir}${options.applyPatch ? '-patch' : '-base'}`,
    ...(options.forceInstall ? ['--force'] : []),
    ...(options.applyPatch ? ['--patch'] : []),
    `--target-list=${node.arch}-softmmu`,
  ];
  // `sudo -E` as the original: the build downloads, and proxy settings must reach it.
  const command = `sudo -E sh ${shellJoin([script, ...args])}`;
  call.log.info(`Building QEMU on ${node.host}: ${command}`);
  // One stream, so the tail in a failure shows the script's messages in the order they came.
  const result = await onNodeStep(call, node, 'building QEMU', () => execCmd(node, `${command} 2>&1`, { timeout: 1000, signal: call.signal }));
  if (result.rc !== 0) {
    const why = result.aborted ? 'aborted (server shutting down)' : `rc ${String(result.rc)}${result.exitSignal ? ` (${result.exitSignal})` : ''}`;
    throw new CommandFailedError(
      command,
      result,
      `QEMU: Build failed on ${node.host}! ${command} gave ${why}; last ${BUILD_TAIL_LINES} lines of its output:\n${tailLines(result.stdout, BUILD_TAIL_LINES) || '(no output)'}`,
    );
  }
  call.log.debug(result.stdout);
}
