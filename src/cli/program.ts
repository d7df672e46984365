// The commander program: commands, flags, help, and the mapping of every error to an exit code.
// Each action imports its command module lazily, so `fanout --help` never loads the engine.
import { Command, CommanderError, Option } from 'commander';
import { messageOf } from '../shared/errors.js';
import { EXIT_INFRASTRUCTURE, EXIT_INTERNAL, EXIT_USAGE, UsageError } from './errors.js';
import { parseChoice, parseDurationFlag, parseExitCode, parseParallel, type CommonOptions } from './options.js';
import type { RedisTargetOptions } from './redis-target.js';
import { splitList } from '../shared/text.js';
import { agentCheckOptions, registerAgentCommands } from './commands/runs.js';
import { afterWritten, jsonText, print, printErr, printJsonText } from './terminal.js';

type GlobalFlags = {
  config?: string;
  verbose?: boolean;
  json?: boolean;
  color: boolean;
  parallel?: string;
  failFast?: boolean;
  logDir?: string;
  errorExitCode?: string;
  strict?: boolean;
};

const collect = (value: string, previous: string[]) => [...previous, value];

function common(flags: GlobalFlags): CommonOptions {
  return { config: flags.config, verbose: flags.verbose === true, json: flags.json === true, color: flags.color, strict: flags.strict };
}

/** The options of a command merged with the program's (commander's optsWithGlobals). */
function globals<T = object>(command: Command): GlobalFlags & T {
  return command.optsWithGlobals<GlobalFlags & T>();
}

/** The Redis flags of `check` and `worker`, as given on the command line (a URL there may not hold a password). */
function redisFlags(flags: { redis?: string | true; redisCa?: string; redisCert?: string; redisKey?: string; redisServername?: string }): RedisTargetOptions {
  return { redis: flags.redis, fromCommandLine: true, ca: flags.redisCa, cert: flags.redisCert, key: flags.redisKey, servername: flags.redisServername };
}

function finish(code: number): void {
  process.exitCode = code;
}

