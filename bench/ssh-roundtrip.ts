/**
 * One command's round trip over the pooled ssh2 connection versus OpenSSH's `ssh` client opening a new
 * connection per command (what a script calling `ssh host cmd` pays), against the private test sshd.
 *
 *   bash scripts/sshd.sh start
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/ssh-roundtrip.js [runs]
 *
 * Prints the median of each and their ratio, then one JSON line for bench/run.sh.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports, execCmdNoError } from '../src/node/exec';
import { parseNode } from '../src/node/node';
import { median } from './support/stats';

const execFileAsync = promisify(execFile);

interface SshdEnv {
  host: string;
  port: number;
  passwordUser: string;
  keyPath: string;
  knownHostsPath: string;
}

async function timeRuns(runs: number, once: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? process.env.QUR_BENCH_RUNS ?? 30);
  const envFile = join(process.env.QUR_STATE_DIR ?? '/var/tmp/qemu-utils-remote', 'sshd', 'env.json');
  let env: SshdEnv;
  try {
    env = JSON.parse(readFileSync(envFile, 'utf8')) as SshdEnv;
  } catch {
    throw new Error(`${envFile} not found: run \`bash scripts/sshd.sh start\` first`);
  }
  // The test user, logging in with the shared client key: bash sources ~/.bashrc for commands run by
  // sshd, and this machine's root .bashrc runs `pyenv init` (~300 ms), which would swamp both sides.
  const user = process.env.QUR_BENCH_USER ?? env.passwordUser;
  const node = parseNode({ host: env.host, port: env.port, username: user, priv_key: readFileSync(env.keyPath, 'utf8'), known_hosts: env.knownHostsPath });
  const sshArgs = [
    '-i', env.keyPath, '-p', String(env.port),
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${env.knownHostsPath}`,
    '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-o', 'LogLevel=ERROR',
    `${user}@${env.host}`, 'true',
  ];

  let pooled: number[];
  let fresh: number[];
  try {
    // Warm-up, not counted: the pool's one connection, and the ssh binary in the page cache.
    await execCmdNoError(node, 'true');
    await execFileAsync('ssh', sshArgs);
    pooled = await timeRuns(runs, () => execCmdNoError(node, 'true'));
    fresh = await timeRuns(runs, () => execFileAsync('ssh', sshArgs));
  } finally {
    await closeAllTransports();
  }

  const pooledMedian = median(pooled);
  const freshMedian = median(fresh);
  const ratio = freshMedian / pooledMedian;
  console.log(`ssh round trip of \`true\` as ${user}@${env.host}:${env.port}, ${runs} runs each`);
  console.log(`  pooled ssh2 connection (execCmd):      median ${pooledMedian.toFixed(1)} ms (min ${Math.min(...pooled).toFixed(1)}, max ${Math.max(...pooled).toFixed(1)})`);
  console.log(`  OpenSSH ssh, new connection per run:   median ${freshMedian.toFixed(1)} ms (min ${Math.min(...fresh).toFixed(1)}, max ${Math.max(...fresh).toFixed(1)})`);
  console.log(`  ratio (new connection / pooled):       ${ratio.toFixed(1)}x`);
  console.log(JSON.stringify({ bench: 'ssh-roundtrip', runs, pooledMedianMs: +pooledMedian.toFixed(2), sshClientMedianMs: +freshMedian.toFixed(2), ratio: +ratio.toFixed(2) }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
