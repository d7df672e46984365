// `fanout check --redis URL`: checks run as BullMQ jobs on `fanout worker` processes instead of locally. The graph,
// priorities, fail-fast, skips and reports stay here, in the coordinator; only the command execution moves.
import type { CommandResult, CommandSpec, ExecuteOptions, Executor } from './engine.js';
import { UsageError } from './errors.js';

/** The coordinator's executor: the BullMQ one, with its results annotated for the report. */
export interface RemoteExecutor extends Executor {
  close(): Promise<void>;
}

export interface RemoteOptions {
  redis: string;
  queue?: string | undefined;
  commit?: string | undefined;
  /** The config's folder: checks' cwd travel relative to it, and workers resolve them in their own checkout. */
  root: string;
}

/** Creates the executor; the distributed backend (bullmq, ioredis) is loaded only here. */
export async function remoteExecutor(options: RemoteOptions): Promise<RemoteExecutor> {
  if (!/^rediss?:\/\//.test(options.redis)) throw new UsageError('--redis must be a redis:// or rediss:// URL');
  const [{ createBullMQExecutor }, { currentCommit }] = await Promise.all([
    import('../distributed/bullmq-executor.js'),
    import('../distributed/commit.js'),
  ]);
  const commit = options.commit ?? currentCommit();
  let executor;
  try {
    executor = createBullMQExecutor({
      connection: options.redis,
      root: options.root,
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(commit === undefined ? {} : { commit }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message, 'ERR_USAGE', { cause: error });
    throw error;
  }
  return {
    async execute(spec: CommandSpec, execOptions?: ExecuteOptions): Promise<CommandResult> {
      const result = await executor.execute(spec, execOptions);
      const notes: string[] = [];
      // The report shows the output tail: a note at its end is where a reader sees it (human, JSON, JUnit).
      if (result.stalled) notes.push(`[fanout: the worker running this check died or lost its lock; it was re-run from the start (attempt ${result.attempts})]`);
      if (result.missingSecrets !== undefined && result.missingSecrets.length > 0) {
        notes.push(`[fanout: worker ${result.worker ?? '?'} lacks the secret variables ${result.missingSecrets.join(', ')}; the command did not run]`);
      }
      if (result.worker !== null && notes.length > 0) notes.push(`[fanout: result from worker ${result.worker}]`);
      if (notes.length === 0) return result;
      const suffix = `${result.output.endsWith('\n') || result.output === '' ? '' : '\n'}${notes.join('\n')}\n`;
      return { ...result, output: result.output + suffix };
    },
    close: () => executor.close(),
  };
}
