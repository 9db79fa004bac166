/**
 * How much of what a loop of keyword calls allocates outlives young-generation GCs, per call: measured by
 * test/fixtures/retention-loop.ts in a process of its own, from a build of the current sources. An object
 * made for one call and kept past two scavenges has a holder keeping it (a getter or closure in an object's
 * hidden class, a timer list, a cache): the cause of the long GC pauses docs/server.md ("Per-call cost")
 * describes. Counted by V8's GCProfiler, not timed: the figure holds on a busy machine.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { builtCli } from './build';

export interface YoungSurvival {
  /** Bytes per call the loop's scavenges kept (promoted, or copied within the young generation). */
  survivedPerCall: number;
  scavenges: number;
}

export function youngSurvival(path: 'library' | 'server', keyword: 'echo' | 'qemu', calls: number): Promise<YoungSurvival> {
  const program = join(dirname(dirname(builtCli())), 'test', 'fixtures', 'retention-loop.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [program, path, keyword, String(calls)], { timeout: 180_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`retention-loop ${path} ${keyword} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as YoungSurvival);
    });
  });
}
