/** loadTestbed: a missing or stale testbed.json fails with the command to run, a good one loads typed. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTestbed, qemuAccelArgs, TestbedMissingError } from '../support/testbed';
import { makeWorkDir, removeWorkDir } from '../support/bed';

describe('loadTestbed', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeWorkDir('info');
  });
  afterEach(() => removeWorkDir(dir));

  function description(overrides: Record<string, unknown>): string {
    const file = join(dir, 'testbed.json');
    const present = join(dir, 'present');
    writeFileSync(present, '');
    writeFileSync(
      file,
      JSON.stringify({
        formatVersion: 1,
        createdAt: '2025-01-01T00:00:00Z',
        repoDir: dir,
        cacheDir: dir,
        stateDir: dir,
        kernel: present,
        kernelExtraArgs: 'pci=nomsi',
        nestedImage: present,
        nestedMarker: 'QUR-NESTEDVM-UP',
        qemu: present,
        qemuVersion: '7.2.22',
        testpmd: present,
        hostTestpmdScript: present,
        hugepages: { sizeKb: 2048, total: 2048, mount: '/dev/hugepages' },
        accel: 'tcg',
        cpu: 'max',
        accelReason: 'test',
        ...overrides,
      }),
    );
    return file;
  }

  test('a missing file names setup.sh', () => {
    const file = join(dir, 'absent.json');
    expect(() => loadTestbed(file)).toThrow(TestbedMissingError);
    expect(() => loadTestbed(file)).toThrow(/does not exist; run `bash scripts\/testbed\/setup.sh`/);
  });

  test('a file naming a vanished kernel names the kernel and setup.sh', () => {
    const file = description({ kernel: join(dir, 'vmlinuz-gone') });
    expect(() => loadTestbed(file)).toThrow(/vmlinuz-gone .*is missing; run `bash scripts\/testbed\/setup.sh`/);
  });

  test('an unknown accelerator is rejected', () => {
    expect(() => loadTestbed(description({ accel: 'hvf' }))).toThrow(/accelerator "hvf"/);
  });

  test('invalid JSON is reported as such', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"formatVersion": 1,');
    expect(() => loadTestbed(file)).toThrow(/not valid JSON/);
  });

  test('a complete description loads and gives the recorded accelerator and cpu model', () => {
    const bed = loadTestbed(description({}));
    expect(bed.accel).toBe('tcg');
    expect(bed.hugepages.total).toBe(2048);
    expect(qemuAccelArgs(bed)).toEqual(['-machine', 'pc,accel=tcg,usb=off,mem-merge=off', '-cpu', 'max']);
  });
});
