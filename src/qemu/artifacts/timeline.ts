/**
 * A picture of the boots: for each VM of a `Qemu Start` or `Start All VMs`, when the start command was sent,
 * when QEMU was up (daemonized), when the boot marker was seen, when it was pinned, against its boot
 * budget. One HTML table in the Robot log, so a slow or failed VM among many is seen at a glance, and one
 * server log line per VM with the same figures.
 */
import { escapeHtml } from '../../remote/docs/robot-doc';
import type { QemuLog } from '../call';
import type { ServerEventLog } from '../server-log';

export type BootMark = 'sent' | 'up' | 'booted' | 'pinned';

const MARKS: readonly BootMark[] = ['sent', 'up', 'booted', 'pinned'];
const MARK_TITLES: Readonly<Record<BootMark, string>> = { sent: 'start command sent', up: 'QEMU up', booted: 'boot marker seen', pinned: 'pinned' };
/** Bar colours of the phase that ends at each mark. */
const PHASE_COLOURS: Readonly<Record<BootMark, string>> = { sent: '#bbb', up: '#6a9fd8', booted: '#5cb85c', pinned: '#a07cc5' };

/** One VM's boot, in milliseconds since the keyword began. */
export class BootTimeline {
  readonly begun = Date.now();
  private readonly at = new Map<BootMark, number>();
  private failure: { at: number; reason: string } | undefined;
  /** The boot budget (boot_timeout), once known. */
  budgetSeconds: number | undefined;
  /** What showed the boot ('Press enter to exit' in /tmp/serial_1.log). */
  detectedBy: string | undefined;

  /** The row's name: the manager's VM name (set by the manager), else `vm`. */
  name: string;

  /** `vm`: 'VM 1 on dut1'. */
  constructor(readonly vm: string) {
    this.name = vm;
  }

  mark(what: BootMark): void {
    this.at.set(what, Date.now() - this.begun);
  }

  failed(reason: string): void {
    if (this.failure === undefined) this.failure = { at: Date.now() - this.begun, reason };
  }

  get(what: BootMark): number | undefined {
    return this.at.get(what);
  }

  get failedAt(): { at: number; reason: string } | undefined {
    return this.failure;
  }

  /** The last moment anything happened. */
  get end(): number {
    return Math.max(0, ...this.at.values(), this.failure?.at ?? 0);
  }

  get outcome(): 'booted' | 'failed' | 'unfinished' {
    return this.failure !== undefined ? 'failed' : this.at.has('booted') ? 'booted' : 'unfinished';
  }
}

function secondsText(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/** The server log's fields for one VM. */
export function timelineFields(timeline: BootTimeline): Record<string, string | number> {
  const fields: Record<string, string | number> = { vm: timeline.name, outcome: timeline.outcome };
  if (timeline.name !== timeline.vm) fields.where = timeline.vm;
  for (const mark of MARKS) {
    const at = timeline.get(mark);
    if (at !== undefined) fields[`${mark}S`] = Math.round(at / 100) / 10;
  }
  if (timeline.budgetSeconds !== undefined) fields.budgetS = timeline.budgetSeconds;
  const failure = timeline.failedAt;
  if (failure) {
    fields.failedS = Math.round(failure.at / 100) / 10;
    fields.reason = failure.reason.split('\n')[0].slice(0, 200);
  }
  return fields;
}

function row(timeline: BootTimeline, scaleMs: number, startOffset: number): string {
  const pct = (ms: number): string => `${((100 * ms) / scaleMs).toFixed(2)}%`;
  const segments: string[] = [];
  let from = 0;
  for (const mark of MARKS) {
    const at = timeline.get(mark);
    if (at === undefined) continue;
    segments.push(
      `<div title="${escapeHtml(`${MARK_TITLES[mark]} at +${secondsText(at)}`)}" style="position:absolute;top:2px;height:14px;left:${pct(startOffset + from)};width:${pct(Math.max(at - from, scaleMs / 500))};background:${PHASE_COLOURS[mark]}"></div>`,
    );
    from = at;
  }
  const failure = timeline.failedAt;
  if (failure) {
    segments.push(`<div title="failed at +${secondsText(failure.at)}" style="position:absolute;top:0;height:18px;left:${pct(startOffset + from)};width:${pct(Math.max(failure.at - from, scaleMs / 200))};background:#d9534f"></div>`);
  }
  const sent = timeline.get('sent');
  if (timeline.budgetSeconds !== undefined && sent !== undefined && sent + timeline.budgetSeconds * 1000 <= scaleMs) {
    segments.push(`<div title="boot budget ends" style="position:absolute;top:0;height:18px;left:${pct(startOffset + sent + timeline.budgetSeconds * 1000)};border-left:2px dashed #d9534f"></div>`);
  }
  const booted = timeline.get('booted');
  const used = timeline.budgetSeconds !== undefined && sent !== undefined && booted !== undefined ? ` (${Math.round((100 * (booted - sent)) / (timeline.budgetSeconds * 1000))}%)` : '';
  const cells = [
    `<td><b>${escapeHtml(timeline.name)}</b>${timeline.name !== timeline.vm ? `<br><small>${escapeHtml(timeline.vm)}</small>` : ''}</td>`,
    `<td style="width:50%;min-width:20em"><div style="position:relative;height:18px;background:#f4f4f4">${segments.join('')}</div></td>`,
    ...MARKS.map((mark) => `<td>${secondsText(timeline.get(mark))}</td>`),
    `<td>${timeline.budgetSeconds === undefined ? '-' : `${timeline.budgetSeconds} s${used}`}</td>`,
    `<td>${timeline.outcome === 'failed' ? `<span style="color:#d9534f">failed at ${secondsText(failure?.at)}</span>: ${escapeHtml((failure?.reason ?? '').split('\n')[0].slice(0, 300))}` : escapeHtml(timeline.outcome === 'booted' ? `booted (${timeline.detectedBy ?? ''})` : 'not booted')}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

/** The HTML table of `timelines`, on one time axis from the earliest keyword start. */
export function timelineHtml(title: string, timelines: readonly BootTimeline[]): string {
  const origin = Math.min(...timelines.map((timeline) => timeline.begun));
  const scaleMs = Math.max(1, ...timelines.map((timeline) => timeline.begun - origin + timeline.end));
  const legend = MARKS.map((mark) => `<span style="display:inline-block;width:1em;height:0.8em;background:${PHASE_COLOURS[mark]}"></span> until ${MARK_TITLES[mark]}`).join(' &nbsp; ');
  const head = ['VM', `timeline (0 to ${secondsText(scaleMs)})`, ...MARKS.map((mark) => MARK_TITLES[mark]), 'budget (used)', 'outcome'].map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const rows = timelines.map((timeline) => row(timeline, scaleMs, timeline.begun - origin)).join('');
  return `<details open><summary>${escapeHtml(title)}</summary><table border="1" style="border-collapse:collapse;font-size:90%"><tr>${head}</tr>${rows}</table><small>${legend} &nbsp; <span style="color:#d9534f">red: failure; dashed: boot budget end</span>; times from the keyword's start</small></details>`;
}

/** Puts `timelines` into the Robot log (one table) and the server log, `report` (one line each). */
export function reportBoots(title: string, timelines: readonly BootTimeline[], log: QemuLog, report: ServerEventLog): void {
  if (timelines.length === 0) return;
  log.html?.(timelineHtml(title, timelines));
  for (const timeline of timelines) report.info('VM boot', timelineFields(timeline));
}
