/**
 * Guest templates (`templates/vm/`): Python's `string.Template.safe_substitute` rules, and the choice of a
 * template by VNF name that can only ever pick a file that is there.
 */
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

/** VNF names are plain words: a name can never reach outside the template directory. */
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class TemplateStore {
  constructor(readonly directory: string) {}

  /** Names of the `.exec` templates present (the VPP VNFs that can be configured). */
  async execTemplates(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (error) {
      throw new QemuConfigError(`QEMU: template directory ${this.directory} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    return entries.filter((entry) => entry.endsWith('.exec')).map((entry) => entry.slice(0, -'.exec'.length)).sort();
  }

  /** The VPP `.exec` template of VNF `vnf`; only names listed in the directory are accepted. */
  async execTemplate(vnf: string): Promise<string> {
    const available = await this.execTemplates();
    if (!TEMPLATE_NAME.test(vnf) || !available.includes(vnf)) {
      throw new QemuConfigError(
        `QEMU: no VPP template for VNF ${JSON.stringify(vnf)} in ${this.directory}; available: ${available.join(', ') || 'none'}`,
      );
    }
    return this.read(`${vnf}.exec`);
  }

  /** The guest init script template. */
  async initTemplate(): Promise<string> {
    return this.read('init.sh');
  }

  private async read(fileName: string): Promise<string> {
    try {
      return await readFile(join(this.directory, fileName), 'utf8');
    } catch (error) {
      throw new QemuConfigError(`QEMU: template ${fileName} cannot be read from ${this.directory}: ${(error as Error).message}`, { cause: error });
    }
  }
}
