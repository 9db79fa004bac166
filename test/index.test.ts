/**
 * The package's public API (`require('qemu-utils-remote')`, src/index.ts): what it exports works together,
 * and the built package resolves by name through package.json's `main` and `types`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import * as api from '../src/index';
import { py } from './support/xmlrpc';

const ROOT = join(__dirname, '..');

test('a QemuUtils server started through the API answers Python xmlrpc.client', async () => {
  const server = await api.startRemoteServer(api.createQemuLibrary({ accel: 'tcg' }), { port: 0, log: winston.createLogger({ silent: true }) });
  try {
    const info = (await py(server.url, "result = call('get_library_information', path='/vm1')")) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['__intro__', '__init__', 'qemu_init', 'stop_remote_server']));
  } finally {
    await server.stop();
  }
});

test('the node layer runs commands and fails with its typed errors', async () => {
  const node = api.parseNode({ host: 'api-dut1', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [{ match: 'false', rc: 1 }] });
  try {
    expect(await api.execCmd(node, 'echo hi')).toEqual({ rc: 0, stdout: '', stderr: '' });
    await expect(api.execCmdNoError(node, 'false')).rejects.toThrow(api.CommandFailedError);
    expect(api.dryRunTransport(node).commandLines()).toEqual(['echo hi', 'false']);
    expect(() => api.parseNode({ host: 'x' })).toThrow(api.InvalidNodeError);
    expect(new api.InvalidNodeError('m', 'host')).toBeInstanceOf(api.NodeError);
  } finally {
    await api.closeAllTransports();
  }
});

test("the built package loads by name: require('qemu-utils-remote') through main, with its types", () => {
  // Laid out as an installed package inside the repository, so its dependencies resolve from node_modules.
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const base = mkdtempSync(join(ROOT, '.cache', 'package-test-'));
  try {
    const installed = join(base, 'node_modules', 'qemu-utils-remote');
    const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', join(installed, 'dist')], { encoding: 'utf8' });
    expect([build.status, build.stdout + build.stderr]).toEqual([0, '']);
    copyFileSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { types: string; bin: Record<string, string> };
    for (const file of [manifest.types, ...Object.values(manifest.bin)]) expect([file, existsSync(join(installed, file))]).toEqual([file, true]);
    const loaded = spawnSync(process.execPath, ['-e', "const api = require('qemu-utils-remote'); console.log(Object.keys(api).sort().join(' '))"], { cwd: base, encoding: 'utf8' });
    expect([loaded.status, loaded.stderr]).toEqual([0, '']);
    expect(loaded.stdout.trim().split(' ')).toEqual(expect.arrayContaining(Object.keys(api)));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}, 180_000);
