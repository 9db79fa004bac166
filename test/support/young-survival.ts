/**
 * How much of what a loop of calls allocates outlives young-generation GCs: the bytes the scavenges of the
 * loop kept (promoted to the old generation, or copied within the young one), per call. An object made for
 * one call and kept past two scavenges is a holder keeping it (a getter or closure in an object's hidden
 * class, a cache): the cause of the long GC pauses docs/server.md ("Per-call cost") describes. Counted by
 * V8's GCProfiler, not timed: the figure is the same on a busy machine.
 */
import { GCProfiler } from 'node:v8';

interface SpaceStatistics {
  spaceName: string;
  spaceUsedSize: number;
}

interface GcRecord {
  gcType: string;
  beforeGC: { heapSpaceStatistics: SpaceStatistics[] };
  afterGC: { heapSpaceStatistics: SpaceStatistics[] };
}

function used(spaces: SpaceStatistics[], name: string): number {
  return spaces.find((space) => space.spaceName === name)?.spaceUsedSize ?? 0;
}

export interface YoungSurvival {
  /** Bytes per call the loop's scavenges kept. */
  survivedPerCall: number;
  scavenges: number;
}

/** Runs `call(index)` `calls` times (after `warmUp` unmeasured ones) and measures what its scavenges kept. */
export async function youngSurvival(call: (index: number) => Promise<unknown>, calls: number, warmUp = 2000): Promise<YoungSurvival> {
  for (let index = 0; index < warmUp; index += 1) await call(index);
  const profiler = new GCProfiler();
  profiler.start();
  for (let index = 0; index < calls; index += 1) await call(index);
  const records = (profiler.stop() as unknown as { statistics: GcRecord[] }).statistics;
  let survived = 0;
  let scavenges = 0;
  for (const record of records) {
    if (record.gcType !== 'Scavenge') continue;
    scavenges += 1;
    const promoted = used(record.afterGC.heapSpaceStatistics, 'old_space') - used(record.beforeGC.heapSpaceStatistics, 'old_space');
    survived += Math.max(0, promoted) + used(record.afterGC.heapSpaceStatistics, 'new_space');
  }
  return { survivedPerCall: scavenges === 0 ? 0 : survived / calls, scavenges };
}
