/**
 * `runCommand`: one shell command in its own session and process group, terminated as a whole, with bounded
 * output. The hot path (spawn, read, one `kill(-pgid, 0)` after exit) stays close to a bare `child_process.spawn`;
 * /proc is read only when something of the tree outlives the shell or has to be terminated.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { assertLimit, assertOptionalSignal, invalidArgument } from '../common/arguments.js';
import { childProcess, fs } from '../common/builtins.js';
import { MAX_TIMER_MS } from '../common/timer.js';
import { ProcessTreeKiller } from './kill.js';
import { forgetSnapshot } from './process-group.js';
import { OutputBuffer, type StreamIndex } from './output-buffer.js';
import { readBack } from './read-back.js';
import { diagnoseSpawnFailure, SpawnError } from './spawn-error.js';

const { closeSync, constants, createWriteStream, fchmodSync, fstatSync, openSync } = fs;

/** How long a shell that has exited may leave background processes holding its pipes before they are terminated. */
const PIPE_GRACE_MS = 100;
/**
 * While pipes stay open after the shell's exit, the session is scanned this long after the exit, then at growing
 * intervals: once it is known to have no member left, the end of the wait stops reading instead of terminating, and
 * nothing is signalled (the killer also recognises a reused id when it scans; see ProcessTreeKiller). Not at once:
 * most pipes reach end-of-file within a millisecond of the exit.
 */
const FIRST_WATCH_MS = 10;
/** The longest pause between two of those scans (they back off from 50 ms): a scan reads the whole process table. */
const MAX_WATCH_MS = 1000;
const STREAM_NAMES = ['stdout', 'stderr'] as const;
/**
 * What `mergeStderr` puts before the command: stderr onto stdout's pipe, on a line of its own — the shell runs it
 * before it parses the command's first line, so even a syntax error there lands in the pipe, while `$0`, the
 * positional parameters, the exit status and a shell's exec of the last command (signals) stay those of `-c`.
 */
const MERGE_PREFIX = 'exec 2>&1\n';
/** How a log file the command writes itself is opened: created or truncated, readable, appended to. */
const DIRECT_LOG_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;

/**
 * Options of {@link runCommand}.
 */
