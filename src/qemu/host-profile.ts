/**
 * What the QEMU command line depends on besides the VM: the version of `<bin_path>/qemu-system-<arch>` on
 * the node and the accelerator it runs under. Asked of the node once, and again after `Build Qemu`.
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { resolveAccelerator } from './accelerator';
import type { CallContext } from './call';
import { QemuVersionError } from './errors';
import { onNodeStep } from './node-step';
import type { HostProfile } from './options';
import type { GuestArch } from './params';
import type { QemuSettings } from './settings';
import { coerceVersion, parseQemuVersionOutput, versionAtLeast } from './version';

export class HostProfileCache {
  private profile: HostProfile | undefined;

  constructor(
    private readonly node: Node,
    private readonly binary: string,
    private readonly arch: GuestArch,
    private readonly settings: QemuSettings,
  ) {}

  /** The QEMU version and accelerator the command line is written for. */
  async resolve(call: CallContext): Promise<HostProfile> {
    if (this.profile) return this.profile;
    return onNodeStep(call, this.node, `asking for the QEMU version and accelerator (${this.binary})`, () => this.ask(call));
  }

  /** The binary may have changed (`Build Qemu`): ask again next time. */
  forget(): void {
    this.profile = undefined;
  }

  private async ask(call: CallContext): Promise<HostProfile> {
    let version = this.settings.qemuVersion === undefined ? undefined : coerceVersion(this.settings.qemuVersion);
    if (version === undefined) {
      const result = await execCmd(this.node, `${shellQuote(this.binary)} --version`, { sudo: true, timeout: 60, signal: call.signal });
      const found = result.rc === 0 ? parseQemuVersionOutput(result.stdout) : undefined;
      version = found === undefined ? undefined : coerceVersion(found);
      if (version === undefined) {
        call.log.warn(
          `QEMU version of ${this.binary} on ${this.node.host} unknown (rc ${String(result.rc)}: ` +
            `${(result.stderr || result.stdout).trim().slice(0, 200)}); writing the command line as for QEMU 2.x ` +
            `(-balloon none, server,nowait). Set qemu_version=... to choose.`,
        );
        // Not cached: the binary may appear later (`Build Qemu`).
        return { accelerator: await resolveAccelerator(this.node, this.binary, this.arch, this.settings, call), features: {} };
      }
    }
    const accelerator = await resolveAccelerator(this.node, this.binary, this.arch, this.settings, call);
    this.profile = { accelerator, features: { version } };
    call.log.debug(`QEMU ${version.version} with ${accelerator} on ${this.node.host}`);
    return this.profile;
  }

  /** `qemu_version`: the version string, or whether it is at least `version`. */
  async qemuVersion(version: string | null | undefined, call: CallContext): Promise<string | boolean> {
    const command = `${shellQuote(this.binary)} --version`;
    const result = await onNodeStep(call, this.node, `asking for the QEMU version (${this.binary} --version)`, () =>
      execCmdNoError(this.node, command, { sudo: true, timeout: 60, signal: call.signal }),
    );
    const found = parseQemuVersionOutput(result.stdout);
    if (found === undefined) {
      // The original's match() of 'QEMU emulator version ([\d.]*)' raised AttributeError here (or, with digits
      // missing, returned '' / failed comparing it); its errors all begin 'QEMU: '.
      const output = result.stdout.trim().slice(0, 200);
      throw new QemuVersionError(
        `QEMU: cannot read the version: the output of ${command} on ${this.node.host} has no "QEMU emulator version <number>": ${output ? JSON.stringify(output) : '(no output)'}`,
      );
    }
    return version ? versionAtLeast(found, version) : found;
  }
}
