/**
 * The QEMU command line as an ordered list of `-name value` options (the original's QemuOptions): one option
 * may appear many times (`-device`, `-chardev`), and order is kept.
 *
 * Some values depend on facts about the host only known when the command is about to run (the QEMU version,
 * whether `auto` picked KVM): those are stored as functions of a HostProfile and resolved at rendering, so
 * `Qemu Init` never has to reach the node.
 */
import { shellQuote } from '../node/quote';
import { QemuConfigError } from './errors';
import type { QemuFeatures } from './version';

/** A kernelvm's kernel and initrd, chosen on the node as a pair of one version (CSIT HEAD's `-kernel`/`-initrd`). */
export interface KernelvmBootFiles {
  kernel: string;
  initrd: string;
}

/** The accelerator actually used (an `auto` setting resolved) and what the QEMU binary supports. */
export interface HostProfile {
  accelerator: 'kvm' | 'tcg';
  features: QemuFeatures;
  /** Read from the node just before rendering, for a command line with HEAD's `-kernel`/`-initrd`. */
  kernelvmBoot?: KernelvmBootFiles;
}

/**
 * Shell text put on the command line as is, for the one place the original lets the node's shell compute
 * a value (`-kernel $(readlink -m <img>* | tail -1)`). Only built by this module from quoted parts.
 */
export interface ShellExpression {
  readonly shellExpression: string;
}

/** A value computed when rendering; `null` drops the option (e.g. `-balloon` on QEMU >= 4.2). */
export type HostDependentValue = (host: HostProfile) => string | null;

export type OptionValue = string | ShellExpression | HostDependentValue;

interface OptionEntry {
  name: string;
  value: OptionValue;
}

const OPTION_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The newest file matching `<prefix>*`, resolved by the node's shell as the original did. */
export function newestFileMatching(prefix: string): ShellExpression {
  return { shellExpression: `"$(readlink -m ${shellQuote(prefix)}* | tail -1)"` };
}

/**
 * A value inside a QEMU key=value option list: a comma there separates options, so QEMU reads `,,` as a
 * literal comma. Without this, a path like `/tmp/x,server=off` would inject an option.
 */
export function qemuOptText(value: string): string {
  return value.replace(/,/g, ',,');
}

function isShellExpression(value: OptionValue): value is ShellExpression {
  return typeof value === 'object' && value !== null && 'shellExpression' in value;
}

export class QemuOptions {
  private readonly entries: OptionEntry[] = [];

  /** Adds `-name value`; an empty value gives a bare `-name` (a flag). */
  add(name: string, value: OptionValue = ''): void {
    if (!OPTION_NAME.test(name)) throw new QemuConfigError(`Not a QEMU option name: ${JSON.stringify(name)}`);
    this.entries.push({ name, value });
  }

  get length(): number {
    return this.entries.length;
  }

  /** Whether a `-name` option was added (whatever its value). */
  has(name: string): boolean {
    return this.entries.some((entry) => entry.name === name);
  }

  /** The options as shell words (`-name`, quoted value), in order. */
  words(host: HostProfile): string[] {
    const words: string[] = [];
    for (const { name, value } of this.entries) {
      const resolved = typeof value === 'function' ? value(host) : value;
      if (resolved === null) continue;
      words.push(`-${name}`);
      if (isShellExpression(resolved)) words.push(resolved.shellExpression);
      else if (resolved !== '') words.push(shellQuote(resolved));
    }
    return words;
  }

  /** Space-separated, ready for a shell command line: no doubled spaces, nothing trailing. */
  render(host: HostProfile): string {
    return this.words(host).join(' ');
  }
}
