/** Asks Robot Framework itself (python3 with `robot` importable) for the answers these tests compare with. */
import { py } from '../../support/xmlrpc';

/** Runs `script`, which sets `answer` and may import from `robot`; fails with what to do when Robot is missing. */
export async function askRobot<T>(script: string): Promise<T> {
  const guarded = `
try:
    import robot
except ImportError:
    result = {'missing': True}
else:
    exec(${JSON.stringify(script)}, globals())
    result = {'missing': False, 'answer': answer}
`;
  const outcome = (await py('http://unused', guarded)) as { missing: boolean; answer: T };
  if (outcome.missing) {
    throw new Error('Robot Framework is not importable by python3; install it (see DEVELOPERS.md) or put its src/ on PYTHONPATH.');
  }
  return outcome.answer;
}

/** A Python expression for a JSON-able value (`null` -> None, `true` -> True, ...). */
export function pythonValue(value: unknown): string {
  return `__import__('json').loads(${JSON.stringify(JSON.stringify(value))})`;
}
