/** The bounded console capture (run by the real `sh` on real files), the artifact's HTML and the boot timeline. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  artifactHtml,
  BootTimeline,
  CAPTURE_HEAD_BYTES,
  CAPTURE_TAIL_BYTES,
  captureLines,
  clipText,
  splitCaptures,
  timelineFields,
  timelineHtml,
  VmArtifacts,
} from '../../../src/qemu/artifacts';
import { SILENT_LOG } from '../../../src/qemu/call';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qur-capture-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(paths: string[], before = 'echo before', after = 'echo after'): ReturnType<typeof splitCaptures> {
  return splitCaptures(execFileSync('sh', ['-c', [before, ...captureLines(paths), after].join('\n')], { encoding: 'utf8', maxBuffer: 8 * 1024 * 1024 }));
}

describe('console capture', () => {
  it('returns a short file whole, with or without a final newline, and leaves the rest of the output alone', () => {
    const withNewline = join(dir, 'a.log');
    const without = join(dir, 'b.log');
    writeFileSync(withNewline, 'line 1\r\nline 2\n');
    writeFileSync(without, 'no newline');
    const { captures, rest } = capture([withNewline, without, join(dir, 'missing.log')]);
    expect(captures.get(withNewline)).toEqual({ path: withNewline, size: 15, text: 'line 1\nline 2\n', cut: 0 });
    expect(captures.get(without)).toEqual({ path: without, size: 10, text: 'no newline', cut: 0 });
    expect(captures.has(join(dir, 'missing.log'))).toBe(false);
    expect(rest).toBe('before\nafter\n');
  });

  it('keeps the head and the tail of a long file and says how much was cut', () => {
    const long = join(dir, 'long.log');
    const lines = Array.from({ length: 40_000 }, (_, index) => `line ${String(index).padStart(6, '0')}`);
    writeFileSync(long, `${lines.join('\n')}\n`);
    const size = statSync(long).size;
    const got = capture([long]).captures.get(long);
    expect(got?.size).toBe(size);
    expect(got?.cut).toBe(size - CAPTURE_HEAD_BYTES - CAPTURE_TAIL_BYTES);
    expect(got?.text.startsWith('line 000000\nline 000001\n')).toBe(true);
    expect(got?.text.endsWith('line 039998\nline 039999\n')).toBe(true);
    expect(got?.text).toContain(`[... ${size - CAPTURE_HEAD_BYTES - CAPTURE_TAIL_BYTES} bytes cut by qemu-utils-remote`);
    expect(got?.text).not.toContain('line 020000\n');
  });

  it('clips text the server holds the same way', () => {
    expect(clipText('short')).toEqual({ text: 'short', cut: 0 });
    const clipped = clipText('x'.repeat(CAPTURE_HEAD_BYTES + CAPTURE_TAIL_BYTES + 10));
    expect(clipped.cut).toBe(10);
    expect(clipped.text.length).toBeLessThan(CAPTURE_HEAD_BYTES + CAPTURE_TAIL_BYTES + 200);
  });
});

describe('VmArtifacts', () => {
  it('saves console, command line, QEMU output and guest files in a private directory, escaped in HTML', () => {
    const files = new Map([['/etc/vm_init_1.conf', '#!/bin/bash\necho <init>\n']]);
    const artifacts = new VmArtifacts('VM 1 on dut1', () => files);
    expect(artifacts.attempted).toBe(false);
    artifacts.starting("qemu-system-x86_64 -append 'init=/x'");
    artifacts.startPrinted('', 'qemu: could not open <disk>\n');
    const saved = artifacts.save('Qemu Start failed', { path: '/tmp/serial_1.log', size: 5, text: 'a<b>\n', cut: 0 }, SILENT_LOG);
    const directory = saved.directory ?? '';
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(join(directory, 'console.log')).mode & 0o777).toBe(0o600);
    expect(execFileSync('cat', [join(directory, 'console.log'), join(directory, 'guest-files', 'etc_vm_init_1.conf'), join(directory, 'qemu-output.txt')], { encoding: 'utf8' })).toBe(
      'a<b>\n#!/bin/bash\necho <init>\nqemu: could not open <disk>',
    );
    const html = artifactHtml(saved);
    expect(html).toContain('<details><summary>Guest console /tmp/serial_1.log (5 bytes)</summary>');
    expect(html).toContain('a&lt;b&gt;');
    expect(html).toContain("sudo -S qemu-system-x86_64 -append 'init=/x'");
    expect(html).toContain('<summary>Guest file /etc/vm_init_1.conf</summary>');
    expect(html).toContain('qemu: could not open &lt;disk&gt;');
    expect(artifacts.last).toBe(saved);
    artifacts.dispose();
    expect(() => statSync(directory)).toThrow();
    expect(artifacts.last).toBeUndefined();
    // The server's root went with its last VM directory.
    expect(existsSync(dirname(directory))).toBe(false);
  });

  it("removes what a server process that is gone left, on the first save of the next", () => {
    const base = join(tmpdir(), `qemu-utils-remote-artifacts-${process.getuid?.() ?? 0}`);
    const stale = join(base, '2147483646-dead');
    mkdirSync(stale, { recursive: true, mode: 0o700 });
    const artifacts = new VmArtifacts('VM 2 on dut1', () => new Map());
    artifacts.starting('qemu-system-x86_64');
    const directory = artifacts.save('Qemu Kill', undefined, SILENT_LOG).directory ?? '';
    expect(existsSync(stale)).toBe(false);
    expect(dirname(dirname(directory))).toBe(base);
    expect(statSync(base).mode & 0o777).toBe(0o700);
    artifacts.dispose();
  });
});

describe('boot timeline', () => {
  it('has a row per VM with its marks, budget and outcome, and the same figures for the server log', () => {
    const booted = new BootTimeline('VM 1 on dut1');
    booted.name = 'DUT1_1';
    booted.mark('sent');
    booted.mark('up');
    booted.budgetSeconds = 300;
    booted.mark('booted');
    booted.detectedBy = "'Press enter to exit'";
    booted.mark('pinned');
    const failed = new BootTimeline('VM 2 on dut1');
    failed.mark('sent');
    failed.failed('QEMU: NF failed to run on dut1! the guest kernel panicked: <panic>\nmore');
    const html = timelineHtml('Start All VMs: 2 VM(s)', [booted, failed]);
    expect(html).toMatch(/<tr><td><b>DUT1_1<\/b><br><small>VM 1 on dut1<\/small><\/td>.*<td>300 s \(0%\)<\/td><td>booted \('Press enter to exit'\)<\/td><\/tr>/);
    expect(html).toMatch(/<tr><td><b>VM 2 on dut1<\/b><\/td>.*<td>-<\/td><td>-<\/td><td>-<\/td><td>-<\/td><td><span style="color:#d9534f">failed at [\d.]+ s<\/span>: QEMU: NF failed to run on dut1! the guest kernel panicked: &lt;panic&gt;<\/td><\/tr>/);
    expect(timelineFields(booted)).toEqual({ vm: 'DUT1_1', where: 'VM 1 on dut1', outcome: 'booted', sentS: expect.any(Number), upS: expect.any(Number), bootedS: expect.any(Number), pinnedS: expect.any(Number), budgetS: 300 });
    expect(timelineFields(failed)).toMatchObject({ vm: 'VM 2 on dut1', outcome: 'failed', reason: 'QEMU: NF failed to run on dut1! the guest kernel panicked: <panic>' });
  });
});
