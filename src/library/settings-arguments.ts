/**
 * The QEMU settings as Robot arguments (named-only, on `Qemu Init` and `Qemu Manager Init`) and as the
 * server-wide `--qemu-option key=value` text: their Robot types and their conversion, in one place.
 */
import { parseSettings, SETTING_DESCRIPTORS, type QemuSettings, type SettingDescriptor, type SettingKind } from '../qemu';
import type { BoundArguments, ParameterDefinition } from '../remote/library';
import { integerFromText, robotBool, robotValue } from './robot-values';

const ROBOT_TYPES: Readonly<Record<SettingKind, string>> = {
  bool: 'bool | None',
  'positive-int': 'int | None',
  'non-negative-int': 'int | None',
  string: 'str | None',
  path: 'str | None',
  accel: 'str | None',
  'lcore-flag': 'str | None',
  version: 'str | None',
  contract: 'str | None',
};

/** The Robot type published for a setting's argument. */
export function settingRobotType(setting: SettingDescriptor): string {
  return ROBOT_TYPES[setting.kind];
}

/** Every setting as a named-only argument defaulting to None (= the server-wide value, else the default). */
export const SETTING_PARAMETERS: readonly ParameterDefinition[] = SETTING_DESCRIPTORS.map((setting) => ({
  name: setting.key,
  kind: 'named-only',
  default: null,
  type: settingRobotType(setting),
}));

function converted(key: string, value: unknown, where: string): unknown {
  const kind = SETTING_DESCRIPTORS.find((setting) => setting.key === key)?.kind;
  if (typeof value !== 'string') return value;
  if (kind === 'bool') return robotBool(value, `${where} '${key}'`);
  if (kind === 'positive-int' || kind === 'non-negative-int') return integerFromText(value);
  return value;
}

/** `--qemu-option key=value` text (or typed values), converted by Robot's rules, then checked by the domain. */
export function settingsFromText(options: Readonly<Record<string, unknown>>, where: string): Partial<QemuSettings> {
  return parseSettings(Object.fromEntries(Object.entries(options).map(([key, value]) => [key, converted(key, value, where)])), where);
}

/** The settings given to a keyword; None (or Robot's empty text for it) means not given. */
export function settingsFromArguments(args: BoundArguments, where: string): Partial<QemuSettings> {
  // Only the given ones: every `Qemu Init` has all ~40 bound, nearly all None.
  const given: Record<string, unknown> = {};
  for (const setting of SETTING_DESCRIPTORS) {
    const value = robotValue(args[setting.key]);
    if (value !== null && value !== undefined) given[setting.key] = value;
  }
  return settingsFromText(given, where);
}
