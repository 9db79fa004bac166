/**
 * The free keyword arguments of `Configure Kernelvm Vnf` and the `Create Kernelvm *` keywords, the
 * original's `**kwargs`: known keys (`jumbo_frames`, `queues`, the MACs) are checked here, typed; the rest
 * are template values. Text a protocol carries (Robot's `jumbo_frames=False`) is converted by its binding.
 */
import { requireBoolean, requireInteger } from './checks';
import { QemuConfigError } from './errors';
import type { TemplateValue } from './template';

export type VnfKwargs = Record<string, unknown>;

function required(kwargs: VnfKwargs, key: string, keyword: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(kwargs, key)) {
    throw new QemuConfigError(`${keyword} needs the named argument ${key}=... (the original raised KeyError: '${key}')`);
  }
  return kwargs[key];
}

/** `key`: 2019's `jumbo_frames`, or HEAD's `jumbo` (renamed in CSIT `10e9064`). */
export function jumboFramesArg(kwargs: VnfKwargs, keyword: string, key: 'jumbo_frames' | 'jumbo' = 'jumbo_frames'): boolean {
  return requireBoolean(required(kwargs, key, keyword), `${keyword}: ${key}`);
}

export function queuesArg(kwargs: VnfKwargs, keyword: string): number {
  return requireInteger(required(kwargs, 'queues', keyword), `${keyword}: queues`, 1, 1024);
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

export function macArg(kwargs: VnfKwargs, key: string, keyword: string): string {
  const value = required(kwargs, key, keyword);
  if (typeof value !== 'string' || !MAC.test(value)) {
    throw new QemuConfigError(`${keyword}: ${key} must be a MAC address like 52:54:00:00:01:02, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Values for a template: Robot scalars as Python's `str()` would print them. A value with a line break
 * could add lines (commands) to a VPP exec file or the init script, so it is refused.
 */
export function templateValues(kwargs: VnfKwargs, keyword: string): Record<string, TemplateValue> {
  const values: Record<string, TemplateValue> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (value !== null && value !== undefined && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new QemuConfigError(`${keyword}: ${key} must be a scalar (text, number or boolean) to fill a template`);
    }
    if (typeof value === 'string' && /[\r\n\0]/.test(value)) {
      throw new QemuConfigError(`${keyword}: ${key} must be a single line (it is written into a guest config file), got ${JSON.stringify(value)}`);
    }
    values[key] = value as TemplateValue;
  }
  return values;
}
