// What a spare supervisor and the server that started it say on their IPC channel (see spare.ts, spare-wait.ts).
import type { Stats } from 'node:fs';

/** The environment variable that tells a fanout process started with an IPC channel it is a spare (its log file). */
export const SPARE_ENV = 'FANOUT_SPARE';

/** What a spare says on its channel once it can take a run. */
export interface Ready {
  type: 'ready';
}
/** The run handed to a spare: its id (its folder is made) and its `fanout` arguments. */
export interface Handed {
  type: 'run';
  runId: string;
  args: string[];
}

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]+$/;

/** Whether a message on the channel is a run handed to the spare (a well-formed run id and arguments). */
export function isHanded(message: unknown): message is Handed {
  if (typeof message !== 'object' || message === null) return false;
  const { type, runId, args } = message as Partial<Handed>;
  return type === 'run' && typeof runId === 'string' && RUN_ID.test(runId) && Array.isArray(args) && args.every((arg) => typeof arg === 'string');
}

/** Whether two stats are of the same file (a name still naming the file opened earlier). */
export const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;
