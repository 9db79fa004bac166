/** Values the codec writes. Anything richer is converted first (see `../values.ts`). */
export type WireValue =
  | string
  | number
  | boolean
  | bigint
  | Buffer
  | Date
  | null
  | undefined
  | WireValue[]
  | { [key: string]: WireValue };

/** A decoded XML-RPC `<struct>` (not an array, binary or date). */
export function isStruct(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}