export interface RunCommandOptions {
  /** Working directory. @default process.cwd() */
  cwd?: string | undefined;
  /**
   * Variables merged over `process.env` (they add to or override the inherited environment); with `extendEnv: false`,
   * the command's whole environment. @default process.env
   */
  env?: Record<string, string> | undefined;
  /**
   * false: `env` is the command's whole environment (none when `env` is absent), `process.env` is not read. A runner
   * spawning many commands can pass one snapshot of its environment this way: Node reads every variable of
   * `process.env` through a native accessor at each spawn, a plain object is several times cheaper.
   * @default true
   */
  extendEnv?: boolean | undefined;
  /** Shell executable, called as `<shell> -c <command>`; a bare name is looked up on PATH. @default '/bin/sh' */
  shell?: string | undefined;
  /** Aborting terminates the whole process tree; the result then has `cancelled: true`. */
  signal?: AbortSignal | undefined;
  /** Terminates the whole process tree after this many milliseconds; the result then has `timedOut: true`. @default undefined (no timeout) */
  timeoutMs?: number | undefined;
  /** Milliseconds between SIGTERM and SIGKILL for whatever of the tree is still alive (0: at once; Infinity, or more than 2^31 - 1: never). @default 2000 */
  killGraceMs?: number | undefined;
  /**
   * Milliseconds the output pipes are read after the shell's exit while processes still hold them (a background
   * `cmd &`, a daemon that started a session of its own): what they write meanwhile is kept. Then the holders in the
   * command's tree are terminated (SIGTERM, then SIGKILL after `killGraceMs`) and reading stops 100 ms after the tree
   * is gone; a holder outside the tree is never signalled, its pipe is just no longer read. Infinity (or more than
   * 2^31 - 1): until the holders close the pipes. A timeout or an abort ends the wait at once (the tree is
   * terminated, reading stops 100 ms after it is gone). Not used with `directLog` (no pipes).
   * @default 100
   */
  pipeGraceMs?: number | undefined;
  /** Bytes of output kept in memory (`output`): the first quarter and the last three quarters. @default 1048576 (1 MiB) */
  maxOutputBytes?: number | undefined;
  /**
   * true: the command's stderr goes into the same pipe as its stdout, so `output`, `logFile` and `onOutput` (which
   * then names every chunk 'stdout') keep the exact order in which the command wrote to either, and spawning costs
   * one pipe less. The shell runs `exec 2>&1` on a line of its own before the command: `$0`, the positional
   * parameters, the exit status and signals are as with `-c` alone, but the shell numbers the command's lines from 2
   * (a syntax error on its first line reads `2: Syntax error...`). Needs a POSIX shell (`/bin/sh`, bash, dash,
   * zsh...): what the shell prints before it runs that line — a startup warning, a non-POSIX shell's complaint about
   * it — is not captured.
   * @default false
   */
  mergeStderr?: boolean | undefined;
  /** Receives output as it is read, decoded as UTF-8 per stream (a character is never split across two calls). */
  onOutput?: ((chunk: string, stream: 'stdout' | 'stderr') => void) | undefined;
  /**
   * File that receives the complete output, uncapped, in the order read (with `directLog`: in the order written);
   * created or truncated, mode 0600 (an existing regular file is made 0600; a device or FIFO is left as it is).
   */
  logFile?: string | undefined;
  /**
   * true: the command's stdout and stderr are `logFile` itself — one open file, in append mode — so the log holds
   * the exact order of the command's writes, with no pipe and nothing for fanout to read while it runs: the cheapest
   * way to run a command whose output only has to be logged. `output` and `outputBytes` are read back from the file
   * once the tree is gone (the head and the tail only, however large the file; a file that is not a regular file,
   * a FIFO or a device, gives `''`). Needs `logFile`, opened for reading too; cannot be combined with `onOutput` (no
   * live output without a pipe). `mergeStderr` has no effect: there is no `exec 2>&1` line, and the shell numbers
   * the command's lines as usual.
   *
   * What changes with a file instead of pipes:
   * - At the shell's exit nothing waits for end-of-file: background processes in the shell's process group are
   *   terminated at once. One that moved to another group of the session (GNU `timeout … &`, `set -m`) is not
   *   found after a normal exit (the known gap of {@link runCommand}, which pipes it held would have exposed);
   *   timeouts and aborts sweep the whole session as always.
   * - A process outside the tree (`setsid`, a daemon) can go on writing into the log after the result.
   * - A tool that opens `/dev/stdout` appends to the log; one that opens it with truncation (`> /dev/stdout`)
   *   empties it first, as with any redirection of a command to a file.
   * - A write error (disk full) reaches the command itself instead of `logError`.
   * @default false
   */
  directLog?: boolean | undefined;
  /**
   * Called once, synchronously, right after the shell started, with its pid — which is also the id of the process
   * group (session) the command's whole tree runs in. A run journal records it to reap a crashed run's leftovers.
   */
  onSpawn?: ((pid: number) => void) | undefined;
}

/**
 * The outcome of {@link runCommand}. A command that ran and failed is a result, not an exception; so is one that
 * could not start (`error`).
 */
export interface CommandResult {
  /** The shell's exit code; null when it was ended by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended the shell (`'SIGTERM'`, `'SIGKILL'`...); null otherwise. */
  signal: string | null;
  /** The timeout fired before the result settled: the tree was terminated, or reading pipes held after the shell's exit stopped. */
  timedOut: boolean;
  /**
   * The abort signal fired before the result settled — before the start, while the tree ran (it was terminated), or
   * while pipes held after the shell's exit were still read (reading stopped).
   */
  cancelled: boolean;
  /** Milliseconds from the spawn to the moment the tree was gone and the output complete. */
  durationMs: number;
  /**
   * stdout and stderr interleaved in the order fanout read them — exact within one stream, best effort across the
   * two pipes (writes that happen close together may be read in either order); exact with `mergeStderr`, which
   * reads both through one, and with `directLog`, which reads them back from the log file. Past `maxOutputBytes`
   * the head and the tail are kept, with a line `[... N bytes dropped ...]` between them.
   */
  output: string;
  /** Bytes the command wrote in total, kept or not. */
  outputBytes: number;
  /** Set when the command could not start; then `exitCode` and `signal` are null and nothing ran. */
  error?: SpawnError;
  /**
   * Set when writing `logFile` failed midway (disk full...); the log stops there, the command is not affected. With
   * `directLog`: set when reading the file back failed (`output` then lacks what could not be read).
   */
  logError?: Error;
  /** True when the executor never started the command (a remote job cancelled before any worker took it). */
  notStarted?: boolean;
  /**
   * Times the command was started, where an executor may start it more than once: 2 when a remote worker died while
   * running it and another ran it again from the start. Absent: once (or never, with `notStarted`).
   */
  attempts?: number;
}

