/**
 * QgaClient against a real qemu-ga running on this host (unix-listen mode). The agent acts on the real host
 * as root, so every command that changes the host is blocked on its command line (testbed.md §4), and the
 * tests only ever send harmless commands.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import {
  MonitorAbortedError,
  MonitorClosedError,
  MonitorTimeoutError,
  QgaClient,
  QgaError,
  QgaNotReadyError,
  type MonitorLogger,
} from '../../../src/qemu/monitor';
import { connectUnixPath, killChild, makeTempDir, QEMU_GA, QGA_BLOCKED, removeDir, requireBinary, silentThenRelay, startHostAgent } from '../../support/monitor';

/** The timeout of a wait that must end on an event (close, abort) instead. */
const PENDING_TIMEOUT_MS = 30_000;

let dir: string | undefined;
const children: ChildProcess[] = [];
const clients: QgaClient[] = [];
const servers: Server[] = [];

beforeAll(() => {
  requireBinary(QEMU_GA, 'apt-get install -y qemu-guest-agent');
});

beforeEach(() => {
  dir = makeTempDir('qga-test-');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(children.splice(0).map((c) => killChild(c)));
  removeDir(dir);
  dir = undefined;
});

function tempDir(): string {
  if (!dir) throw new Error('no temp dir');
  return dir;
}

/** Spawns the host agent; resolves once its socket exists. */
async function startAgent(socketPath = join(tempDir(), 'qga.sock')): Promise<{ child: ChildProcess; socketPath: string }> {
  const agent = await startHostAgent(tempDir(), socketPath);
  children.push(agent.child);
  return agent;
}

async function connectAgent(socketPath: string): Promise<QgaClient> {
  const client = await QgaClient.connect(() => connectUnixPath(socketPath), { commandTimeoutMs: 5000 });
  clients.push(client);
  return client;
}

