import { printableName } from '../../../src/remote/docs/printable-name';

describe('printableName (Robot code_style printable_name)', () => {
  it.each([
    ['qemu_add_vhost_user_if', 'Qemu Add Vhost User If'],
    ['qemu_start', 'Qemu Start'],
    ['countItemsInDirectory', 'Count Items In Directory'],
    ['getHTTPResponse', 'Get HTTP Response'],
    ['miXed_CAPS_nAMe', 'MiXed CAPS NAMe'],
    ['Ret Types', 'Ret Types'],
    ['under_and space', 'Under And Space'],
    ['simple', 'Simple'],
    ['kw_00', 'Kw 00'],
    ['qemu2', 'Qemu 2'],
    ['', ''],
  ])('%s -> %s', (name, printable) => {
    expect(printableName(name)).toBe(printable);
  });
});