interface Settings {
  command: string;
  cwd: string | undefined;
  env: NodeJS.ProcessEnv | undefined;
  shell: string;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  killGraceMs: number;
  pipeGraceMs: number;
  maxOutputBytes: number;
  onOutput: ((chunk: string, stream: 'stdout' | 'stderr') => void) | undefined;
  logFile: string | undefined;
  onSpawn: ((pid: number) => void) | undefined;
  mergeStderr: boolean;
  directLog: boolean;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw invalidArgument(name, 'a non-empty string without NUL characters', value);
  }
  return value;
}

/**
 * The commands running under each abort signal, and the one listener that aborts them: a runner passes the same
 * signal to hundreds of commands, and adding and removing an EventTarget listener per command costs more than the
 * rest of its bookkeeping. The listener goes when the last of them ends (no listener outlives the commands).
 */
const abortWatch = new WeakMap<AbortSignal, { runs: Set<{ abort(): void }>; listener: () => void }>();

function watchAbort(signal: AbortSignal, run: { abort(): void }): void {
  let watch = abortWatch.get(signal);
  if (watch === undefined) {
    const runs = new Set<{ abort(): void }>();
    const listener = (): void => {
      abortWatch.delete(signal);
      for (const each of [...runs]) each.abort();
    };
    watch = { runs, listener };
    abortWatch.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  watch.runs.add(run);
}

function unwatchAbort(signal: AbortSignal, run: { abort(): void }): void {
  const watch = abortWatch.get(signal);
  if (watch === undefined || !watch.runs.delete(run) || watch.runs.size > 0) return;
  abortWatch.delete(signal);
  signal.removeEventListener('abort', watch.listener);
}

/** A variable the environment of a process can hold: no NUL in its name or value, no `=` in its name. */
function checkVariable(key: string, value: unknown): asserts value is string {
  if (key === '' || key.includes('\0') || key.includes('=')) throw invalidArgument('options.env', 'variable names without NUL or "=" characters', key);
  if (typeof value !== 'string' || value.includes('\0')) throw invalidArgument(`options.env.${key}`, 'a string without NUL characters', value);
}

/** Frozen `env` objects (with `extendEnv: false`) whose variables were found valid. */
const checkedEnvironments = new WeakSet<object>();

/**
 * Whether an object's enumerable variables can never change: frozen, data properties only (a getter may answer
 * differently each time) and nothing inherited but from Object.prototype (a frozen object's prototype is not).
 */
function isPlainFrozen(env: object): boolean {
  if (!Object.isFrozen(env)) return false;
  const prototype = Object.getPrototypeOf(env) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(Object.getOwnPropertyDescriptors(env)).every((descriptor) => 'value' in descriptor);
}

function normalize(command: unknown, options: unknown): Settings {
  if (typeof command !== 'string' || command.trim() === '' || command.includes('\0')) {
    throw invalidArgument('command', 'a non-empty string without NUL characters', command);
  }
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw invalidArgument('options', 'an object or undefined', options);
  const o = options as RunCommandOptions;
  if (o.extendEnv !== undefined && typeof o.extendEnv !== 'boolean') throw invalidArgument('options.extendEnv', 'a boolean or undefined', o.extendEnv);
  let env: NodeJS.ProcessEnv | undefined;
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) throw invalidArgument('options.env', 'an object of strings', o.env);
    if (o.extendEnv === false) {
      // Checked in place and passed on as it is: no copy per spawn. A frozen object cannot change: checked once.
      if (!checkedEnvironments.has(o.env)) {
        for (const key in o.env) checkVariable(key, o.env[key]);
        if (isPlainFrozen(o.env)) checkedEnvironments.add(o.env);
      }
      env = o.env;
    } else {
      env = { ...process.env };
      for (const [key, value] of Object.entries(o.env)) {
        checkVariable(key, value);
        env[key] = value;
      }
    }
  } else if (o.extendEnv === false) {
    env = {};
  }
  if (o.onOutput !== undefined && typeof o.onOutput !== 'function') throw invalidArgument('options.onOutput', 'a function or undefined', o.onOutput);
  if (o.onSpawn !== undefined && typeof o.onSpawn !== 'function') throw invalidArgument('options.onSpawn', 'a function or undefined', o.onSpawn);
  if (o.mergeStderr !== undefined && typeof o.mergeStderr !== 'boolean') throw invalidArgument('options.mergeStderr', 'a boolean or undefined', o.mergeStderr);
  if (o.directLog !== undefined && typeof o.directLog !== 'boolean') throw invalidArgument('options.directLog', 'a boolean or undefined', o.directLog);
  const logFile = optionalString('options.logFile', o.logFile);
  if (o.directLog === true) {
    if (logFile === undefined) throw invalidArgument('options.directLog', 'false or undefined when options.logFile is not given', o.directLog);
    if (o.onOutput !== undefined) throw invalidArgument('options.onOutput', 'undefined with options.directLog (the command writes to the log file, not to a pipe)', o.onOutput);
  }
  return {
    command,
    cwd: optionalString('options.cwd', o.cwd),
    env,
    shell: optionalString('options.shell', o.shell) ?? '/bin/sh',
    signal: assertOptionalSignal('options.signal', o.signal),
    timeoutMs: o.timeoutMs === undefined ? Number.POSITIVE_INFINITY : assertLimit('options.timeoutMs', o.timeoutMs, 1),
    killGraceMs: o.killGraceMs === undefined ? 2000 : assertLimit('options.killGraceMs', o.killGraceMs, 0),
    pipeGraceMs: o.pipeGraceMs === undefined ? PIPE_GRACE_MS : assertLimit('options.pipeGraceMs', o.pipeGraceMs, 0),
    maxOutputBytes: o.maxOutputBytes === undefined ? 1024 * 1024 : assertLimit('options.maxOutputBytes', o.maxOutputBytes, 0),
    onOutput: o.onOutput,
    onSpawn: o.onSpawn,
    logFile,
    mergeStderr: o.mergeStderr === true,
    directLog: o.directLog === true,
  };
}

