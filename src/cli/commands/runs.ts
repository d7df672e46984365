// The commands and `check` flags of issue 7 (agents and long runs), registered on the program. This module stays
// light (commander and the flag parsers only): each action imports its implementation when it runs.
import { Argument, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseDurationFlag, parseParallel } from '../options.js';

/** Default number of run folders kept (`--keep-runs`). */
const KEEP_RUNS_DEFAULT = 20;

/** The flags of `fanout check` that issue 7 adds. */
export interface AgentCheckOptions {
  /** `--resume [RUN]`: true for the latest run. */
  resume?: string | true | undefined;
  /** `--changed [REF]`: true for HEAD. */
  changed?: string | true | undefined;
  background?: boolean | undefined;
  /** Run folders kept. @default 20 */
  keepRuns?: number | undefined;
  /** null: `--async-threshold off`. @default 60 s */
  asyncThresholdMs?: number | null | undefined;
  asyncParallel?: number | undefined;
}

/** Parses the raw commander values of those flags. */
export function agentCheckOptions(flags: Record<string, unknown>): AgentCheckOptions {
  const options: AgentCheckOptions = {};
  const threshold = flags.asyncThreshold;
  if (typeof threshold === 'string') options.asyncThresholdMs = threshold === 'off' ? null : parseDurationFlag('--async-threshold', threshold);
  if (typeof flags.asyncParallel === 'string') options.asyncParallel = parseParallel(flags.asyncParallel);
  if (flags.resume === true || typeof flags.resume === 'string') options.resume = flags.resume;
  if (flags.changed === true || typeof flags.changed === 'string') options.changed = flags.changed;
  if (flags.background === true) options.background = true;
  if (typeof flags.keepRuns === 'string') {
    const keep = Number(flags.keepRuns);
    if (!/^\d+$/.test(flags.keepRuns.trim()) || keep < 1) throw new UsageError(`--keep-runs must be an integer of at least 1, received "${flags.keepRuns}"`);
    options.keepRuns = keep;
  }
  if (options.resume !== undefined && options.changed !== undefined) throw new UsageError('--resume and --changed both choose the checks: give one');
  return options;
}

interface Globals {
  logDir?: string;
  json?: boolean;
  config?: string;
  strict?: boolean;
  color: boolean;
  verbose?: boolean;
}

function finish(code: number): void {
  process.exitCode = code;
}

/** Adds the `check` flags and the commands status, wait, logs, cancel, report and hook. */
export function registerAgentCommands(program: Command): void {
  const check = program.commands.find((command) => command.name() === 'check');
  check
    ?.addOption(new Option('--async-threshold <duration>', 'a check whose own timeout: is above this runs in the async pool, outside -p (off: only async: true ones)').default('60s'))
    .option('--async-parallel <n>', 'async checks running at once (default: -p)')
    .option('--resume [run]', 'rerun only what did not pass in RUN (default: the latest run)')
    .option('--changed [ref]', 'only the checks whose files: match what git reports changed since REF (default: HEAD; untracked files too), with what they require')
    .option('--background', 'run detached; return once the non-async checks ended (then: fanout status / wait / logs / cancel)')
    .option('--keep-runs <n>', `run folders kept in --log-dir (default: ${KEEP_RUNS_DEFAULT})`);

  const logDirOf = (command: Command) => command.optsWithGlobals<Globals>().logDir ?? '.fanout/runs';

  program
    .command('status')
    .description('the state of a run (default: the latest): each check running, pending or ended, and its status')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .action(async (run: string | undefined, _options: unknown, command: Command) => {
      const { statusCommand } = await import('../actions/background.js');
      finish(statusCommand(run, { logDir: logDirOf(command), json: command.optsWithGlobals<Globals>().json === true }));
    });

  program
    .command('wait')
    .description('block until a run (default: the latest) has ended, then exit with its exit code')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .option('--timeout <duration>', 'give up after this long (exit 124, the run goes on)')
    .action(async (run: string | undefined, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<Globals & { timeout?: string }>();
      const timeoutMs = flags.timeout === undefined ? undefined : parseDurationFlag('--timeout', flags.timeout);
      const { waitCommand } = await import('../actions/background.js');
      finish(await waitCommand(run, { logDir: logDirOf(command), timeoutMs, json: flags.json === true }));
    });

  program
    .command('logs')
    .description("print a check's log of a run (--follow: and what it writes until it ends)")
    .argument('<run>', 'run id (or a unique part of one), or latest')
    .argument('<check>', 'check id')
    .option('-f, --follow', 'keep printing what the check writes until it ends')
    .action(async (run: string, checkId: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<Globals & { follow?: boolean }>();
      const { logsCommand } = await import('../actions/background.js');
      finish(await logsCommand(run, checkId, { logDir: logDirOf(command), follow: flags.follow === true }));
    });

  program
    .command('cancel')
    .description('stop a running run (default: the latest): its checks’ process groups are killed, its report written')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .action(async (run: string | undefined, _options: unknown, command: Command) => {
      const { cancelCommand } = await import('../actions/background.js');
      finish(await cancelCommand(run, { logDir: logDirOf(command) }));
    });

  program
    .command('report')
    .description('render a run (default: the latest) as a self-contained HTML page: timeline, critical path, history')
    .argument('[run]', 'run id (or a unique part of one), or latest')
    .requiredOption('--html <file>', 'write the HTML page here')
    .option('--history <n>', 'past runs shown in the duration history', '20')
    .action(async (run: string | undefined, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<Globals & { html: string; history: string }>();
      const history = parseParallel(flags.history);
      const { reportHtmlCommand } = await import('../actions/report.js');
      finish(reportHtmlCommand(run, { logDir: logDirOf(command), html: flags.html, history }));
    });

  program
    .command('hook')
    .description('run as an agent hook: read the hook event JSON on stdin, run the checks it concerns, answer in the hook protocol')
    .addArgument(new Argument('<agent>', 'the agent whose hook protocol to speak').choices(['claude']))
    .option('--budget <duration>', 'after this long, checks still running are reported pending instead of blocking')
    .action(async (agent: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<Globals & { budget?: string; parallel?: string }>();
      const { claudeHook } = await import('../actions/hook.js');
      finish(
        await claudeHook({
          config: flags.config,
          strict: flags.strict,
          logDir: logDirOf(command),
          parallel: flags.parallel,
          budget: flags.budget,
          version: program.version(),
        }),
      );
      void agent;
    });
}
