// A warm spare supervisor: a detached fanout process started ahead of time, its modules loaded, that waits for the
// run it is to supervise. `fanout mcp` keeps one, so that run_checks costs a message instead of a process start; the
// run it then supervises is an ordinary background run (the same process, run folder and journal as
// `fanout check --background` makes), which outlives the server.
//
// The run spec comes only on the IPC channel of the server that started the spare: a pipe no other process holds, so
// no planted file or environment variable can hand a spare a run. While it waits the spare has no run folder (its
// output goes to a hidden log file of the log dir, which the server moves into the run folder at hand-over), and when
// its server goes away before handing it a run (exit, crash, kill -9: the channel closes) it removes that file and
// exits, leaving nothing `fanout status` would list.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { CREATE_EXCLUSIVE } from '../../common/safe-file.js';
import { newRunId } from '../../checks/state/logs.js';
import { createRunFolder } from '../../checks/state/run-folder.js';
import { makeDirSync } from '../engine.js';
import { logDirError } from '../errors.js';
import { RUN_ID_ENV, startSupervisor, type Supervisor } from './launch.js';

/** The environment variable that tells a fanout process started with an IPC channel it is a spare (its log file). */
export const SPARE_ENV = 'FANOUT_SPARE';

/** What a spare says on its channel once it can take a run. */
interface Ready {
  type: 'ready';
}
/** The run handed to a spare: its id (its folder is made) and its `fanout` arguments. */
interface Handed {
  type: 'run';
  runId: string;
  args: string[];
}

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]+$/;

