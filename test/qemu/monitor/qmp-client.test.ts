/**
 * QmpClient against a real, paused, cheap qemu-system-x86_64 (TCG, no devices, 64 MiB), plus a scripted
 * peer on a real unix socket for a corrupt stream, which QEMU cannot be made to produce.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  MonitorAbortedError,
  MonitorClosedError,
  MonitorProtocolError,
  MonitorTimeoutError,
  QmpClient,
  QmpError,
  type QmpEvent,
} from '../../../src/qemu/monitor';
import {
  connectUnixPath,
  exited,
  killChild,
  makeTempDir,
  QEMU,
  removeDir,
  requireBinary,
  socatDuplex,
  startPausedQemu,
  type RunningQemu,
} from '../../support/monitor';

let dir: string | undefined;
const children: ChildProcess[] = [];
const clients: QmpClient[] = [];
/** The timeout of a command that must end on QEMU's exit instead. */
const PENDING_TIMEOUT_MS = 30_000;

beforeAll(() => {
  requireBinary(QEMU, 'apt-get install -y qemu-system-x86');
  requireBinary('socat', 'apt-get install -y socat');
});

beforeEach(() => {
  dir = makeTempDir('qmp-test-');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(children.splice(0).map((c) => killChild(c)));
  removeDir(dir);
  dir = undefined;
});

async function startQemu(name: string): Promise<RunningQemu> {
  if (!dir) throw new Error('no temp dir');
  const qemu = await startPausedQemu(dir, name);
  children.push(qemu.child);
  return qemu;
}

async function connect(qemu: RunningQemu, onEvent?: (event: QmpEvent) => void): Promise<QmpClient> {
  const client = await QmpClient.connect(() => connectUnixPath(qemu.qmpPath), { onEvent });
  clients.push(client);
  return client;
}

