// A command's tree is gone once no member of it runs: zombies count as gone with either process table, or a
// terminated tree would wait for whoever reaps its orphans (some inits take seconds, some never do).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from './proc.js';

let outer: ChildProcess | undefined;
let live: ChildProcess | undefined;

afterEach(() => {
  for (const child of [outer, live]) child?.kill('SIGKILL');
  outer = live = undefined;
  vi.unstubAllEnvs();
  vi.resetModules();
});

function stateOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * A process group whose only member is a zombie: `sleep` in a session of its own, killed, whose parent (a `sleep`
 * too, outside the group) never reaps it. Returns its group id.
 */
async function zombieGroup(): Promise<number> {
  outer = spawn('sh', ['-c', 'setsid sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve) => outer!.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  // setsid runs in the child after `echo $!`: wait until it leads a group of its own, and the shell became `sleep`.
  await waitFor(() => {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]) === pid && readFileSync(`/proc/${outer!.pid}/comm`, 'latin1').trim() === 'sleep';
  }, 10_000);
  process.kill(-pid, 'SIGKILL');
  await waitFor(() => stateOf(pid) === 'Z', 10_000);
  return pid;
}

describe.each(['proc', 'ps'])('liveGroups with the %s process table', (source) => {
  it('a group whose members are all zombies is gone; one with a running member is not', async () => {
    if (source === 'ps') vi.stubEnv('FANOUT_PROC_FALLBACK', 'ps');
    vi.resetModules();
    const { liveGroups, groupExists } = await import('../../src/exec/process-group.js');
    const { processSource } = await import('../../src/exec/processes.js');
    expect(processSource()).toBe(source);
    const pgid = await zombieGroup();
    live = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' }); // a session of its own, running
    await waitFor(() => stateOf(live!.pid!) !== undefined, 10_000);
    expect(groupExists(pgid)).toBe(true); // the zombie is still there: signal 0 finds it
    expect(liveGroups(pgid)).toEqual([]);
    expect(liveGroups(live.pid!)).toEqual([live.pid]);
  });
});
