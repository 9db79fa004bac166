/**
 * Guest templates (`templates/vm/`): Python's `string.Template.safe_substitute` rules, the choice of a
 * template by VNF name that can only ever pick a file that is there, and payload generations.
 *
 * Generations (payload versions as data): the template directory's own files are generation `2019` (the
 * original's payloads); each subdirectory of it is one more generation named by the subdirectory (`head`:
 * CSIT HEAD's payloads). A generation is a directory of `<vnf>.exec` VPP templates and `init*.sh` init
 * templates; a new VPP or DPDK release gets a new subdirectory, not code.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QemuConfigError } from './errors';

export type TemplateValue = string | number | boolean | null | undefined;

/** Python's Template pattern: `$$`, `$identifier`, `${identifier}`; identifiers are ASCII, case-insensitive. */
const PLACEHOLDER = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\})/g;

/** Python's `str()` of the values Robot can send, so a template reads `True`, not `true`. */
export function pythonStr(value: TemplateValue): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/**
 * `string.Template(text).safe_substitute(**values)`: `$$` becomes `$`, known names are replaced, unknown
 * names and any other `$` are left as they are. Replacements are not scanned again.
 */
export function safeSubstitute(text: string, values: Readonly<Record<string, TemplateValue>>): string {
  return text.replace(PLACEHOLDER, (whole, escaped: string | undefined, named: string | undefined, braced: string | undefined) => {
    if (escaped !== undefined) return '$';
    const name = named ?? braced ?? '';
    return Object.prototype.hasOwnProperty.call(values, name) ? pythonStr(values[name]) : whole;
  });
}

/**
 * The placeholders of `text` that `values` does not fill (`$$` escapes excepted), in order of appearance:
 * safe_substitute leaves them literal, and a literal `$ipsec` reaches VPP's CLI (csit-head.md §9.12).
 */
export function unfilledPlaceholders(text: string, values: Readonly<Record<string, TemplateValue>>): string[] {
  const missing: string[] = [];
  for (const found of text.matchAll(PLACEHOLDER)) {
    const name = found[2] ?? found[3];
    if (name !== undefined && !Object.prototype.hasOwnProperty.call(values, name) && !missing.includes(name)) missing.push(name);
  }
  return missing;
}

/** `safeSubstitute` that refuses to leave a placeholder unfilled; `what` names the template in the error. */
export function substituteAll(text: string, values: Readonly<Record<string, TemplateValue>>, what: string): string {
  const missing = unfilledPlaceholders(text, values);
  if (missing.length > 0) {
    throw new QemuConfigError(`QEMU: template ${what} needs ${missing.map((name) => `${name}=...`).join(', ')}: no value given for ${missing.map((name) => `$${name}`).join(', ')}`);
  }
  return safeSubstitute(text, values);
}

/** VNF names are plain words: a name can never reach outside the template directory. */
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class TemplateStore {
  /** `generation` only labels errors (`(generation head)`). */
  constructor(
    readonly directory: string,
    readonly generation?: string,
  ) {}

  private where(): string {
    return this.generation === undefined ? this.directory : `${this.directory} (generation ${this.generation})`;
  }

  private async list(suffix: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (error) {
      throw new QemuConfigError(`QEMU: template directory ${this.where()} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    return entries.filter((entry) => entry.endsWith(suffix)).sort();
  }

  /** Names of the `.exec` templates present (the VPP VNFs that can be configured). */
  async execTemplates(): Promise<string[]> {
    return (await this.list('.exec')).map((entry) => entry.slice(0, -'.exec'.length));
  }

  /** The VPP `.exec` template of VNF `vnf`; only names listed in the directory are accepted. */
  async execTemplate(vnf: string): Promise<string> {
    const available = await this.execTemplates();
    if (!TEMPLATE_NAME.test(vnf) || !available.includes(vnf)) {
      throw new QemuConfigError(
        `QEMU: no VPP template for VNF ${JSON.stringify(vnf)} in ${this.where()}; available: ${available.join(', ') || 'none'}`,
      );
    }
    return this.read(`${vnf}.exec`);
  }

  /** File names of the init script templates present (`init.sh`, `init_iperf3.sh`, ...). */
  async initTemplates(): Promise<string[]> {
    return (await this.list('.sh')).filter((entry) => entry.startsWith('init'));
  }

  /** The guest init script template `name`; only names listed in the directory are accepted. */
  async initTemplate(name = 'init.sh'): Promise<string> {
    if (name !== 'init.sh') {
      const available = await this.initTemplates();
      if (!TEMPLATE_NAME.test(name) || !available.includes(name)) {
        throw new QemuConfigError(`QEMU: no init template ${JSON.stringify(name)} in ${this.where()}; available: ${available.join(', ') || 'none'}`);
      }
    }
    return this.read(name);
  }

  private async read(fileName: string): Promise<string> {
    try {
      return await readFile(join(this.directory, fileName), 'utf8');
    } catch (error) {
      throw new QemuConfigError(`QEMU: template ${fileName} cannot be read from ${this.where()}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The generation made of the template directory's own files. */
export const ROOT_GENERATION = '2019';

/** The payload generations of a template directory (see the top of this file), chosen by name. */
export class TemplateGenerations {
  constructor(readonly directory: string) {}

  /** `2019` first, then every subdirectory, sorted. */
  async names(): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.directory, { withFileTypes: true });
    } catch (error) {
      throw new QemuConfigError(`QEMU: template directory ${this.directory} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const subdirectories = entries.filter((entry) => entry.isDirectory() && TEMPLATE_NAME.test(entry.name)).map((entry) => entry.name);
    return [ROOT_GENERATION, ...subdirectories.filter((name) => name !== ROOT_GENERATION).sort()];
  }

  /** The templates of generation `name`; a name that is not there fails listing those that are. */
  async generation(name: string): Promise<TemplateStore> {
    const available = await this.names();
    if (!available.includes(name)) {
      throw new QemuConfigError(`QEMU: no template generation ${JSON.stringify(name)} in ${this.directory}; available: ${available.join(', ')}`);
    }
    return new TemplateStore(name === ROOT_GENERATION ? this.directory : join(this.directory, name), name);
  }
}
