import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_SCRIPT, QemuUtils } from '../../src/qemu/qemu-utils';
import { builtCli } from '../support/build';
import { startCli, type StartedCli } from '../support/cli';
import { py } from '../support/xmlrpc';
import { dryRunNode } from '../support/dry-run-node';

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', [BUILD_SCRIPT, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('node-scripts/qemu_build.sh (run by Build Qemu on the node)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qur-build-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('does nothing when the install directory exists (unless --force)', () => {
    const result = run(`--directory=${dir}`);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${dir} exists, nothing to do`);
  });

  it('honours --target-list= (ignored by CSIT\'s script) and --force, in a dry run', () => {
    const result = run(`--directory=${dir}`, '--version=qemu-7.2.0', '--target-list=aarch64-softmmu', '--force', '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`+ rm -rf -- ${dir}`);
    expect(result.stdout).toMatch(/\.\/configure --target-list=aarch64-softmmu --prefix=.*qur-build-/);
  });

  it('fails clearly on unknown options, bad versions and --patch without patches', () => {
    expect(run('--target-list', 'x').stderr).toContain("unknown option '--target-list'");
    expect(run('--version=2.11').stderr).toContain("--version must look like qemu-2.11.2, got '2.11'");
    const patch = run(`--directory=${join(dir, 'new')}`, '--patch', `--patch-dir=${dir}`);
    expect(patch.status).toBe(1);
    expect(patch.stderr).toContain(`--patch given but there are no *.patch files in ${dir}`);
  });
});

/** A local port nothing listens on: connecting is refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Build Qemu failing', () => {
  let dir: string;
  let server: StartedCli | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qur-build-'));
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('without network (the real server, transport local, a refused proxy): FAIL with the script\'s last lines, no tarball left, empty or partial', async () => {
    // The server runs as its own process with a proxy that refuses, as a lab node behind a proxy that is
    // down; `sudo -E` passes the proxy settings on to the download.
    const proxy = `http://127.0.0.1:${await refusedPort()}`;
    server = await startCli(builtCli(), ['--port', '0', '--log-level', 'warn'], { https_proxy: proxy, HTTPS_PROXY: proxy, no_proxy: '', NO_PROXY: '' });
    const version = `qemu-0.0.${process.pid}`;
    const node = { host: 'localhost', transport: 'local' };
    const settings = { qemu_install_version: version, qemu_install_dir: join(dir, 'qemu'), remote_script_dir: join(dir, 'scripts') };
    const steps = (await py(
      server.url,
      `result = [run('qemu_init', [${JSON.stringify(node)}], ${JSON.stringify(settings)}, path='/build'), run('build_qemu', [${JSON.stringify(node)}], path='/build'), run('qemu_close', path='/build')]`,
    )) as { status: string; error?: string }[];
    expect(steps.map((step) => step.status)).toEqual(['PASS', 'FAIL', 'PASS']);
    const message = steps[1]?.error ?? '';
    expect(message).toMatch(
      new RegExp(
        `^QEMU: Build failed on localhost! sudo -E sh ${dir}/scripts/qemu_build\\.sh --version=${version} .* gave rc 1; last 20 lines of its output:\\n` +
          `(.|\\n)*[Cc]onnection refused(.|\\n)*` +
          `qemu_build\\.sh: download of https://download\\.qemu\\.org/${version}\\.tar\\.xz failed \\((wget|curl) exit \\d+; check the node's network access and https_proxy\\)$`,
      ),
    );
    // Neither the tarball (an empty one would pass for downloaded on the next run) nor the partial download.
    expect(readdirSync('/opt').filter((name) => name.startsWith(`${version}.tar.xz`))).toEqual([]);
    expect(existsSync(join(dir, 'qemu-base'))).toBe(false);
  }, 60_000);

  it('shows only the last 20 lines of a long build log', async () => {
    const log = Array.from({ length: 45 }, (_, index) => `make line ${index + 1}`).join('\n');
    const node = dryRunNode([{ match: 'qemu_build.sh', rc: 2, stdout: `${log}\n` }]);
    const message = await new QemuUtils(node).buildQemu(node).then(
      () => 'passed',
      (error: unknown) => (error as Error).message,
    );
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^QEMU: Build failed on dut-\d+-\d+! sudo -E sh .* gave rc 2; last 20 lines of its output:$/);
    expect(lines.slice(1)).toEqual(Array.from({ length: 20 }, (_, index) => `make line ${index + 26}`));
  });
});