/** Builds the program; `version` is the package version. */
export function buildProgram(version: string): Command {
  const program = new Command('fanout')
    .description('Run the checks of a config as a dependency graph, in parallel, and report exactly what failed and what to do.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: the first of fanout.yaml, fanout.yml, .fanout.yaml, .fanout.yml, vibeguard.yaml, … in the working directory)')
    .option('-v, --verbose', 'one line per check (✓ id passed (1.2s)); details in list')
    .option('--json', 'one JSON document on stdout (diagnostics stay on stderr)')
    .option('--no-color', 'never colour the output (NO_COLOR works too)')
    .option('-p, --parallel <n>', 'checks run at once (0 or less: the default: 4, or 64 with --redis)')
    .option('--fail-fast', 'stop at the first error-severity failure: kill the running checks, start nothing more')
    .option('--log-dir <dir>', 'folder of run logs: <log-dir>/<run-id>/<check>.log, <log-dir>/latest', '.fanout/runs')
    .option('--error-exit-code <n>', 'exit code when an error-severity check fails or any check times out', '1')
    .option('--strict', 'treat unknown keys in vibeguard.* configs as errors')
    .showHelpAfterError('(run with --help for usage)')
    // Its errors quote what was typed (`unknown command '…'`): through print() like every other text.
    .configureOutput({ writeOut: (text) => print(text), writeErr: (text) => printErr(text) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 all error-severity checks passed (warnings allowed); --error-exit-code (1) a failure or a timeout;
2 a config or usage error; 75 with --redis: Redis lost or no worker serving the queue (no check is reported failed for
it); 128+N when a signal N ended the run (130 for Ctrl-C, 143 for SIGTERM).

Examples:
  fanout check                       run every check of ./fanout.yaml
  fanout check test                  run "test" and what it requires
  fanout check --tags fast -p 8      run the checks tagged fast (and what they require)
  fanout check --json > report.json  machine-readable report
  fanout graph --format mermaid      the dependency graph as a Mermaid diagram`,
    );


  program
    .command('check')
    .alias('run')
    .description('run the checks (with ids: those and what they require)')
    .argument('[ids...]', 'check ids to run, with what they require')
    .option('--only <ids>', 'run exactly these checks (comma-separated or repeated), without their requirements', collect, [])
    .option('--tags <tags>', 'run the checks having any of these tags, with what they require', collect, [])
    .option('--exclude-tags <tags>', 'leave out the checks having any of these tags (unless a selected check requires them)', collect, [])
    .addOption(new Option('--schedule <mode>', 'ready: start each check as soon as what it requires passed; levels: VibeGuard’s level by level').choices(['ready', 'levels']).default('ready'))
    .option('--timeout <duration>', 'default per-check timeout, for checks that set none (e.g. 30s, 2m)')
    .option('--max-time <duration>', 'deadline for the whole run: then everything still running is cancelled')
    .option('--stream', 'NDJSON events on stdout as they happen (the last one carries the report)')
    .option('--junit <file>', 'also write a JUnit XML report to FILE')
    .option('--redis [url]', 'run the checks as jobs on `fanout worker` processes through this Redis (-p then defaults to 64); the URL, when it holds a password, goes in FANOUT_REDIS_URL or FANOUT_REDIS_URL_FILE (a file of mode 0600), not here')
    .option('--redis-ca <file>', 'with a rediss:// URL: PEM certificates of the authorities that sign the server\'s certificate (default: the system\'s; env FANOUT_REDIS_CA)')
    .option('--redis-cert <file>', 'with a rediss:// URL: PEM client certificate, for a server that requires one (with --redis-key; env FANOUT_REDIS_CERT)')
    .option('--redis-key <file>', 'with a rediss:// URL: PEM private key of --redis-cert, a file of mode 0600 (env FANOUT_REDIS_KEY)')
    .option('--redis-servername <name>', 'with a rediss:// URL: the name the server\'s certificate must carry, when not the URL\'s host (env FANOUT_REDIS_SERVERNAME)')
    .option('--queue <name>', 'with --redis: the queue name (jobs go to <name>@<commit>)', 'checks')
    .option('--commit <sha>', 'with --redis: the commit workers must have checked out (default: git HEAD)')
    .option('--insecure', 'with --redis: dispatch unsigned jobs when no shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE) is set')
    .option('--worker-wait <duration>', 'with --redis: stop the run (exit 75) when no worker takes a job for this long', '30s')
    .option('--heartbeat-ttl <duration>', 'with --redis: time to live of the run\'s heartbeat; when this process dies, workers stop its checks and drop its queued jobs within this + 1 s', '5s')
    .option('--shard <i/n>', 'run only shard i of n (and what its checks require); report only its own checks')
    .option('--no-config-cache', 'parse the config even when it is unchanged since the last run (see <log-dir>/.config-cache)')
    .addOption(new Option('--observer <name>', 'also send the run\'s events to an observer: json (JSON lines on stderr), otel (OpenTelemetry spans), noop').choices(['noop', 'json', 'otel']))
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const flags = globals<{
        only: string[];
        tags: string[];
        excludeTags: string[];
        schedule: string;
        timeout?: string;
        maxTime?: string;
        stream?: boolean;
        junit?: string;
        redis?: string | true;
        redisCa?: string;
        redisCert?: string;
        redisKey?: string;
        redisServername?: string;
        queue: string;
        commit?: string;
        insecure?: boolean;
        workerWait: string;
        heartbeatTtl: string;
        shard?: string;
        observer?: string;
        configCache: boolean;
      }>(command);
      if (flags.redis === undefined && [flags.redisCa, flags.redisCert, flags.redisKey, flags.redisServername].some((value) => value !== undefined)) {
        throw new UsageError('--redis-ca, --redis-cert, --redis-key and --redis-servername go with --redis (a local run uses no Redis)');
      }
      if (flags.stream && flags.json) throw new UsageError('--stream and --json both write to stdout: choose one (the stream’s run:end event carries the JSON report)');
      const { checkCommand } = await import('./actions/check.js');
      const code = await checkCommand(
        ids,
        {
          ...common(flags),
          parallel: parseParallel(flags.parallel ?? (flags.redis === undefined ? '4' : '64')),
          failFast: flags.failFast === true,
          logDir: flags.logDir ?? '.fanout/runs',
          errorExitCode: parseExitCode(flags.errorExitCode ?? '1'),
          only: splitList(flags.only),
          tags: splitList(flags.tags),
          excludeTags: splitList(flags.excludeTags),
          schedule: parseChoice('--schedule', flags.schedule, ['ready', 'levels'] as const),
          timeoutMs: flags.timeout === undefined ? undefined : parseDurationFlag('--timeout', flags.timeout),
          maxTimeMs: flags.maxTime === undefined ? undefined : parseDurationFlag('--max-time', flags.maxTime),
          stream: flags.stream === true,
          junit: flags.junit,
          redis: flags.redis === undefined ? undefined : redisFlags(flags),
          queue: flags.queue,
          commit: flags.commit,
          insecure: flags.insecure === true,
          workerWaitMs: Math.ceil(parseDurationFlag('--worker-wait', flags.workerWait)),
          heartbeatTtlMs: Math.ceil(parseDurationFlag('--heartbeat-ttl', flags.heartbeatTtl)),
          shard: flags.shard,
          observer: flags.observer,
          configCache: flags.configCache,
          ...agentCheckOptions(flags),
        },
        version,
      );
      // BullMQ keeps a 5 s retry timer after Redis is lost: the run is over, so the process does not wait for it.
      if (code === EXIT_INFRASTRUCTURE) afterWritten(process.stdout, () => process.exit(code));
      finish(code);
    });

  registerAgentCommands(program);

  program
    .command('list')
    .description('list the checks (-v: with their commands and settings; --json: machine-readable)')
    .action(async (_options: unknown, command: Command) => {
      const { listCommand } = await import('./actions/list.js');
      finish(await listCommand(common(globals(command))));
    });

  program
    .command('tags')
    .description('list the tags used by the checks, with how many checks have each')
    .action(async (_options: unknown, command: Command) => {
      const { tagsCommand } = await import('./actions/list.js');
      finish(await tagsCommand(common(globals(command))));
    });

  program
    .command('validate')
    .description('check the config and report every problem at once as file:line:col: message')
    .action(async (_options: unknown, command: Command) => {
      const { validateCommand } = await import('./actions/validate.js');
      finish(await validateCommand(common(globals(command))));
    });

  program
    .command('graph')
    .description('show the dependency graph: levels, edges and the critical path')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot']).default('text'))
    .argument('[ids...]', 'only these checks and what they require')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const flags = globals<{ format: 'text' | 'mermaid' | 'dot' }>(command);
      const { graphCommand } = await import('./actions/graph.js');
      finish(await graphCommand(ids, { ...common(flags), format: flags.format, logDir: flags.logDir ?? '.fanout/runs' }));
    });

  program
    .command('init')
    .description('write a starter fanout.yaml for a kind of project')
    .option('-t, --template <name>', 'node-typescript, python, go, rust or generic (default: guessed from the files present)')
    .option('-f, --force', 'overwrite an existing config')
    .option('-o, --output <file>', 'file to write', 'fanout.yaml')
    .option('--list-templates', 'list the templates and exit')
    .action(async (_options: unknown, command: Command) => {
      const flags = globals<{ template?: string; force?: boolean; output: string; listTemplates?: boolean }>(command);
      const { initCommand } = await import('./actions/init.js');
      finish(await initCommand({ template: flags.template, force: flags.force === true, output: flags.output, list: flags.listTemplates === true, json: flags.json === true }));
    });

  program
    .command('worker')
    .description('run check jobs that `fanout check --redis` dispatches, until SIGINT/SIGTERM')
    .option('--redis [url]', 'Redis URL without a password (redis[s]://host:port[/db]); default and with a password: FANOUT_REDIS_URL, or the file FANOUT_REDIS_URL_FILE names (mode 0600)')
    .option('--redis-ca <file>', 'with a rediss:// URL: PEM certificates of the authorities that sign the server\'s certificate (default: the system\'s; env FANOUT_REDIS_CA)')
    .option('--redis-cert <file>', 'with a rediss:// URL: PEM client certificate, for a server that requires one (with --redis-key; env FANOUT_REDIS_CERT)')
    .option('--redis-key <file>', 'with a rediss:// URL: PEM private key of --redis-cert, a file of mode 0600 (env FANOUT_REDIS_KEY)')
    .option('--redis-servername <name>', 'with a rediss:// URL: the name the server\'s certificate must carry, when not the URL\'s host (env FANOUT_REDIS_SERVERNAME)')
    .option('--queue <name>', 'queue name', 'checks')
    .option('--commit <sha>', 'take only jobs for this commit (default: git HEAD of the working directory)')
    .option('--concurrency <n>', 'jobs at once (default: the number of CPUs)')
    .option('--env-allow <names>', 'comma-separated variables of the worker\'s environment checks see (NAME or PREFIX*; default: PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TERM, TMPDIR, TZ, CI)')
    .option('--insecure', 'run unsigned jobs when no shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE) is set: anyone who can write to the Redis runs commands here')
    .action(async (_options: unknown, command: Command) => {
      const flags = globals<{ redis?: string | true; redisCa?: string; redisCert?: string; redisKey?: string; redisServername?: string; queue: string; commit?: string; concurrency?: string; envAllow?: string; insecure?: boolean; config?: string }>(command);
      const concurrency = flags.concurrency === undefined ? undefined : parseParallel(flags.concurrency);
      const { workerCommand } = await import('./actions/worker.js');
      finish(
        await workerCommand({
          redis: redisFlags(flags),
          queue: flags.queue,
          commit: flags.commit,
          concurrency,
          insecure: flags.insecure === true,
          ...(flags.envAllow === undefined ? {} : { envAllow: splitList([flags.envAllow]) }),
          // --config pins the worker to that config's checks.
          ...(flags.config === undefined ? {} : { config: flags.config }),
          // Only an explicit --log-dir: the default run folder is for `check`'s runs, not every job of a worker.
          ...(flags.logDir === undefined || command.parent?.getOptionValueSource('logDir') === 'default' ? {} : { logDir: flags.logDir }),
        }),
      );
    });

  program
    .command('merge-reports')
    .description('join the JSON reports of `fanout check --shard i/n --json` into one report and exit code')
    .argument('<files...>', 'the shards\' JSON reports')
    .option('-o, --output <file>', 'write the merged report here instead of stdout')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const flags = globals<{ output?: string }>(command);
      const { mergeReportsCommand } = await import('./actions/merge-reports.js');
      finish(mergeReportsCommand(files, { output: flags.output }));
    });

  program
    .command('prompt')
    .description('list the prompts of the config, or print one')
    .argument('[id]', 'prompt id to print')
    .action(async (id: string | undefined, _options: unknown, command: Command) => {
      const { promptCommand } = await import('./actions/prompt.js');
      finish(await promptCommand(id, common(globals(command))));
    });

  return program;
}

/** Runs the CLI; sets process.exitCode (never throws). */
export async function main(args: string[], version: string): Promise<void> {
  // `fanout list | head -1`: the reader went away; say nothing more (141 = 128 + SIGPIPE, as a shell would).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? 141 : EXIT_INTERNAL);
  });
  const program = buildProgram(version);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other parse error is a usage error.
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0;
      process.exitCode = ok ? 0 : EXIT_USAGE;
      return;
    }
    if (error instanceof UsageError) {
      printErr(error.code === 'ERR_CONFIG' ? `${error.message}\n` : `fanout: ${error.message}\n`);
      // Machine readers asked for JSON on stdout: a config error is JSON there too, with each diagnostic's code.
      if (error.diagnostics !== undefined && (args.includes('--json') || args.includes('--stream'))) {
        const body = { schema_version: '1', exit_code: EXIT_USAGE, diagnostics: error.diagnostics };
        printJsonText(args.includes('--stream') ? `${jsonText({ type: 'config:error', time: new Date().toISOString(), ...body })}\n` : `${jsonText(body, 2)}\n`);
      }
      process.exitCode = EXIT_USAGE;
      return;
    }
    const { killChildGroups } = await import('../exec/kill-groups.js');
    killChildGroups('SIGKILL');
    const detail = process.env.FANOUT_DEBUG && error instanceof Error ? (error.stack ?? error.message) : messageOf(error);
    printErr(`fanout: internal error: ${detail}\n`);
    process.exitCode = EXIT_INTERNAL;
  }
}