function isHanded(message: unknown): message is Handed {
  if (typeof message !== 'object' || message === null) return false;
  const { type, runId, args } = message as Partial<Handed>;
  return type === 'run' && typeof runId === 'string' && RUN_ID.test(runId) && Array.isArray(args) && args.every((arg) => typeof arg === 'string');
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

// ------------------------------------------------------------------------------------------------- the spare side

/**
 * In a spare (started by {@link startSpare}): loads the modules a run needs, says it is ready, and waits for its
 * server to hand it a run. Resolves with the run's arguments (its id is then in FANOUT_RUN_ID, where a supervisor
 * finds it); when the server goes away first, removes its log file (verified to be its own stdout) and exits.
 */
export async function waitForRun(logFile: string): Promise<string[]> {
  const handed = new Promise<string[]>((done) => {
    const gone = () => {
      try {
        if (sameFile(fstatSync(1), lstatSync(logFile))) unlinkSync(logFile);
      } catch {
        // Already moved or removed: nothing of this spare is left behind.
      }
      process.exit(0);
    };
    const take = (message: unknown) => {
      if (!isHanded(message)) return;
      process.off('message', take).off('disconnect', gone);
      process.env[RUN_ID_ENV] = message.runId;
      // The run outlives the server: its channel is closed now, so the server going away is no news to it.
      process.disconnect();
      done(message.args);
    };
    process.on('message', take).on('disconnect', gone);
  });
  await Promise.all([import('../program.js'), import('../actions/check.js')]);
  process.send?.({ type: 'ready' } satisfies Ready);
  return handed;
}

// ------------------------------------------------------------------------------------------------ the server side

/** A spare started by {@link startSpare}, waiting for its run. */
export interface Spare {
  /** Its process id. */
  readonly pid: number | undefined;
  /**
   * Hands it a run of `fanout <args>`: makes the run folder (its output moves there as supervisor.log) and sends the
   * run. Resolves with the run's supervisor, or undefined when the spare died or could not take it (start another).
   */
  take(args: readonly string[]): Promise<Supervisor | undefined>;
  /** Lets it go (its channel closes: it removes its log file and exits). */
  close(): void;
}

/**
 * Starts a spare supervisor for runs in `logDir`: detached like the supervisor of `fanout check --background` (its
 * own session, none of this process's pipes but its channel), its output in a hidden file of the log dir until it
 * takes a run.
 */
export function startSpare(logDir: string): Spare {
  const root = resolve(logDir);
  const script = process.argv[1];
  const spareLog = join(root, `.spare-${randomBytes(6).toString('hex')}.log`);
  let fd: number;
  try {
    makeDirSync(root, 0o700);
    fd = openSync(spareLog, CREATE_EXCLUSIVE | constants.O_APPEND, 0o600);
  } catch (error) {
    throw logDirError(logDir, error);
  }
  const identity = fstatSync(fd);
  let child: ChildProcess | undefined;
  try {
    if (script !== undefined) {
      child = spawn(process.execPath, [...process.execArgv, script], {
        detached: true,
        stdio: ['ignore', fd, fd, 'ipc'],
        env: { ...process.env, [SPARE_ENV]: spareLog },
      });
    }
  } finally {
    closeSync(fd);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let ready = false;
  let taken = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  /** Its log file, when it is still the file made above: removed once the spare is gone without a run. */
  const dropLog = () => {
    try {
      if (sameFile(lstatSync(spareLog), identity)) unlinkSync(spareLog);
    } catch {
      // The spare removed it itself.
    }
  };
  if (child === undefined) {
    dropLog();
    exited = { code: null, signal: null };
  } else {
    child.on('message', (message: unknown) => {
      if ((message as Partial<Ready> | null)?.type === 'ready') {
        ready = true;
        wake();
      }
    });
    child.on('error', () => undefined); // a failed send: seen as a spare that could not take its run
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      if (!taken) dropLog();
      wake();
    });
    // Neither the process nor its channel keeps this server alive: when the server ends, the channel closes.
    child.unref();
    child.channel?.unref();
  }

  const whenReady = () =>
    new Promise<boolean>((done) => {
      if (ready || exited !== undefined) {
        done(ready && exited === undefined);
        return;
      }
      const waiter = () => {
        waiters.delete(waiter);
        done(ready && exited === undefined);
      };
      waiters.add(waiter);
    });

  return {
    pid: child?.pid,
    async take(args) {
      if (child === undefined || taken || !(await whenReady()) || !child.connected) return undefined;
      taken = true;
      const runId = newRunId();
      const dir = join(root, runId);
      const logFile = join(dir, 'supervisor.log');
      try {
        createRunFolder(dir);
        renameSync(spareLog, logFile);
      } catch (error) {
        child.disconnect();
        throw logDirError(logDir, error);
      }
      const sent = await new Promise<boolean>((done) => child.send({ type: 'run', runId, args: [...args] } satisfies Handed, (error) => done(error === null)));
      if (!sent) return undefined;
      return { runId, dir, logFile, pid: child.pid, exited: () => exited };
    },
    close() {
      if (child?.connected === true && !taken) child.disconnect();
    },
  };
}

/**
 * Keeps one spare ready for runs in a log dir: {@link SpareKeeper.start} hands a run to it and starts the next one
 * at once, or starts a supervisor the ordinary way when there is no live spare.
 */
export class SpareKeeper {
  #spare: Spare | undefined;
  #closed = false;
  readonly #logDir: string;

  constructor(logDir: string) {
    this.#logDir = logDir;
  }

  /** Starts a spare unless one is there (a log dir that cannot hold its file leaves runs to start the ordinary way). */
  warm(): void {
    if (this.#spare !== undefined || this.#closed) return;
    try {
      this.#spare = startSpare(this.#logDir);
    } catch {
      this.#spare = undefined;
    }
  }

  /** The pid of the spare waiting now (undefined when none is). */
  get sparePid(): number | undefined {
    return this.#spare?.pid;
  }

  /** A supervisor running `fanout <args>`: the spare, handed the run, or a new one. */
  async start(args: readonly string[]): Promise<Supervisor> {
    const spare = this.#spare;
    this.#spare = undefined;
    const taken = spare === undefined ? undefined : await spare.take(args);
    this.warm();
    return taken ?? startSupervisor(this.#logDir, args);
  }

  /** Lets the spare go; no other is started. */
  close(): void {
    this.#closed = true;
    this.#spare?.close();
    this.#spare = undefined;
  }
}