describe('QgaClient against a host-side qemu-ga', () => {
  it('blocks every command that could change the host (safety check of this test bed)', async () => {
    const { socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    const info = await client.execute('guest-info');
    const commands = (info as { supported_commands: { name: string; enabled: boolean }[] }).supported_commands;
    const disabled = commands.filter((c) => !c.enabled).map((c) => c.name);
    expect(disabled).toEqual(expect.arrayContaining(QGA_BLOCKED));
  });

  it('syncs, pings, and lists the host interfaces with their MACs', async () => {
    const { socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    await client.sync();
    await client.ping();
    const interfaces = await client.networkGetInterfaces();
    const lo = interfaces.find((i) => i.name === 'lo');
    expect(lo?.ipAddresses).toEqual(expect.arrayContaining([{ type: 'ipv4', address: '127.0.0.1', prefix: 8 }]));
    for (const name of readdirSync('/sys/class/net')) {
      const reported = interfaces.find((i) => i.name === name);
      expect(reported).toBeDefined();
      const mac = readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim();
      if (name !== 'lo' && mac !== '') expect(reported?.hardwareAddress).toBe(mac);
    }
  });

  it('turns a blocked command into a QgaError with class and desc', async () => {
    const { socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    // guest-exec-status with a made-up pid would be harmless even if it were not blocked.
    const failure = client.execute('guest-exec-status', { pid: 999_999 });
    await expect(failure).rejects.toBeInstanceOf(QgaError);
    await expect(failure).rejects.toMatchObject({
      errorClass: 'CommandNotFound',
      desc: 'Command guest-exec-status has been disabled',
      message: 'QGA command "guest-exec-status" failed: CommandNotFound: Command guest-exec-status has been disabled',
    });
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('times out when the agent is stopped, then re-syncs past the late reply once it runs again', async () => {
    const { child, socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    await client.ping();
    child.kill('SIGSTOP');
    const timedOut = client.ping({ timeoutMs: 300 });
    await expect(timedOut).rejects.toBeInstanceOf(MonitorTimeoutError);
    await expect(timedOut).rejects.toMatchObject({ timeoutMs: 300 });
    child.kill('SIGCONT');
    const interfaces = await client.networkGetInterfaces();
    expect(interfaces.map((i) => i.name)).toContain('lo');
  });

  it('fails a pending command with MonitorClosedError when the agent dies', async () => {
    const { child, socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    await client.sync();
    child.kill('SIGSTOP');
    const pending = client.ping({ timeoutMs: PENDING_TIMEOUT_MS });
    const started = Date.now();
    child.kill('SIGKILL');
    await expect(pending).rejects.toBeInstanceOf(MonitorClosedError);
    // On the close, not at its timeout (how soon: bench/monitor-latency.ts).
    expect(Date.now() - started).toBeLessThan(PENDING_TIMEOUT_MS);
  });

  it('sends a command without waiting for a reply when told there is none', async () => {
    const { socketPath } = await startAgent();
    const client = await connectAgent(socketPath);
    await expect(client.execute('guest-ping', undefined, { noReply: true })).resolves.toBeUndefined();
    // The unclaimed guest-ping reply must not be taken for this one.
    await expect(client.execute('guest-get-osinfo')).resolves.toEqual(expect.objectContaining({ id: expect.any(String) }));
  });
});

describe('QgaClient.waitUntilReady', () => {
  it('keeps retrying until the agent socket appears, and returns a ready client once it does', async () => {
    const socketPath = join(tempDir(), 'late.sock');
    const started = Date.now();
    const ready = QgaClient.waitUntilReady({ connect: () => connectUnixPath(socketPath), timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await startAgent(socketPath);
    const client = await ready;
    clients.push(client);
    // Not before the socket existed; how soon after is bench/monitor-latency.ts' figure.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await expect(client.ping()).resolves.toBeUndefined();
  });

  it('keeps probing a connection that swallows input and emits garbage, as a serial port does before the agent runs', async () => {
    const { socketPath } = await startAgent();
    const relayPath = join(tempDir(), 'serial.sock');
    const silentMs = 1200;
    const started = Date.now();
    servers.push(await silentThenRelay(relayPath, socketPath, silentMs));
    const debug: string[] = [];
    const logger: MonitorLogger = { debug: (m) => debug.push(m), warn: (m) => debug.push(m) };
    const client = await QgaClient.waitUntilReady({ connect: () => connectUnixPath(relayPath), timeoutMs: 10_000, logger });
    clients.push(client);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(silentMs);
    expect(await client.networkGetInterfaces()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'lo' })]));
    // Noise before the sync is expected and ignored, never a failure.
    expect(debug.some((m) => /discarded [1-9]\d* stale message\(s\) or garbled line\(s\) before the sync answer/.test(m))).toBe(true);
  });

  it('gives up with QgaNotReadyError at the timeout, saying what went wrong', async () => {
    const socketPath = join(tempDir(), 'never.sock');
    const started = Date.now();
    const ready = QgaClient.waitUntilReady({ connect: () => connectUnixPath(socketPath), timeoutMs: 1200 });
    await expect(ready).rejects.toBeInstanceOf(QgaNotReadyError);
    await expect(ready).rejects.toThrow(/within 1200 ms.*ENOENT/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1200);
    expect(elapsed).toBeLessThan(1800);
    await expect(ready).rejects.toMatchObject({ connectAttempts: expect.any(Number) });
    const { connectAttempts } = (await ready.catch((e: unknown) => e)) as QgaNotReadyError;
    expect(connectAttempts).toBeGreaterThanOrEqual(2);
  });

  it('stops at once when aborted', async () => {
    const socketPath = join(tempDir(), 'never.sock');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('QEMU exited')), 300);
    const ready = QgaClient.waitUntilReady({ connect: () => connectUnixPath(socketPath), timeoutMs: PENDING_TIMEOUT_MS, signal: controller.signal });
    await expect(ready).rejects.toBeInstanceOf(MonitorAbortedError);
    await expect(ready).rejects.toThrow(/QEMU exited/);
    expect(Date.now() - started).toBeLessThan(PENDING_TIMEOUT_MS);
  });
});
