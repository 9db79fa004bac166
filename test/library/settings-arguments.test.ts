import { QemuConfigError } from '../../src/qemu/errors';
import { SETTING_DESCRIPTORS } from '../../src/qemu/settings';
import { robotBool } from '../../src/library/robot-values';
import { SETTING_PARAMETERS, settingsFromArguments, settingsFromText } from '../../src/library/settings-arguments';

describe('settings as Robot arguments and server-wide text', () => {
  it('parse server-wide text and typed Qemu Init values by key', () => {
    expect(settingsFromText({ accel: 'tcg', boot_timeout: '90', allocate_hugepages: 'yes', kernel_args: 'pci=nomsi', cpu_model: null }, 'x')).toEqual({
      accel: 'tcg',
      bootTimeout: 90,
      allocateHugepages: true,
      kernelArgs: 'pci=nomsi',
    });
    expect(settingsFromText({ guest_hugepages: 128, testpmd_main_lcore_flag: '--main-lcore' }, 'x')).toEqual({ guestHugepages: 128, testpmdMainLcoreFlag: '--main-lcore' });
  });

  it('fail on unknown keys and bad values, naming what is accepted', () => {
    expect(() => settingsFromText({ acel: 'kvm' }, '--qemu-option')).toThrow(/--qemu-option: unknown QEMU setting 'acel'; known: accel, cpu_model/);
    expect(() => settingsFromText({ accel: 'hvf' }, 'Qemu Init')).toThrow(/'accel' must be one of kvm, tcg, auto/);
    expect(() => settingsFromText({ boot_timeout: '0' }, 'x')).toThrow(QemuConfigError);
    expect(() => settingsFromText({ boot_timeout: 'soon' }, 'x')).toThrow(/^x 'boot_timeout' must be an integer >= 1, got "soon"$/);
    expect(() => settingsFromText({ allocate_hugepages: 'maybe' }, 'x')).toThrow(/must be a boolean/);
  });

  it('take contract as 2019 or head, from text, a number (2019 typed unquoted) or a keyword argument', () => {
    expect(settingsFromText({ contract: 'head' }, '--qemu-option')).toEqual({ contract: 'head' });
    expect(settingsFromText({ contract: 2019 }, 'Qemu Init')).toEqual({ contract: '2019' });
    expect(settingsFromArguments({ node: {}, contract: '' }, 'Qemu Manager Init')).toEqual({});
    expect(() => settingsFromText({ contract: 'HEAD2026' }, 'Qemu Init')).toThrow(/^Qemu Init 'contract' must be one of 2019, head, got "HEAD2026"$/);
  });

  it("take a keyword's settings, Robot's empty text (its None) meaning not given", () => {
    expect(settingsFromArguments({ node: {}, qemu_id: 3, accel: 'tcg', cpu_model: '', boot_timeout: null, allocate_hugepages: true }, 'Qemu Init')).toEqual({
      accel: 'tcg',
      allocateHugepages: true,
    });
  });

  it('publish every setting as a named-only argument with a Robot type that takes None', () => {
    expect(SETTING_PARAMETERS.map((parameter) => parameter.name)).toEqual(SETTING_DESCRIPTORS.map((setting) => setting.key));
    for (const parameter of SETTING_PARAMETERS) {
      expect([parameter.name, parameter.kind, parameter.default]).toEqual([parameter.name, 'named-only', null]);
      expect(parameter.type).toMatch(/\| None$/);
    }
    expect(SETTING_PARAMETERS.find((parameter) => parameter.name === 'allocate_hugepages')?.type).toBe('bool | None');
    expect(SETTING_PARAMETERS.find((parameter) => parameter.name === 'boot_timeout')?.type).toBe('int | None');
  });
});

describe("Robot's booleans", () => {
  it('convert with Robot\'s rules', () => {
    expect(['True', 'yes', 'ON', '1', true, 1].map((value) => robotBool(value, 'x'))).toEqual([true, true, true, true, true, true]);
    expect(['False', 'no', 'off', '0', '', 'None', false, null].map((value) => robotBool(value, 'x'))).toEqual(Array(8).fill(false));
  });

  it('fail naming the argument and the words accepted', () => {
    expect(() => robotBool('maybe', 'jumbo')).toThrow(/^jumbo must be a boolean \(True\/False, yes\/no, on\/off, 1\/0\), got "maybe"$/);
  });
});
