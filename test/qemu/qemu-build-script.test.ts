import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_SCRIPT } from '../../src/qemu/qemu-utils';

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', [BUILD_SCRIPT, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/qemu_build.sh (run by Build Qemu on the node)', () => {
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
