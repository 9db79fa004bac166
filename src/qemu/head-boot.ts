/**
 * The kernel and initrd of a CSIT HEAD kernelvm. HEAD took `ls -1 /opt/boot/vmlinuz* | tail -1` and
 * `ls -1 /opt/boot/initrd.img* | tail -1` independently: lexicographic (`-100-` sorts before `-90-`) and
 * unpaired, so a host with two kernels booted one kernel with the other's initrd (CSIT-1877, csit-head.md
 * §9.8). Here both lists come from the node in one command and the newest kernel that has an initrd of the
 * same version is chosen; none fails naming every file found.
 */
import { execCmd, type Node } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { QemuConfigError } from './errors';
import { onNodeStep } from './node-step';
import type { KernelvmBootFiles } from './options';

const KERNEL_STEM = 'vmlinuz';
const INITRD_STEM = 'initrd.img';

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** HEAD's globs: `<img>*` for kernels, `initrd.img*` beside them. */
export function bootFileGlobs(img: string): { kernel: string; initrd: string } {
  return { kernel: `${img}*`, initrd: `${dirOf(img).replace(/\/$/, '')}/${INITRD_STEM}*` };
}

/** One round trip, no sudo (as HEAD's `ls`): every regular file (or link to one) each glob matches, tagged. */
export function bootFilesCommand(img: string): string {
  const initrdPrefix = `${dirOf(img).replace(/\/$/, '')}/${INITRD_STEM}`;
  const loop = (tag: string, prefix: string): string => `for f in ${shellQuote(prefix)}*; do if [ -f "$f" ]; then printf '${tag} %s\\n' "$f"; fi; done`;
  return `${loop('kernel', img)}; ${loop('initrd', initrdPrefix)}`;
}

/** The version a file name carries: what follows `vmlinuz` / `initrd.img` (`-6.8.0-90-generic`, or empty). */
function versionOf(path: string, stem: string, fallbackStem: string): string {
  const base = baseOf(path);
  if (base.startsWith(stem)) return base.slice(stem.length);
  return base.startsWith(fallbackStem) ? base.slice(fallbackStem.length) : base;
}

/** `sort -V` order: runs of digits compare as numbers, everything else as text. */
export function compareVersions(a: string, b: string): number {
  const runs = (text: string): string[] => text.match(/\d+|\D+/g) ?? [];
  const left = runs(a);
  const right = runs(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i], right[i]];
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    const order = numeric ? Number(x) - Number(y) || x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/** Picks the newest kernel with an initrd of its version from what `bootFilesCommand` printed. */
export function pairBootFiles(output: string, img: string, host: string): KernelvmBootFiles & { headChoice: KernelvmBootFiles | undefined } {
  const globs = bootFileGlobs(img);
  const found = (tag: string): string[] =>
    output
      .split('\n')
      .filter((line) => line.startsWith(`${tag} `))
      .map((line) => line.slice(tag.length + 1));
  const kernels = found('kernel');
  const initrds = found('initrd');
  if (kernels.length === 0) throw new QemuConfigError(`QEMU: Qemu Kernel VM image not found! No file matches ${globs.kernel} on ${host}.`);
  if (initrds.length === 0) {
    throw new QemuConfigError(`QEMU: Qemu Kernel initrd image not found! No file matches ${globs.initrd} on ${host} (kernels: ${kernels.join(', ')}).`);
  }
  const imgStem = baseOf(img);
  const initrdByVersion = new Map(initrds.map((path) => [versionOf(path, INITRD_STEM, INITRD_STEM), path]));
  const pairs = kernels
    .map((kernel) => ({ kernel, version: versionOf(kernel, KERNEL_STEM, imgStem) }))
    .filter(({ version }) => initrdByVersion.has(version))
    .sort((a, b) => compareVersions(a.version, b.version));
  const newest = pairs[pairs.length - 1];
  if (newest === undefined) {
    throw new QemuConfigError(
      `QEMU: no kernel and initrd of the same version on ${host}: kernels ${kernels.join(', ')} (${globs.kernel}); ` +
        `initrds ${initrds.join(', ')} (${globs.initrd}). Install the initrd of the kernel to boot (or remove the other kernel).`,
    );
  }
  const lastOf = (paths: string[]): string => [...paths].sort()[paths.length - 1];
  const headChoice = { kernel: lastOf(kernels), initrd: lastOf(initrds) };
  return { kernel: newest.kernel, initrd: initrdByVersion.get(newest.version) as string, headChoice };
}

/** Reads the node and pairs its kernels and initrds; logs the choice, and when HEAD's `ls | tail -1` would differ. */
export async function findKernelvmBootFiles(node: Node, img: string, call: CallContext): Promise<KernelvmBootFiles> {
  const command = bootFilesCommand(img);
  const result = await onNodeStep(call, node, `looking for the kernel and initrd (${bootFileGlobs(img).kernel})`, () =>
    execCmd(node, command, { timeout: 60, signal: call.signal }),
  );
  if (result.rc !== 0) {
    throw new QemuConfigError(`QEMU: listing the kernels and initrds on ${node.host} failed (rc ${String(result.rc)}): ${(result.stderr || result.stdout).trim() || '(no output)'}`);
  }
  const { kernel, initrd, headChoice } = pairBootFiles(result.stdout, img, node.host);
  call.log.info(`Kernel ${kernel} with initrd ${initrd} on ${node.host}`);
  if (headChoice && (headChoice.kernel !== kernel || headChoice.initrd !== initrd)) {
    call.log.warn(`CSIT HEAD would have booted ${headChoice.kernel} with ${headChoice.initrd} (ls | tail -1 of each); chose the newest matching pair instead.`);
  }
  return { kernel, initrd };
}
