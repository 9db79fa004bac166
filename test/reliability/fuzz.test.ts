/**
 * Fuzz: at least 10,000 hostile requests (QUR_FUZZ_REQUESTS for more) against the real CLI serving the QEMU
 * library, over raw TCP so anything can be sent. Every request must get an XML-RPC Fault, a keyword
 * result or an HTTP 4xx within a bounded time; the server must not crash, its RSS must stay bounded, and it
 * must answer a normal Robot-style call correctly afterwards.
 *
 * Reproduce a failure with the seed it prints: QUR_FUZZ_SEED=<seed> npx jest test/reliability/fuzz.test.ts
 */
import { createQemuLibrary } from '../../src/library/qemu-library';
import type { KeywordDefinition } from '../../src/remote/library';
import { killLeftovers, startCli, type StartedCli } from '../support/cli';
import { py } from '../support/xmlrpc';
import { builtCli, megabytes, rssBytes } from '../support/build';
import { DRY_NODE, everyParameterCases, FUZZ_SESSIONS, plan, type FuzzCase } from '../support/fuzz-cases';
import { Prng, seedFromEnv } from '../support/prng';
import { sendRaw, type RawResponse } from '../support/raw-http';

const TOTAL = Number(process.env.QUR_FUZZ_REQUESTS ?? 10_000);
const SEED = seedFromEnv();
const BODY_LIMIT = 4 * 1024 * 1024;
/** No single request may take longer than this, however hostile (the slowest legitimate one: a gzip bomb). */
const PER_REQUEST_BOUND_MS = 15_000;
const IN_FLIGHT = 8;
const HEAVY_IN_FLIGHT = 2;
/** Growth allowed between the warmed-up server and the end of the run (V8 keeps some heap it grew into). */
const RSS_GROWTH_BOUND = 96 * 1024 * 1024;

type Outcome = 'fault' | 'fail' | 'pass' | 'ok' | 'docs' | '4xx' | 'closed' | 'bad';

/** GET and HEAD of `/` and `/spec.json` are the keyword docs, served on purpose. */
function asksForDocs(fuzzCase: FuzzCase): boolean {
  const method = fuzzCase.request.raw ? fuzzCase.request.raw.subarray(0, 5).toString('latin1').split(' ')[0] : fuzzCase.request.method;
  return method === 'GET' || method === 'HEAD';
}

function classify(response: RawResponse, fuzzCase: FuzzCase): Outcome {
  if (response.timedOut) return 'bad';
  if (response.incomplete) return fuzzCase.mayClose ? 'closed' : 'bad';
  if (response.status >= 400 && response.status < 500) return '4xx';
  if (response.status !== 200) return 'bad';
  if (asksForDocs(fuzzCase)) return /^text\/html|^application\/json/.test(response.headers['content-type'] ?? '') ? 'docs' : 'bad';
  const body = response.body.toString('utf8');
  if (!body.startsWith('<?xml') || !body.includes('</methodResponse>')) return 'bad';
  if (body.includes('<fault>')) return 'fault';
  const status = /<name>status<\/name>\s*<value><string>(PASS|FAIL)<\/string>/.exec(body)?.[1];
  if (status === 'FAIL') return 'fail';
  if (status === 'PASS') return 'pass';
  return 'ok';
}