function notStarted(cancelled: boolean, error?: SpawnError): CommandResult {
  const result: CommandResult = { exitCode: null, signal: null, timedOut: false, cancelled, durationMs: 0, output: '', outputBytes: 0 };
  if (error !== undefined) result.error = error;
  return result;
}

/**
 * Runs `command` with `/bin/sh -c` (or `shell -c`) in its own session — so its own process group, no controlling
 * terminal — with stdin from /dev/null: commands are non-interactive. Resolves once the shell has exited, every
 * process of its tree is dead (zombies count as dead) and the output is complete.
 *
 * - On timeout or abort, SIGTERM goes to the whole process group (on Linux: to every group of the session, so
 *   children that moved to a group of their own, as GNU `timeout` does, are included), then SIGKILL after
 *   `killGraceMs` to whatever is still alive. A group that is gone is never signalled again.
 * - When the shell exits but processes it started in the background still hold its stdout or stderr, fanout waits up
 *   to 100 ms for end-of-file, then terminates them the same way; background processes that do not hold the pipes
 *   (with `directLog`, all of them) are terminated at once. Nothing of the tree outlives the result, except
 *   processes that started a session of their own (`setsid`, daemons) — by design outside the tree. One known gap,
 *   the price of a lean hot path: after a normal exit only the shell's own group is checked (one system call; /proc
 *   is read only if that group still has members), so a background process that moved to another group of the
 *   session (GNU `timeout`, `set -m`) and holds neither pipe (with `directLog`: whatever it holds) is not found
 *   then. Timeouts and aborts always sweep the whole session.
 * - Everything written before the end is in `output` (within `maxOutputBytes`), `onOutput` and `logFile`, even when
 *   the pipes close after the shell's exit.
 *
 * Never rejects for a command that fails, times out, is aborted or cannot start (`result.error`, a
 * {@link SpawnError}). Rejects with a `TypeError` for invalid arguments, and with the error `onOutput` threw — after
 * terminating the tree — if it throws. Aborting before the start resolves at once with `cancelled: true` and spawns
 * nothing; aborting after the end has no effect. No listener is left on `signal`.
 *
 * Linux is the supported platform (macOS works, but zombies then count as alive until reaped). Windows is not
 * supported: there the tree would have to be ended with `taskkill /pid <pid> /T /F`.
 *
 * @example
 * ```ts
 * import { runCommand } from 'fanout';
 * const result = await runCommand('npm test', { timeoutMs: 60_000, maxOutputBytes: 64 * 1024 });
 * if (result.error) console.error(result.error.message);
 * else if (result.timedOut) console.error('timed out:\n' + result.output);
 * else if (result.exitCode !== 0) console.error(`failed (${result.exitCode ?? result.signal}):\n` + result.output);
 * ```
 */
