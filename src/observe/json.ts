import type * as PinoModule from 'pino';
import { invalidArgument } from '../common/arguments.js';
import { load } from './lazy.js';
import type { ObservedEvent, Observer } from './types.js';

/** A level of pino's. */
export type JsonObserverLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The methods of a pino logger the observer calls (a `pino()` logger is one). Written out here, so the types of
 * fanout/observe compile without pino, an optional peer dependency, installed.
 */
export interface JsonObserverLogger {
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  isLevelEnabled(level: string): boolean;
}

/** Options of {@link createJsonObserver}. */
export interface JsonObserverOptions {
  /**
   * Where the JSON lines go: any writable stream (a file stream, a socket, `process.stdout`).
   * @default process.stderr
   */
  destination?: { write(text: string): unknown };
  /**
   * Lowest level written. Events are logged at `info`, failed tasks and failed runs at `error`, timeouts at `warn`,
   * task starts at `debug`.
   * @default 'info'
   */
  level?: JsonObserverLevel;
  /** An existing pino logger to write through instead (its destination and level win over the two above). */
  logger?: JsonObserverLogger;
}

/**
 * An observer that writes one structured JSON line per event through pino: `msg` is the event type, with `runId`,
 * `source`, the task `id`, `status`, `durationMs`, `step`, `err` (a failure, serialized with its stack and cause) and,
 * at a run's end, `ok`, `aborted`, `failFastTriggered` and `durationMs`. Task values are never logged (they may be
 * large or private). fanout creates it only when asked (`createObserver('json')`, the CLI's `--observer json`):
 * library code never prints on its own.
 *
 * Caveat: task starts are logged at `debug`, below the default level; pass `level: 'debug'` to see them.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { createJsonObserver, observeGraph } from 'fanout/observe';
 * import { runGraph } from 'fanout';
 * const observer = createJsonObserver({ destination: createWriteStream('fanout.log.jsonl'), level: 'debug' });
 * await runGraph([{ id: 'build', run: async () => 'ok' }], { onEvent: observeGraph(observer) });
 * ```
 */
export function createJsonObserver(options: JsonObserverOptions = {}): Observer {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const { pino, stdTimeFunctions } = options.logger === undefined ? load<typeof PinoModule>('pino') : ({} as typeof PinoModule);
  const logger =
    options.logger ??
    pino(
      {
        level: options.level ?? 'info',
        base: null, // pid and hostname are noise in per-event lines; add them with a logger of your own
        timestamp: stdTimeFunctions.isoTime,
      },
      options.destination ?? process.stderr,
    );
  const runStarts = new Map<string, number>();

  return {
    onEvent(event: ObservedEvent): void {
      const tag = { runId: event.runId, source: event.source };
      switch (event.type) {
        case 'graph:start':
          runStarts.set(event.runId, event.time);
          logger.info({ ...tag, taskCount: event.taskCount }, event.type);
          return;
        case 'task:start':
          if (logger.isLevelEnabled('debug')) logger.debug(withStep({ ...tag, id: event.id, async: event.async }, event.step), event.type);
          return;
        case 'task:end': {
          const outcome = event.outcome;
          const fields: Record<string, unknown> = withStep({ ...tag, id: event.id, status: outcome.status }, event.step);
          if (outcome.status === 'skipped') fields.reason = outcome.reason;
          else fields.durationMs = round(outcome.durationMs);
          if (outcome.status === 'failed') logger.error({ ...fields, err: outcome.error }, event.type);
          else if (outcome.status === 'timeout') logger.warn(fields, event.type);
          else logger.info(fields, event.type);
          return;
        }
        case 'graph:end': {
          const started = runStarts.get(event.runId);
          runStarts.delete(event.runId);
          const { ok, aborted, failFastTriggered } = event.result;
          const fields: Record<string, unknown> = { ...tag, ok, aborted, failFastTriggered };
          if (started !== undefined) fields.durationMs = round(event.time - started);
          if (ok) logger.info(fields, event.type);
          else logger.error(fields, event.type);
          return;
        }
      }
    },
  };
}

function withStep(fields: Record<string, unknown>, step: string | undefined): Record<string, unknown> {
  if (step !== undefined) fields.step = step;
  return fields;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
