/**
 * Past HEAD: any VNF. HEAD hard-codes four families (VPP, testpmd io/mac, iperf3) and every VPP or DPDK bump
 * broke one of them (csit-head.md §11.1). `vnf=custom` (or `custom_<name>`) takes the guest's command, its
 * boot marker (text or regular expression) and budget, an optional init template of the payload generation
 * and optional files from the caller, as `Configure Kernelvm Vnf` kwargs:
 *
 *   vnf_bin            the command the init script runs (one line; required)
 *   boot_marker        text in the serial log that means booted, or
 *   boot_marker_regex  a JavaScript regular expression for it (exactly one of the two)
 *   boot_timeout       seconds the boot may take (default 120, HEAD's _wait_default budget)
 *   init_template      init template of the generation (default `init.sh`, HEAD's: vfio-pci, /dev/shm, ...)
 *   vnf_files          {guest path: content}: files written before the init (removed when the VM is killed)
 *
 * Every other kwarg is a value for the init template, whose placeholders must all be filled.
 */
import { requireInteger } from '../checks';
import { QemuConfigError } from '../errors';
import { substituteAll, type TemplateStore } from '../template';
import { templateValues, type VnfKwargs } from '../vnf-args';
import type { HeadBootMarker } from './head-boot';

const KEYWORD = 'Configure Kernelvm Vnf';
const OWN_KEYS = ['vnf_bin', 'boot_marker', 'boot_marker_regex', 'boot_timeout', 'init_template', 'vnf_files'];
/** Absolute, no `..`, nothing a shell or a path could read twice. */
const GUEST_PATH = /^\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+$/;
export const CUSTOM_BOOT_BUDGET = 120;

export function isCustomVnf(vnf: string): boolean {
  return vnf === 'custom' || vnf.startsWith('custom_');
}

export interface CustomPayloadParts {
  vnfBin: string;
  boot: HeadBootMarker;
  files: { temp: string; path: string; content: string }[];
  init: { template: string; content: string };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function bootMarker(kwargs: VnfKwargs): HeadBootMarker {
  const text = kwargs.boot_marker;
  const regex = kwargs.boot_marker_regex;
  const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';
  if (given(text) === given(regex)) {
    throw new QemuConfigError(`${KEYWORD}: vnf=custom needs exactly one of boot_marker=<text> and boot_marker_regex=<regular expression>: the serial log line that says the VNF is up`);
  }
  const budgetSeconds = kwargs.boot_timeout === undefined || kwargs.boot_timeout === null ? CUSTOM_BOOT_BUDGET : requireInteger(kwargs.boot_timeout, `${KEYWORD}: boot_timeout`, 1);
  if (given(text)) {
    if (typeof text !== 'string') throw new QemuConfigError(`${KEYWORD}: boot_marker must be text, got ${JSON.stringify(text)}`);
    return { family: 'custom', success: [new RegExp(escapeRegExp(text))], budgetSeconds, source: `custom: boot_marker ${JSON.stringify(text)}` };
  }
  if (typeof regex !== 'string') throw new QemuConfigError(`${KEYWORD}: boot_marker_regex must be text, got ${JSON.stringify(regex)}`);
  let pattern: RegExp;
  try {
    pattern = new RegExp(regex);
  } catch (error) {
    throw new QemuConfigError(`${KEYWORD}: boot_marker_regex ${JSON.stringify(regex)} is not a regular expression: ${(error as Error).message}`);
  }
  return { family: 'custom', success: [pattern], budgetSeconds, source: `custom: boot_marker_regex /${regex}/` };
}

function vnfFiles(value: unknown): CustomPayloadParts['files'] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new QemuConfigError(`${KEYWORD}: vnf_files must be a dictionary {guest path: content}, got ${JSON.stringify(value)}`);
  return Object.entries(value as Record<string, unknown>).map(([path, content], index) => {
    if (!GUEST_PATH.test(path) || path.split('/').includes('..')) throw new QemuConfigError(`${KEYWORD}: vnf_files path ${JSON.stringify(path)} must be absolute, made of letters, digits, _ . - and /, without ..`);
    if (typeof content !== 'string') throw new QemuConfigError(`${KEYWORD}: vnf_files[${JSON.stringify(path)}] must be text (the file's content), got ${JSON.stringify(content)}`);
    return { temp: `vnf_file${index + 1}`, path, content };
  });
}

/** The custom payload, rendered and checked whole before anything is written. */
export async function customPayload(kwargs: VnfKwargs, templates: TemplateStore): Promise<CustomPayloadParts> {
  const vnfBin = kwargs.vnf_bin;
  if (typeof vnfBin !== 'string' || vnfBin.trim() === '') throw new QemuConfigError(`${KEYWORD}: vnf=custom needs vnf_bin=<the command the guest's init runs>`);
  const boot = bootMarker(kwargs);
  const files = vnfFiles(kwargs.vnf_files);
  const template = kwargs.init_template === undefined || kwargs.init_template === null ? 'init.sh' : String(kwargs.init_template);
  const values = templateValues(Object.fromEntries(Object.entries(kwargs).filter(([key]) => !OWN_KEYS.includes(key) || key === 'vnf_bin')), KEYWORD);
  const content = substituteAll(await templates.initTemplate(template), values, template);
  return { vnfBin, boot, files, init: { template, content } };
}
