import { QemuVersionError } from '../../src/qemu/errors';
import { DEFAULT_SETTINGS, mergeSettings, parseSettings, SETTING_DESCRIPTORS } from '../../src/qemu/settings';
import {
  coerceVersion,
  hasBalloonOption,
  parseQemuVersionOutput,
  supportsFileLocking,
  versionAtLeast,
  wantsExplicitBooleans,
} from '../../src/qemu/version';

describe('QEMU version parsing and comparison', () => {
  it.each([
    ['QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022', '7.2.22'],
    ['QEMU emulator version 2.11.1(Debian 1:2.11+dfsg-1ubuntu7.41)', '2.11.1'],
    ['QEMU emulator version 2.5.0.1, Copyright', '2.5.0.1'],
    ['QEMU emulator version 8.2.0 (v8.2.0-rc2)', '8.2.0'],
  ])('reads %j as %s', (output, version) => {
    expect(parseQemuVersionOutput(output)).toBe(version);
  });

  it('finds nothing in unrelated or empty output', () => {
    expect(parseQemuVersionOutput('')).toBeUndefined();
    expect(parseQemuVersionOutput('QEMU emulator version (unknown)')).toBeUndefined();
  });

  it('compares coerced versions with >= (4-part and 2-part alike)', () => {
    expect(versionAtLeast('2.10', '2.10')).toBe(true);
    expect(versionAtLeast('2.5.0.1', '2.5')).toBe(true);
    expect(versionAtLeast('2.9.1', '2.10')).toBe(false);
    expect(versionAtLeast('7.2.22', '4.2')).toBe(true);
    expect(() => versionAtLeast('7.2.22', 'latest')).toThrow(QemuVersionError);
  });

  it('derives the spellings from the version; unknown keeps the 2019 ones', () => {
    expect(hasBalloonOption({})).toBe(true);
    expect(wantsExplicitBooleans({})).toBe(false);
    expect(supportsFileLocking({})).toBe(false);
    const v72 = { version: coerceVersion('7.2.22') };
    expect([hasBalloonOption(v72), wantsExplicitBooleans(v72), supportsFileLocking(v72)]).toEqual([false, true, true]);
    const v5 = { version: coerceVersion('5.2') };
    expect([hasBalloonOption(v5), wantsExplicitBooleans(v5), supportsFileLocking(v5)]).toEqual([false, false, true]);
  });
});

describe('settings', () => {
  it('default to the original behaviour', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ accel: 'kvm', hugepageMount: '/dev/hugepages', guestHugepages: 256, kernelArgs: '', startTimeout: 300, testpmdMainLcoreFlag: '--master-lcore', dpdkPath: '/opt/dpdk-19.02' });
    expect(DEFAULT_SETTINGS.cpuModel).toBeUndefined();
  });

  it('check typed values by key; None means not given', () => {
    const typed = { accel: 'tcg', boot_timeout: 90, allocate_hugepages: true, guest_hugepages: 0, testpmd_main_lcore_flag: '--main-lcore', cpu_model: null };
    expect(parseSettings(typed, 'x')).toEqual({ accel: 'tcg', bootTimeout: 90, allocateHugepages: true, guestHugepages: 0, testpmdMainLcoreFlag: '--main-lcore' });
  });

  it('fail on unknown keys and bad values, naming the setting and what is accepted', () => {
    const failure = (values: Record<string, unknown>, where = 'x') => () => parseSettings(values, where);
    expect(failure({ acel: 'kvm' }, '--qemu-option')).toThrow(/--qemu-option: unknown QEMU setting 'acel'; known: accel, cpu_model/);
    expect(failure({ accel: 'hvf' }, 'Qemu Init')).toThrow(/'accel' must be one of kvm, tcg, auto/);
    expect(failure({ boot_timeout: 0 })).toThrow(/^x 'boot_timeout' must be an integer >= 1, got 0$/);
    expect(failure({ boot_timeout: '90' })).toThrow(/^x 'boot_timeout' must be an integer >= 1, got "90"$/);
    expect(failure({ allocate_hugepages: 'yes' })).toThrow(/^x 'allocate_hugepages' must be true or false, got "yes"$/);
  });

  it('merge layers, later ones winning, undefined leaving the earlier value', () => {
    const merged = mergeSettings({ accel: 'tcg', kernelArgs: 'a' }, { accel: 'auto', kernelArgs: undefined });
    expect(merged.accel).toBe('auto');
    expect(merged.kernelArgs).toBe('a');
    expect(merged.hugepageMount).toBe('/dev/hugepages');
  });

  it('document every setting', () => {
    for (const descriptor of SETTING_DESCRIPTORS) expect([descriptor.key, descriptor.doc.length > 10]).toEqual([descriptor.key, true]);
  });
});