function installedVersion(): number[] {
  const out = spawnSync(QEMU, ['--version'], { encoding: 'utf8' }).stdout;
  const match = /version (\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot parse ${QEMU} --version: ${out}`);
  return match.slice(1, 4).map(Number);
}

describe('QmpClient against real QEMU', () => {
  it('reads the greeting, negotiates capabilities, and answers query-status', async () => {
    const qemu = await startQemu('greet');
    const client = await connect(qemu);
    const { major, minor, micro } = client.greeting.version;
    expect([major, minor, micro]).toEqual(installedVersion());
    expect(Array.isArray(client.greeting.capabilities)).toBe(true);
    // -S: the machine was created but never started.
    await expect(client.queryStatus()).resolves.toEqual({ status: 'prelaunch', running: false });
  });

  it('lists vCPU host threads in vCPU order; they are the "CPU n/TCG" threads of the process', async () => {
    const qemu = await startQemu('cpus');
    const client = await connect(qemu);
    const cpus = await client.queryCpusFast();
    expect(cpus.map((c) => c.cpuIndex)).toEqual([0, 1]);
    const tasks = readdirSync(`/proc/${qemu.pid}/task`).map(Number);
    for (const cpu of cpus) {
      expect(tasks).toContain(cpu.threadId);
      expect(cpu.threadId).not.toBe(qemu.pid);
      expect(readFileSync(`/proc/${qemu.pid}/task/${cpu.threadId}/comm`, 'utf8').trim()).toBe(`CPU ${cpu.cpuIndex}/TCG`);
    }
    // The generic path with arguments agrees with the typed helper.
    const info = await client.execute('human-monitor-command', { 'command-line': 'info cpus' });
    expect(info).toEqual(expect.stringContaining(`thread_id=${cpus[1].threadId}`));
  });

  it('turns an unknown command into a QmpError with class and desc, and stays usable', async () => {
    const qemu = await startQemu('unknown');
    const client = await connect(qemu);
    const failure = client.execute('query-cpus');
    await expect(failure).rejects.toBeInstanceOf(QmpError);
    await expect(failure).rejects.toMatchObject({
      errorClass: 'CommandNotFound',
      desc: expect.stringContaining('query-cpus'),
      command: 'query-cpus',
      message: expect.stringContaining('QMP command "query-cpus" failed: CommandNotFound'),
    });
    await expect(client.queryStatus()).resolves.toMatchObject({ running: false });
  });

  it('passes events to the listener', async () => {
    const qemu = await startQemu('events');
    const events: QmpEvent[] = [];
    const client = await connect(qemu, (event) => events.push(event));
    await client.execute('cont');
    await client.execute('stop');
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.event === 'STOP') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['RESUME', 'STOP']));
    expect(events[0].timestamp?.seconds).toBeGreaterThan(1_600_000_000);
  });

  it('times out a command of a stopped QEMU, drops the late reply, and carries on once QEMU runs again', async () => {
    const qemu = await startQemu('timeout');
    const client = await connect(qemu);
    qemu.child.kill('SIGSTOP');
    const started = Date.now();
    const failure = client.execute('query-status', undefined, { timeoutMs: 300 });
    await expect(failure).rejects.toBeInstanceOf(MonitorTimeoutError);
    await expect(failure).rejects.toMatchObject({ command: 'query-status', timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    qemu.child.kill('SIGCONT');
    // The late query-status reply arrives first; it must not be taken for the reply to query-cpus-fast.
    await expect(client.queryCpusFast()).resolves.toHaveLength(2);
  });

  it('aborts a pending command on signal', async () => {
    const qemu = await startQemu('abort');
    const client = await connect(qemu);
    qemu.child.kill('SIGSTOP');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('test gave up')), 100);
    await expect(client.queryStatus({ signal: controller.signal })).rejects.toBeInstanceOf(MonitorAbortedError);
  });

  it('fails a pending command at once with MonitorClosedError when QEMU dies, and refuses later commands', async () => {
    const qemu = await startQemu('killed');
    const client = await connect(qemu);
    qemu.child.kill('SIGSTOP');
    const pending = client.queryStatus({ timeoutMs: PENDING_TIMEOUT_MS });
    const started = Date.now();
    qemu.child.kill('SIGKILL');
    await expect(pending).rejects.toBeInstanceOf(MonitorClosedError);
    // On the exit, not at its timeout (how soon: bench/monitor-latency.ts).
    expect(Date.now() - started).toBeLessThan(PENDING_TIMEOUT_MS);
    expect(client.closed).toBe(true);
    await expect(client.queryStatus()).rejects.toBeInstanceOf(MonitorClosedError);
  });

  it('quit ends QEMU cleanly and reports the SHUTDOWN event', async () => {
    const qemu = await startQemu('quit');
    const events: QmpEvent[] = [];
    const client = await connect(qemu, (event) => events.push(event));
    const gone = exited(qemu.child);
    await client.quit();
    expect(client.closed).toBe(true);
    await expect(gone).resolves.toEqual({ code: 0, signal: null });
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'SHUTDOWN', data: expect.objectContaining({ reason: 'host-qmp-quit' }) })]));
  });

  it('works over socat on a pipe, as over an SSH exec channel', async () => {
    const qemu = await startQemu('socat');
    const { stream, child } = socatDuplex(qemu.qmpPath);
    children.push(child);
    const client = await QmpClient.connect(stream);
    clients.push(client);
    await expect(client.queryCpusFast()).resolves.toHaveLength(2);
    await client.close();
    await expect(exited(child)).resolves.toMatchObject({ code: 0 });
  });

  it('gives a greeting timeout that names the one-client-at-a-time cause when another client holds the monitor', async () => {
    const qemu = await startQemu('busy');
    await connect(qemu);
    const second = QmpClient.connect(() => connectUnixPath(qemu.qmpPath), { greetingTimeoutMs: 400 });
    await expect(second).rejects.toBeInstanceOf(MonitorTimeoutError);
    await expect(second).rejects.toThrow(/one client at a time/);
  });
});

describe('QmpClient against a scripted peer', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** Greets, accepts qmp_capabilities, then answers the next command with `reply`. */
  async function peer(reply: string): Promise<string> {
    if (!dir) throw new Error('no temp dir');
    const path = join(dir, 'peer.sock');
    server = createServer((socket) => {
      socket.write('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 9}, "package": ""}, "capabilities": []}}\n');
      let seen = 0;
      socket.on('data', (chunk) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          const { id } = JSON.parse(line) as { id: string };
          seen++;
          socket.write(seen === 1 ? `{"return": {}, "id": ${JSON.stringify(id)}}\n` : reply);
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    return path;
  }

  it('fails the pending command with MonitorProtocolError on a line that is not JSON, and closes', async () => {
    const path = await peer('{"return": oops}\n');
    const client = await QmpClient.connect(() => connectUnixPath(path));
    clients.push(client);
    const failure = client.queryStatus();
    await expect(failure).rejects.toThrow(MonitorProtocolError);
    await expect(failure).rejects.toThrow(/invalid JSON.*oops/);
    expect(client.closed).toBe(true);
    const later = client.queryStatus();
    await expect(later).rejects.toThrow(MonitorClosedError);
    await expect(later).rejects.toThrow(/protocol error/);
  });

  it('rejects an overlong reply line instead of buffering it', async () => {
    const path = await peer(`{"return": "${'x'.repeat(4096)}"}\n`);
    const client = await QmpClient.connect(() => connectUnixPath(path), { maxLineBytes: 1024 });
    clients.push(client);
    await expect(client.execute('query-version')).rejects.toThrow(/line-too-long/);
  });
});