/** Runs `tasks` with at most `limit` in flight (and at most `heavyLimit` heavy ones). */
/** Runs the cases (built just before sending, so only those in flight are in memory) with at most `IN_FLIGHT` at once. */
async function runAll(cases: (() => FuzzCase)[], send: (fuzzCase: FuzzCase, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let heavyRunning = 0;
  const heavyWaiters: (() => void)[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const build = cases[index];
      if (!build) return;
      const fuzzCase = build();
      if (fuzzCase.heavy) {
        while (heavyRunning >= HEAVY_IN_FLIGHT) await new Promise<void>((resolve) => heavyWaiters.push(resolve));
        heavyRunning += 1;
      }
      try {
        await send(fuzzCase, index);
      } finally {
        if (fuzzCase.heavy) {
          heavyRunning -= 1;
          heavyWaiters.shift()?.();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

let server: StartedCli;

beforeAll(async () => {
  server = await startCli(builtCli(), [
    '--port', '0',
    '--no-allow-stop',
    '--max-request-bytes', String(BODY_LIMIT),
    '--log-level', 'warn',
    '--log-json',
    '--qemu-option', 'accel=tcg',
  ]);
}, 120_000);

afterAll(() => {
  killLeftovers();
});

test(`${TOTAL} hostile requests: each answered with a Fault, a FAIL or a 4xx in bounded time; no crash, bounded RSS`, async () => {
  const keywords = createQemuLibrary().keywords as KeywordDefinition<unknown>[];
  const rng = new Prng(SEED);
  const systematic = everyParameterCases(keywords, SEED ^ 0x5eed, 2);
  const random: (() => FuzzCase)[] = [];
  for (const { generator, count } of plan(TOTAL - systematic.length)) {
    for (let index = 0; index < count; index++) {
      const caseSeed = rng.int(0, 0xffffffff);
      random.push(() => generator(new Prng(caseSeed), keywords));
    }
  }
  const cases = rng.shuffle([...systematic.map((fuzzCase) => () => fuzzCase), ...random]);
  const pid = server.child.pid as number;
  const rssAtStart = rssBytes(pid);
  // Warmed up: code compiled, pools and caches filled, the heap grown to its working size.
  const warmAt = Math.floor(cases.length / 5);
  let rssWarm = 0;
  const samples: number[] = [];

  const outcomes = new Map<string, Map<Outcome, number>>();
  const failures: string[] = [];
  let slowest = { ms: 0, label: '' };
  let done = 0;
  const timeByCategory = new Map<string, number>();
  const latencies: { ms: number; label: string }[] = [];
  const started = performance.now();
  await runAll(cases, async (fuzzCase, index) => {
    const response = await sendRaw(server.port, fuzzCase.request, PER_REQUEST_BOUND_MS);
    const outcome = classify(response, fuzzCase);
    const perCategory = outcomes.get(fuzzCase.category) ?? new Map<Outcome, number>();
    perCategory.set(outcome, (perCategory.get(outcome) ?? 0) + 1);
    outcomes.set(fuzzCase.category, perCategory);
    if (response.ms > slowest.ms) slowest = { ms: response.ms, label: `${fuzzCase.category}: ${fuzzCase.label}` };
    latencies.push({ ms: response.ms, label: `#${index} ${fuzzCase.category}: ${fuzzCase.label}` });
    timeByCategory.set(fuzzCase.category, (timeByCategory.get(fuzzCase.category) ?? 0) + response.ms);
    if (outcome === 'bad' && failures.length < 20) {
      failures.push(
        `#${index} ${fuzzCase.category} ${fuzzCase.label}: status ${response.status}, incomplete ${response.incomplete}, ` +
          `timed out ${response.timedOut}, ${Math.round(response.ms)} ms, body ${JSON.stringify(response.body.toString('utf8').slice(0, 300))}`,
      );
    }
    done += 1;
    if (done % 1000 === 0) samples.push(rssBytes(pid));
    if (done === warmAt) rssWarm = rssBytes(pid);
  });
  const seconds = (performance.now() - started) / 1000;
  const rssAtEnd = rssBytes(pid);

  const totals = new Map<Outcome, number>();
  for (const perCategory of outcomes.values()) for (const [outcome, count] of perCategory) totals.set(outcome, (totals.get(outcome) ?? 0) + count);
  const table = [...outcomes].map(
    ([category, counts]) =>
      `  ${category.padEnd(12)} ${[...counts].map(([outcome, count]) => `${outcome} ${count}`).join(', ')} ` +
      `(${((timeByCategory.get(category) ?? 0) / 1000).toFixed(1)} s in flight)`,
  );
  process.stdout.write(
    `fuzz: seed ${SEED} (replay: QUR_FUZZ_SEED=${SEED}), ${cases.length} requests in ${seconds.toFixed(1)} s, ` +
      `slowest ${Math.round(slowest.ms)} ms (${slowest.label})\n` +
      `  outcomes: ${[...totals].map(([outcome, count]) => `${outcome} ${count}`).join(', ')}\n${table.join('\n')}\n` +
      `  server RSS: start ${megabytes(rssAtStart)}, after ${warmAt} ${megabytes(rssWarm)}, end ${megabytes(rssAtEnd)}; ` +
      `every 1000: ${samples.map(megabytes).join(' ')}\n` +
      (process.env.QUR_FUZZ_VERBOSE ? latencies.sort((a, b) => b.ms - a.ms).slice(0, 25).map((entry) => `  ${Math.round(entry.ms)} ms ${entry.label}\n`).join('') : ''),
  );

  expect(cases.length).toBeGreaterThanOrEqual(TOTAL);
  expect(failures).toEqual([]);
  expect(server.child.exitCode).toBeNull();
  expect(slowest.ms).toBeLessThan(PER_REQUEST_BOUND_MS);
  expect(rssAtEnd - rssWarm).toBeLessThan(RSS_GROWTH_BOUND);
  // No request reached the server's last-resort handler (a 500 means a bug in the server, not bad input).
  expect(server.stderr().split('\n').filter((line) => /internal error|unhandled promise rejection/.test(line))).toEqual([]);

  const afterStarted = performance.now();
  // A normal Robot-style session afterwards: every fuzz session closed, then a fresh one works end to end.
  const after = (await py(
    `http://127.0.0.1:${server.port}`,
    `
closed = [run('qemu_close', path=p) for p in ${JSON.stringify(FUZZ_SESSIONS)}]
closed = [c['status'] if c['status'] == 'PASS' else c.get('error', '') for c in closed]
names = call('get_keyword_names')
init = run('qemu_init', [${JSON.stringify(DRY_NODE)}], {'qemu_id': 9, 'img': '/opt/boot/vmlinuz', 'vnf': 'testpmd_io', 'qemu_version': '7.2.0'}, path='/after-fuzz')
nic = run('qemu_add_vhost_user_if', ['/run/vpp/sock-9-1'], path='/after-fuzz')
line = run('qemu_get_command_line', path='/after-fuzz')
close = run('qemu_close', path='/after-fuzz')
result = {'closed': closed, 'names': len(names), 'statuses': [init['status'], nic['status'], line['status'], close['status']], 'line': line.get('return')}
`,
  )) as { closed: string[]; names: number; statuses: string[]; line: string };
  // A session the fuzz left holding a VM on the refusing node cannot look there for leftovers: its close
  // fails naming that node (and the session ends all the same).
  for (const closed of after.closed) expect(closed).toMatch(/^PASS$|^NodeConnectionError: Cannot connect to fuzz@127\.0\.0\.1:1: connection refused/);
  expect(after.names).toBe(keywords.length + 1);
  expect(after.statuses).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
  expect(after.line).toMatch(/^\/usr\/bin\/qemu-system-x86_64 -daemonize .* -chardev socket,id=char1,path=\/run\/vpp\/sock-9-1,server=on /);

  const stopStarted = performance.now();
  // And it still stops cleanly.
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  process.stdout.write(`fuzz: normal session afterwards ${Math.round(stopStarted - afterStarted)} ms, stop ${Math.round(performance.now() - stopStarted)} ms\n`);
}, 240_000);
