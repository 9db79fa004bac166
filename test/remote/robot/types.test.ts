import { TypeSyntaxError } from '../../../src/remote/errors';
import { formatType, KNOWN_TYPE_NAMES, parseType, type RobotType } from '../../../src/remote/robot/types';
import { askRobot } from './robot-python';

// Every path of the grammar both parsers take: names (aliases, any case, unknown, dotted, `...`), brackets
// with one or more parameters (empty for unknown names), unions (flat, nested in parameters, no spaces),
// and Literal values (both quotes, a quote inside, integers, True/False/None).
const PARSED = [
  'int',
  'INT',
  'Integer',
  'NoSuchType',
  'typing.Any',
  'str | None',
  'int|str',
  'int | str | None',
  'list[int]',
  'List[int]',
  'dict[str, int | None]',
  'dict[str, list[int]]',
  'list[int] | None',
  'tuple[int, ...]',
  'Optional[str]',
  'Callable[]',
  "Literal['fast', 'slow']",
  'Literal["a", \'b\']',
  'Literal["it\'s"]',
  'Literal[1, -2, True, False, None]',
  'Literal["x"] | int',
  '  dict [ str ,int ]  ',
  'list[int,]',
];

// Strings both refuse.
const REFUSED = ['', ' ', 'int |', '| int', 'list[int', 'List[int]]', 'int,', '[int]', 'Literal[]', 'Literal[1.5]', "Literal['a'b']", 'Literal["a"'];

// Robot takes these (as a name with a space or a dash, a quoted name, an enum member, a Callable's
// parameter list, bytes); here they can only be typos or types this server cannot convert.
const STRICTER_HERE = ['int str', 'x-y', "'abc'", 'Literal[x]', 'Callable[[int], str]', 'Literal[b"x"]'];

// Robot 7.4.2 refuses these (`Union[...]` by a bug of its own; parameter counts it checks); the types
// published for them are still ones Robot converts by, so they are kept.
const LOOSER_HERE = ['Union[int, str]', 'list[]', 'dict[str]', 'int[str]', 'list[int, str]'];

type Tree = ['type', string, string | null, Tree[] | null] | ['value', string, unknown];

function tree(type: RobotType, literal = false): Tree {
  if (literal) return ['value', type.name, type.literal?.value];
  return ['type', type.name, type.known ?? null, type.nested === undefined ? null : type.nested.map((item) => tree(item, type.known === 'Literal'))];
}

type RobotParse = { tree: Tree; text: string } | { error: string };

async function robotParses(typeStrings: string[]): Promise<RobotParse[]> {
  return askRobot<RobotParse[]>(`
from typing import Literal
from robot.running.arguments.typeinfo import TypeInfo
def known(t):
    if t.type is None:
        return None
    return getattr(t.type, '__name__', None) or getattr(t.type, '_name', None) or repr(t.type)
def tree(t, literal=False):
    if literal:
        return ['value', t.name, t.type]
    nested = None if t.nested is None else [tree(n, t.type is Literal) for n in t.nested]
    return ['type', t.name, known(t), nested]
def parse(s):
    try:
        info = TypeInfo.from_string(s)
    except Exception as error:
        return {'error': str(error)}
    return {'tree': tree(info), 'text': str(info)}
answer = [parse(s) for s in ${JSON.stringify(typeStrings)}]
`);
}

function ours(typeString: string): RobotParse {
  try {
    const type = parseType(typeString);
    return { tree: tree(type), text: formatType(type) };
  } catch (error) {
    if (!(error instanceof TypeSyntaxError)) throw error;
    return { error: error.message };
  }
}

describe('type strings, compared with Robot Framework', () => {
  let robot: Map<string, RobotParse>;
  beforeAll(async () => {
    const all = [...PARSED, ...REFUSED, ...STRICTER_HERE, ...LOOSER_HERE];
    const answers = await robotParses(all);
    robot = new Map(all.map((typeString, index) => [typeString, answers[index] as RobotParse]));
  });

  it.each(PARSED)('%s parses to the tree Robot builds and prints as Robot does', (typeString) => {
    expect(ours(typeString)).toEqual(robot.get(typeString));
  });

  it.each(REFUSED)('%s is refused, as Robot refuses it', (typeString) => {
    expect(robot.get(typeString)).toHaveProperty('error');
    expect(() => parseType(typeString)).toThrow(TypeSyntaxError);
  });

  it.each(STRICTER_HERE)('%s is refused here though Robot takes it', (typeString) => {
    expect(robot.get(typeString)).toHaveProperty('tree');
    expect(() => parseType(typeString)).toThrow(TypeSyntaxError);
  });

  it.each(LOOSER_HERE)('%s is taken here though Robot 7.4.2 refuses it', (typeString) => {
    expect(robot.get(typeString)).toHaveProperty('error');
    expect(ours(typeString)).toHaveProperty('text', typeString);
  });

  it("knows the type names Robot's table knows, as the same types", async () => {
    const table = await askRobot<Record<string, string>>(`
from robot.running.arguments.typeinfo import TYPE_NAMES
answer = {k: getattr(v, '__name__', None) or getattr(v, '_name', None) or repr(v) for k, v in TYPE_NAMES.items()}
`);
    expect(KNOWN_TYPE_NAMES).toEqual(table);
  });
});

describe('type string failures say what is wrong and what would do', () => {
  it.each([
    ['', /it is empty/],
    ['int |', /^Invalid type 'int \|': expected a type name\. Use a Robot type such as 'int', 'int \| None' or 'list\[str\]'\.$/],
    ['list[int', /Invalid type 'list\[int': expected '\]'\./],
    ['List[int]]', /unexpected '\]'/],
    ['Literal[x]', /Literal\[\.\.\.\] takes strings, integers, True, False or None/],
    ['Literal[]', /Literal\[\.\.\.\] cannot be empty/],
    ['x-y', /unexpected text at 'x-y'/],
    ["Literal['a", /unterminated string/],
  ])('%s', (typeString, message) => {
    expect(() => parseType(typeString)).toThrow(message);
  });
});
