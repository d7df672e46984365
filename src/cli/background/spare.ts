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
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FanoutError } from '../../common/errors.js';
import { CREATE_EXCLUSIVE, ownedByUser } from '../../common/safe-file.js';
import { makeDirSync } from '../../common/make-dir.js';
import { processRecord, recordedProcessGone, type ProcessRecord } from '../../checks/index.js';
import { logDirError } from '../errors.js';
import { discardRunFolder, launched, newRunFolder, startSupervisor, type Supervisor } from './launch.js';
import { SPARE_ENV, sameFile, type Handed, type Ready } from './spare-protocol.js';



// ------------------------------------------------------------------------------------------------ the server side

/**
 * A spare's log file: named after the server that made it (its pid, start time, PID namespace and boot, `none` where
 * the system has none to read), which owns it until hand-over. Files named the earlier way, without a boot, are
 * judged by their namespace alone; those named without a namespace either are never removed: their server may be a
 * process of another namespace sharing the folder. A server without a start time to read is named `unknown` there:
 * its file is removed only once of another boot, as it cannot be verified gone during this one.
 */
const SPARE_LOG = /^\.spare-(\d+)-(@?\d+|unknown)-(\d+|none)-(?:([0-9a-f]{16}|none)-)?[0-9a-f]{12}\.log$/;

/**
 * The boot as a spare log's name holds it: a digest of the boot id (which may hold characters no name should), equal
 * for equal ids; `none` where none can be read.
 */
function bootTag(bootId: string | null): string {
  return bootId === null ? 'none' : createHash('sha256').update(bootId).digest('hex').slice(0, 16);
}

/** @internal The name of the log file of a spare that the server `server` starts (`random`: 12 hex digits). */
export function spareLogName(server: ProcessRecord, random: string): string {
  return `.spare-${server.pid}-${server.pid_start ?? 'unknown'}-${server.pid_ns ?? 'none'}-${bootTag(server.boot_id)}-${random}.log`;
}

/**
 * Removes the log files of spares whose server is verifiably gone: a server killed (kill -9) together with its spare
 * leaves one, which neither removes. While its server lives a spare's file is the server's to hand over or remove, and
 * once the server is gone its spare exits without a run, so such a file belongs to no one. A server is gone when its
 * name records another boot of the machine, whatever its namespace (the boot id is the kernel's, the same inside a
 * container), or when it is of this PID namespace and its pid no longer names it. Only a regular file of this user
 * with no other link, named like one, is removed; one whose server cannot be told gone (no process table, another PID
 * namespace during this boot) is left.
 *
 * The file's times are not taken for its boot: a clock set after the boot (no real-time clock, a first NTP
 * synchronisation) moves the boot time the kernel reports (/proc/stat's btime, derived from the clock), so a file
 * written during this boot, before the clock was set, can look older than the boot; and a file's times are its
 * owner's to set. A file named the earlier way, without its boot, is thus left to the namespace rule.
 */
export function removeOrphanSpareLogs(logDir: string): void {
  const root = resolve(logDir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  let current: string | undefined;
  for (const name of names) {
    const match = SPARE_LOG.exec(name);
    if (match === null) continue;
    const boot = match[4];
    current ??= bootTag(processRecord(process.pid).boot_id);
    const otherBoot = boot !== undefined && boot !== 'none' && current !== 'none' && boot !== current;
    // A server named without its start time cannot be verified gone during this boot: its file is left.
    if (!otherBoot && match[2] === 'unknown') continue;
    if (!otherBoot && !recordedProcessGone({ pid: Number(match[1]), pid_start: match[2], pid_ns: match[3] === 'none' ? null : Number(match[3]) })) continue;
    const path = join(root, name);
    try {
      const stat = lstatSync(path);
      if (stat.isFile() && ownedByUser(stat) && stat.nlink === 1) unlinkSync(path);
    } catch {
      // Gone meanwhile.
    }
  }
}

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
  const server = processRecord(process.pid);
  const spareLog = join(root, spareLogName(server, randomBytes(6).toString('hex')));
  let fd: number;
  try {
    makeDirSync(root, 0o700);
    removeOrphanSpareLogs(root);
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
      let run: ReturnType<typeof newRunFolder> | undefined;
      try {
        run = newRunFolder(logDir);
        renameSync(spareLog, run.logFile);
        launched(run.dir, child.pid);
      } catch (error) {
        child.disconnect();
        // Its log was removed meanwhile (by hand, by a cleaner of the log dir): the spare cannot take the run, which
        // starts the ordinary way instead; the run folder just made for it is left empty, and removed.
        if (run !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(run.logFile)) {
          discardRunFolder(run.dir);
          return undefined;
        }
        throw error instanceof FanoutError ? error : logDirError(logDir, error);
      }
      const { runId, dir, logFile } = run;
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
 * Keeps one spare ready for runs in a log dir: {@link SpareKeeper.start} hands a run to it, or starts a supervisor
 * the ordinary way when there is no live spare; {@link SpareKeeper.warm} starts the next one.
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

  /**
   * A supervisor running `fanout <args>`: the spare, handed the run, or a new one. The next spare is not started
   * here: its start-up would compete for the CPU with the run's checks ({@link SpareKeeper.warm} once answered).
   */
  async start(args: readonly string[]): Promise<Supervisor> {
    const spare = this.#spare;
    this.#spare = undefined;
    const taken = spare === undefined ? undefined : await spare.take(args);
    return taken ?? startSupervisor(this.#logDir, args);
  }

  /** Lets the spare go; no other is started. */
  close(): void {
    this.#closed = true;
    this.#spare?.close();
    this.#spare = undefined;
  }
}