export function runCommand(command: string, options?: RunCommandOptions): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    const settings = normalize(command, options); // a TypeError thrown here rejects the promise
    if (settings.signal?.aborted === true) resolve(notStarted(true));
    else new CommandRun(settings, resolve, reject).start();
  });
}

/** The state of one running command: the shell, its pipes, its tree and the pending result. */
class CommandRun {
  private readonly output: OutputBuffer;
  private readonly decoders: [StringDecoder, StringDecoder] | undefined;
  private streams: Readable[] = [];
  private openStreams = 0;
  private killer: ProcessTreeKiller | undefined;
  /** The log file's descriptor, opened before the spawn; owned by `log` once that exists. */
  private logFd: number | undefined;
  private log: WriteStream | undefined;
  private logError: Error | undefined;
  private started = 0;
  private exited = false;
  private exitCode: number | null = null;
  private exitSignal: string | null = null;
  private timedOut = false;
  private cancelled = false;
  private failure: { error: unknown } | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  /** After the shell's exit: how long background processes may keep the pipes open before being terminated. */
  private eofTimer: NodeJS.Timeout | undefined;
  /** After the tree is gone: how long to wait for the end of pipes that someone outside the tree still holds. */
  private drainTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private watchMs = 25;
  private finishing = false;
  /** Reading is paused until the log file drains; the end-of-file waits do not run meanwhile. */
  private paused = false;
  /** Waits that expired while paused, resumed (restarted) once reading resumes: a slow disk never cuts off output. */
  private readonly afterDrain: (() => void)[] = [];
  /** The signal aborted (see watchAbort). */
  abort(): void {
    if (this.killer?.idle === true || this.stopWaiting()) this.cancelled = true;
    this.killer?.terminate();
  }

  /**
   * A stop (timeout, abort) while pipes held outside the gone tree are still awaited after the shell's exit: the
   * wait ends, reading stops {@link PIPE_GRACE_MS} later. True when it ended one.
   */
  private stopWaiting(): boolean {
    if (this.finishing || !this.exited || this.openStreams === 0 || this.killer?.isGone !== true || this.drainTimer !== undefined) return false;
    clearTimeout(this.eofTimer);
    this.eofTimer = undefined;
    this.armDrainTimer();
    return true;
  }

  constructor(
    private readonly settings: Settings,
    private readonly resolve: (result: CommandResult) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.output = new OutputBuffer(settings.maxOutputBytes);
    this.decoders = settings.onOutput === undefined ? undefined : [new StringDecoder('utf8'), new StringDecoder('utf8')];
  }

