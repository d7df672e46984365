/**
 * Test helpers that look at processes through /proc: who is in a session, and whether a recorded process is still
 * alive. A process is identified by pid and start time, so a pid reused by an unrelated process never passes for
 * the original.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessId {
  pid: number;
  startTime: string;
}

interface Stat {
  state: string;
  pgid: number;
  sid: number;
  startTime: string;
}

function readStat(pid: number | string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, pgid: Number(fields[2]), sid: Number(fields[3]), startTime: fields[19]! };
}

/** Every process of session `sid` that is not a zombie right now. */
export function sessionMembers(sid: number): ProcessId[] {
  const members: ProcessId[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat !== undefined && stat.sid === sid && stat.state !== 'Z') members.push({ pid: Number(entry), startTime: stat.startTime });
  }
  return members;
}

/** The process identified by `pid` now, if it exists (zombie or not). */
export function identify(pid: number): ProcessId | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : { pid, startTime: stat.startTime };
}

/** The process group and session of a live process. */
export function groupOf(pid: number): { pgid: number; sid: number } | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : { pgid: stat.pgid, sid: stat.sid };
}

/** True while the recorded process exists and is not a zombie. */
export function isAlive(process: ProcessId): boolean {
  const stat = readStat(process.pid);
  return stat !== undefined && stat.startTime === process.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** The recorded processes that are still alive (neither gone nor zombie). */
export function survivors(processes: readonly ProcessId[]): ProcessId[] {
  return processes.filter(isAlive);
}

/** Polls `condition` every 5 ms until it holds; fails after `timeoutMs` (a bound on a condition, not a speed check). */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
