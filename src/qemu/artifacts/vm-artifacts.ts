/**
 * What a failed (or killed) VM run leaves for the test engineer: the whole guest console (bounded, see
 * `capture.ts`), the QEMU command line, what the start command printed (QEMU's stderr before it
 * daemonized), and the guest files the VNF got (init script, startup.conf, .exec). Saved on the server
 * (`store.ts`) when the VM is killed or its start fails; on a failed start also put into the Robot log as
 * collapsed HTML blocks, and returned on demand by `Qemu Get Console Log` / `Qemu Get Vm Artifact`.
 */
import { escapeHtml } from '../../remote/docs/robot-doc';
import type { QemuLog } from '../call';
import { clipText, type CapturedFile } from './capture';
import { ArtifactDirectory } from './store';

export interface VmArtifact {
  /** 'VM 75 on dut1'. */
  vm: string;
  /** Why it was saved ('Qemu Start failed: ...', 'Qemu Kill'). */
  reason: string;
  savedAt: string;
  /** The command `Qemu Start` ran (with `sudo -S ` in front on the node). */
  commandLine: string;
  /** What the start command printed on stdout and stderr (QEMU's own errors). */
  startOutput: string;
  /** The guest console file as read from the node; undefined when it could not be read. */
  console?: CapturedFile;
  /** Guest configuration files as written, by node path. */
  guestFiles: Record<string, string>;
  /** The server-side directory holding the saved files. */
  directory?: string;
}

/** The file names inside an artifact directory. */
export const ARTIFACT_FILES = { console: 'console.log', commandLine: 'command-line.txt', startOutput: 'qemu-output.txt', summary: 'summary.txt', guestFiles: 'guest-files' } as const;

function block(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary><pre style="max-height:40em;overflow:auto;white-space:pre-wrap">${escapeHtml(body)}</pre></details>`;
}

/** The artifact as collapsed blocks for the Robot log (an `*HTML*` message). */
export function artifactHtml(artifact: VmArtifact): string {
  const parts = [`<b>${escapeHtml(`${artifact.vm}: ${artifact.reason}`)}</b>${artifact.directory ? ` (saved on the server in ${escapeHtml(artifact.directory)})` : ''}`];
  const consoleText = artifact.console;
  if (consoleText) {
    const cut = consoleText.cut > 0 ? `, ${consoleText.cut} bytes cut from the middle` : '';
    parts.push(block(`Guest console ${consoleText.path} (${consoleText.size} bytes${cut})`, consoleText.text || '(empty)'));
  } else {
    parts.push('<i>Guest console: not read from the node</i>');
  }
  parts.push(block('QEMU command line', `sudo -S ${artifact.commandLine}`));
  if (artifact.startOutput.trim()) parts.push(block('QEMU output of the start command', artifact.startOutput));
  for (const [path, text] of Object.entries(artifact.guestFiles)) parts.push(block(`Guest file ${path}`, text));
  return parts.join('\n');
}

function summaryText(artifact: VmArtifact): string {
  return [`${artifact.vm}: ${artifact.reason}`, `saved at ${artifact.savedAt}`, artifact.console ? `console ${artifact.console.path}: ${artifact.console.size} bytes, ${artifact.console.cut} cut` : 'console: not read'].join('\n') + '\n';
}

/** One VM instance's artifacts: what its current run has shown so far, and the last one saved. */
export class VmArtifacts {
  private commandLine = '';
  private startOutput = '';
  private saved: VmArtifact | undefined;
  private readonly directory: ArtifactDirectory;

  /** `guestFiles` gives the guest configuration files this instance wrote, as written. */
  constructor(
    private readonly vm: string,
    private readonly guestFiles: () => ReadonlyMap<string, string>,
  ) {
    this.directory = new ArtifactDirectory(vm);
  }

  /** A start begins: its command line; what an earlier start printed no longer applies. */
  starting(commandLine: string): void {
    this.commandLine = commandLine;
    this.startOutput = '';
  }

  startPrinted(stdout: string, stderr: string): void {
    this.startOutput = clipText([stderr.trimEnd(), stdout.trimEnd()].filter((text) => text !== '').join('\n')).text;
  }

  /** Whether a start was attempted since the instance was made (there is something to save). */
  get attempted(): boolean {
    return this.commandLine !== '';
  }

  /** The artifact of the current run, not saved. */
  current(reason: string, console: CapturedFile | undefined): VmArtifact {
    const guestFiles = Object.fromEntries([...this.guestFiles()].map(([path, text]) => [path, clipText(text).text]));
    return { vm: this.vm, reason, savedAt: new Date().toISOString(), commandLine: this.commandLine, startOutput: this.startOutput, ...(console ? { console } : {}), guestFiles };
  }

  /**
   * Saves the current run's artifact (replacing the previous one); never throws: a full disk must not hide
   * the VM's own failure, it is logged instead.
   */
  save(reason: string, console: CapturedFile | undefined, log: QemuLog): VmArtifact {
    const artifact = this.current(reason, console);
    const files = new Map<string, string>([
      [ARTIFACT_FILES.summary, summaryText(artifact)],
      [ARTIFACT_FILES.commandLine, `sudo -S ${artifact.commandLine}\n`],
      [ARTIFACT_FILES.startOutput, artifact.startOutput],
    ]);
    if (console) files.set(ARTIFACT_FILES.console, console.text);
    for (const [path, text] of Object.entries(artifact.guestFiles)) files.set(`${ARTIFACT_FILES.guestFiles}/${path.replace(/^\/+/, '').replace(/\//g, '_')}`, text);
    try {
      artifact.directory = this.directory.save(files);
      log.debug(`Saved the console and configuration of ${this.vm} in ${artifact.directory} (${reason})`);
    } catch (error) {
      log.warn(`Could not save the console and configuration of ${this.vm} on the server: ${(error as Error).message}`);
    }
    this.saved = artifact;
    return artifact;
  }

  get last(): VmArtifact | undefined {
    return this.saved;
  }

  /** The session ends: the saved files go. */
  dispose(): void {
    this.directory.remove();
    this.saved = undefined;
  }
}