  start(): void {
    const { command, cwd, env, shell, logFile } = this.settings;
    if (logFile !== undefined) {
      let fd: number;
      try {
        // Under directLog: read-write, the output is read back through the same descriptor; and append mode, so a
        // tool that opens /dev/stdout anew writes after what is there instead of over it.
        fd = openSync(logFile, this.settings.directLog ? DIRECT_LOG_FLAGS : 'w', 0o600);
      } catch (error) {
        this.resolve(notStarted(false, new SpawnError('log-file-unwritable', command, logFile, `cannot run ${JSON.stringify(command)}: cannot open log file ${JSON.stringify(logFile)}`, { cause: error })));
        return;
      }
      try {
        // An existing file keeps its mode on open, and the log may hold secrets. A device or FIFO (/dev/null...) is
        // not ours to change. fstat instead of an unconditional fchmod: a new file costs no more system calls.
        const { mode } = fstatSync(fd);
        if ((mode & constants.S_IFMT) === constants.S_IFREG && (mode & 0o7777) !== 0o600) fchmodSync(fd, 0o600);
      } catch {
        // A file system without modes (some mounts) is not a reason to refuse the command.
      }
      // The write stream is made at the first byte of output: a silent command (many checks that pass) then costs
      // an open and a close, not a stream and a round trip through the thread pool to close it.
      this.logFd = fd;
    }
    this.started = performance.now();
    const fd = this.logFd;
    const direct = fd !== undefined && this.settings.directLog;
    const merge = this.settings.mergeStderr && !direct;
    let child: ChildProcess;
    try {
      const stdio: StdioOptions = direct ? ['ignore', fd, fd] : ['ignore', 'pipe', merge ? 'ignore' : 'pipe'];
      child = childProcess().spawn(shell, ['-c', merge ? MERGE_PREFIX + command : command], { cwd, env, detached: true, stdio });
    } catch (error) {
      this.failStart(error);
      return;
    }
    if (child.pid === undefined) {
      // Node reports spawn failures asynchronously; the streams it created are already destroyed.
      child.once('error', (error) => this.failStart(error));
      return;
    }
    forgetSnapshot();
    this.streams = direct ? [] : merge ? [child.stdout!] : [child.stdout!, child.stderr!];
    this.openStreams = this.streams.length;
    child.on('error', () => {}); // later errors (none expected: fanout signals the group itself) must not crash
    this.killer = new ProcessTreeKiller(child.pid, this.settings.killGraceMs, () => this.check());
    if (this.settings.onSpawn !== undefined) {
      try {
        this.settings.onSpawn(child.pid);
      } catch (error) {
        // As for onOutput: the tree is terminated and the promise rejects with this error once it is gone.
        this.failure = { error };
        this.killer.terminate();
      }
    }
    for (let index = 0; index < this.streams.length; index++) this.listen(index as StreamIndex);
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.killer!.shellReaped = true;
      this.exitCode = code;
      this.exitSignal = signal;
      if (this.openStreams > 0 && !this.killer!.terminating) {
        this.armEofTimer();
        this.watchTimer = setTimeout(() => this.watch(), FIRST_WATCH_MS);
      }
      this.check();
    });
    if (this.settings.timeoutMs <= MAX_TIMER_MS) {
      this.timeoutTimer = setTimeout(() => {
        this.timeoutTimer = undefined;
        if (this.killer!.idle || this.stopWaiting()) this.timedOut = true;
        this.killer!.terminate();
      }, this.settings.timeoutMs);
    }
    const { signal } = this.settings;
    if (signal !== undefined) {
      watchAbort(signal, this);
      // Aborted since the start (by onSpawn, say): the event has been and gone.
      if (signal.aborted) this.abort();
    }
  }

  private listen(index: StreamIndex): void {
    const stream = this.streams[index]!;
    let open = true;
    const closed = (): void => {
      if (!open) return;
      open = false;
      if (this.decoders !== undefined) this.emit(this.decoders[index].end(), index);
      this.openStreams--;
      if (this.openStreams === 0) {
        clearTimeout(this.eofTimer);
        this.eofTimer = undefined;
      }
      this.check();
    };
    stream.on('data', (chunk: Buffer) => {
      this.output.push(index, chunk);
      if (this.logFd !== undefined && this.logError === undefined && !this.logStream().write(chunk)) this.pause();
      if (this.decoders !== undefined) this.emit(this.decoders[index].write(chunk), index);
    });
    stream.once('end', closed);
    stream.once('close', closed);
    stream.on('error', () => {}); // a read error ends the stream; 'close' follows
  }

  /** The log's write stream, made on first use. */
  private logStream(): WriteStream {
    if (this.log === undefined) {
      this.log = createWriteStream('', { fd: this.logFd! });
      this.log.on('error', (error) => {
        this.logError ??= error;
        this.resume();
      });
    }
    return this.log;
  }

  private emit(text: string, index: StreamIndex): void {
    if (text === '' || this.failure !== undefined) return;
    try {
      this.settings.onOutput!(text, STREAM_NAMES[index]);
    } catch (error) {
      this.failure = { error };
      this.killer?.terminate();
    }
  }

  /** Backpressure from the log file: stop reading (the command blocks on its writes) until the file catches up. */
  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const stream of this.streams) stream.pause();
    this.log!.once('drain', () => this.resume());
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const stream of this.streams) stream.resume();
    for (const restart of this.afterDrain.splice(0)) restart();
  }

  /**
   * After the shell's exit with pipes still open: give the holders `pipeGraceMs` of reading, then terminate those in
   * the tree — or, once the tree is gone (the holders are outside it), stop reading.
   */
  private armEofTimer(): void {
    if (this.settings.pipeGraceMs > MAX_TIMER_MS) return;
    this.eofTimer = setTimeout(() => {
      this.eofTimer = undefined;
      // A stop under way (abort, timeout, a failing onOutput) owns the ending: the tree's last output gets its drain.
      if (this.finishing || this.openStreams === 0 || this.killer!.terminating) return;
      if (this.paused) this.afterDrain.push(() => this.armEofTimer());
      else if (this.killer!.isGone) this.finish();
      else this.killer!.terminate();
    }, this.settings.pipeGraceMs);
  }

  /** While pipes are awaited after the shell's exit: is the session empty yet? See {@link FIRST_WATCH_MS}. */
  private watch(): void {
    this.watchTimer = undefined;
    const killer = this.killer!;
    if (this.finishing || this.openStreams === 0 || killer.terminating || killer.isGone) return;
    // A thorough scan: a holder may be in a group of its own within the session (`timeout … &`, `set -m`).
    if (killer.checkGone(true)) return;
    this.watchMs = Math.min(this.watchMs * 2, MAX_WATCH_MS);
    this.watchTimer = setTimeout(() => this.watch(), this.watchMs);
  }

  /** After the tree is gone with pipes still open, once fanout stopped it: {@link PIPE_GRACE_MS} of reading, then stop. */
  private armDrainTimer(): void {
    this.drainTimer = setTimeout(() => {
      if (this.paused) this.afterDrain.push(() => this.armDrainTimer());
      else this.finish();
    }, PIPE_GRACE_MS);
  }

  /**
   * Decides what comes next; called on every event (exit, end of a pipe, poll). Settles only once the shell has
   * exited (its exit code is needed) and the tree is gone.
   */
  private check(): void {
    const killer = this.killer!;
    if (this.finishing || !this.exited) return;
    if (!killer.terminating) {
      // Normal end: wait (bounded by eofTimer) for the pipes, then make sure nothing of the tree lingers.
      if (this.openStreams > 0) return;
      if (!killer.checkGone(false)) {
        killer.terminate();
        return;
      }
    } else if (!killer.checkGone(true)) {
      killer.schedulePoll();
      return;
    }
    if (this.openStreams > 0) {
      // The tree is gone, yet a pipe is open: its end-of-file is on the way, or a process outside the tree (one
      // that started its own session) holds it. Take what comes within the grace, then stop reading.
      if (this.drainTimer === undefined) this.armDrainTimer();
      return;
    }
    this.finish();
  }

  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.killer?.dispose();
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.eofTimer);
    clearTimeout(this.drainTimer);
    clearTimeout(this.watchTimer);
    if (this.settings.signal !== undefined) unwatchAbort(this.settings.signal, this);
    for (const stream of this.streams) stream.destroy();
    if (this.settings.directLog && this.logFd !== undefined) {
      try {
        readBack(this.logFd, this.output);
      } catch (error) {
        this.logError ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    const durationMs = performance.now() - this.started;
    const settle = (): void => {
      if (this.failure !== undefined) {
        this.reject(this.failure.error);
        return;
      }
      const result: CommandResult = {
        exitCode: this.exitCode,
        signal: this.exitSignal,
        timedOut: this.timedOut,
        cancelled: this.cancelled,
        durationMs,
        output: this.output.toString(),
        outputBytes: this.output.total,
      };
      if (this.logError !== undefined) result.logError = this.logError;
      this.resolve(result);
    };
    this.afterDrain.length = 0;
    this.closeLog(settle);
  }

  /** Ends the log file and calls `then` once its descriptor is closed (also after a write error). */
  private closeLog(then: () => void): void {
    const log = this.log;
    if (log === undefined) {
      // Nothing was written: the descriptor is closed here and now (no stream, no thread-pool round trip).
      if (this.logFd !== undefined) {
        try {
          closeSync(this.logFd);
        } catch {
          // the file is complete (empty) whatever close says
        }
        this.logFd = undefined;
      }
      then();
      return;
    }
    if (log.closed) {
      then();
      return;
    }
    log.once('close', then);
    log.end();
  }

  private failStart(error: unknown): void {
    const { command, cwd, shell } = this.settings;
    const spawnError = diagnoseSpawnFailure(error, command, cwd, shell);
    this.closeLog(() => this.resolve(notStarted(false, spawnError)));
  }
}
