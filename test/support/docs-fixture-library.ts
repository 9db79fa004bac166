/**
 * A small library whose definitions use every documentation feature: Robot doc syntax in intro and
 * keyword docs, all parameter kinds, typed and untyped defaults, unions, nested and Literal types, return
 * types, tags from definitions and from a `Tags:` doc line, a deprecated keyword and camelCase names.
 * `start_machine` creates a session instance and `stop_machine` ends it, so live servers show sessions.
 */
import type { KeywordDefinition, RemoteLibrary } from '../../src/remote/library';

type Definition = KeywordDefinition<object>;

const keyword = (definition: Omit<Definition, 'instance' | 'run'> & Partial<Pick<Definition, 'instance' | 'run'>>): Definition => ({
  instance: 'none',
  async run() {
    return undefined;
  },
  ...definition,
});

export const FIXTURE_INTRO = [
  'Runs *machines* in a lab for `Start Machine` and friends.',
  '',
  '%TOC%',
  '',
  '= Sessions =',
  '',
  'Each URL path is a _session_ with its own machine: import the library once per machine.',
  '',
  '| Library    Remote    http://127.0.0.1:8270/vm1    AS    vm1',
  '',
  '= Examples =',
  '',
  '| =Step= | =Keyword= | =Arguments= |',
  '| 1 | `Start Machine` | machine_id=1 |',
  '| 2 | `Stop Machine` | |',
  '',
  '- first item with ``code``',
  '- second item',
  '  continued on a new line',
  '',
  'See https://robotframework.org and [https://example.com/guide|the guide]. Unknown `Nowhere` stays plain.',
  '',
  '---',
].join('\n');

export function createFixtureLibrary(): RemoteLibrary<object> {
  return {
    name: 'DemoLab',
    version: '2.1.0',
    intro: FIXTURE_INTRO,
    initDoc: 'Import with the URL of a session: ``http://127.0.0.1:8270/<session>``.',
    instanceMissingMessage: 'No machine in this session: run `Start Machine` first.',
    async disposeInstance() {},
    keywords: [
      keyword({
        instance: 'creates',
        run: async () => ({ instance: {}, result: { ssh: 22 } }),
        name: 'start_machine',
        parameters: [
          { name: 'machine_id', type: 'int' },
          { name: 'memory', type: 'int', default: 1024 },
          { name: 'cpus', type: 'int | None', default: null },
          { name: 'kernel_args', type: 'list[str]', default: null },
          { name: 'wait', kind: 'named-only', type: 'bool', default: true },
        ],
        returnType: 'dict[str, int]',
        tags: ['lifecycle'],
        doc: [
          'Starts machine ``machine_id`` and returns its ports.',
          '',
          'With ``wait`` the keyword returns once the machine answers; stop it with `Stop Machine`.',
          '',
          '*Example:*',
          '| ${ports}= | Start Machine | 1 | memory=2048 |',
          '| Should Be True | ${ports}[ssh] > 0 |',
        ].join('\n'),
      }),
      keyword({
        instance: 'ends',
        name: 'stop_machine',
        parameters: [{ name: 'timeout', type: 'float', default: 10.5 }],
        tags: ['lifecycle'],
        doc: 'Stops the machine of this session, waiting up to ``timeout`` seconds.\n\nThe session forgets it.',
      }),
      keyword({
        name: 'add_network_interface',
        parameters: [
          { name: 'socket', kind: 'positional-only', type: 'str' },
          { name: 'queues', type: 'int', default: 1 },
          { name: 'mode', type: "Literal['client', 'server']", default: 'client' },
          { name: 'mac', default: '' },
        ],
        tags: ['network', 'setup'],
        doc: [
          'Adds a _vhost-user_ interface on ``socket``.',
          '',
          '- ``queues``: number of queue pairs',
          '- ``mode``: who creates the socket',
          '',
          'Call before `Start Machine`.',
        ].join('\n'),
      }),
      keyword({
        name: 'run_command',
        parameters: [
          { name: 'command', type: 'str' },
          { name: 'arguments', kind: 'var-positional', type: 'str' },
          { name: 'timeout', kind: 'named-only', type: 'timedelta', default: '30 s' },
          { name: 'env', kind: 'var-named', type: 'str' },
        ],
        returnType: 'str | None',
        doc: 'Runs ``command`` in the machine and returns its output.\n\nTags: exec, Guest',
      }),
      keyword({
        name: 'getMachineStatus',
        parameters: [],
        returnType: 'dict',
        tags: ['lifecycle'],
        doc: 'Returns the status of the machine: ``running``, ``stopped`` or ``none``.',
      }),
      keyword({
        name: 'old_start',
        parameters: [{ name: 'machine_id', default: '1' }],
        tags: ['lifecycle'],
        doc: '*DEPRECATED* Use `Start Machine` instead.',
      }),
      keyword({
        name: 'set_options',
        parameters: [
          { name: 'path', type: 'str', default: '/var/run/${name}' },
          { name: 'note', default: ' two  spaces ' },
        ],
        tags: ['setup'],
        doc: 'Sets options.\n\n| Set Options | path=/tmp |',
      }),
    ],
  };
}
