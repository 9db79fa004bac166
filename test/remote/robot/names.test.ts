import { normalizedName, printableName } from '../../../src/remote/robot/names';
import { askRobot } from './robot-python';

// Every path of printable_name(code_style=True): underscores, spaces, a lower-case word, camelCase with
// capitals runs and digits, and non-ASCII letters and digits (Python's str methods are Unicode-aware).
const NAMES: Array<[string, string]> = [
  ['qemu_add_vhost_user_if', 'Qemu Add Vhost User If'],
  ['qemu_start', 'Qemu Start'],
  ['stop_remote_server', 'Stop Remote Server'],
  ['countItemsInDirectory', 'Count Items In Directory'],
  ['getHTTPResponse', 'Get HTTP Response'],
  ['mixedCAPSCamel', 'Mixed CAPS Camel'],
  ['miXed_CAPS_nAMe', 'MiXed CAPS NAMe'],
  ['Ret Types', 'Ret Types'],
  ['under_and space', 'Under And Space'],
  ['more   spaces', 'More Spaces'],
  ['simple', 'Simple'],
  ['ABC', 'ABC'],
  ['kw_00', 'Kw 00'],
  ['qemu2', 'Qemu 2'],
  ['version2Name', 'Version 2 Name'],
  ['a1b2', 'A 1 B 2'],
  ['__leading_and_trailing__', 'Leading And Trailing'],
  ['', ''],
  ['größeÄndern', 'Größe Ändern'],
  ['straße', 'Straße'],
  ['ñandúRápido', 'Ñandú Rápido'],
  ['数字Abc', '数字 Abc'],
  ['emoji😀Name', 'Emoji😀 Name'],
];

describe("printableName is Robot's printable_name(name, code_style=True)", () => {
  it.each(NAMES)('%s -> %s', (name, printable) => {
    expect(printableName(name)).toBe(printable);
  });

  it('agrees with Robot Framework itself on every case', async () => {
    const names = NAMES.map(([name]) => name);
    const robots = await askRobot<string[]>(
      `from robot.utils import printable_name\nanswer = [printable_name(n, code_style=True) for n in ${JSON.stringify(names)}]`,
    );
    expect(names.map(printableName)).toEqual(robots);
  });
});

describe("normalizedName is Robot's keyword-name normalisation", () => {
  it('ignores case, spaces and underscores, as Robot does', async () => {
    const names = ['Same Name', 'same_name', 'SAME NAME', 'sameName', 'Größe X', 'GRÖSSE x'];
    const robots = await askRobot<string[]>(`from robot.utils import normalize\nanswer = [normalize(n, ignore='_') for n in ${JSON.stringify(names)}]`);
    expect(names.map(normalizedName)).toEqual(robots);
    expect(new Set(names.slice(0, 4).map(normalizedName)).size).toBe(1);
  });
});
