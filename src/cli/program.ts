// The commander program: its help text, its commands (each registers its own flags in commands/), and the mapping
// of every error to an exit code. Each action imports its implementation lazily, so `fanout --help` never loads the
// engine.
import { CommanderError } from '@commander-js/extra-typings';
import { EXIT_USAGE } from './errors.js';
import { exitOnBrokenStdout, reportFailure } from './failure.js';
import { print, printErr } from './terminal.js';
import { createProgram, ProtocolUsageError, type Program } from './commands/global.js';
import * as check from './commands/check.js';
import * as status from './commands/status.js';
import * as wait from './commands/wait.js';
import * as logs from './commands/logs.js';
import * as cancel from './commands/cancel.js';
import * as report from './commands/report.js';
import * as hook from './commands/hook.js';
import * as list from './commands/list.js';
import * as tags from './commands/tags.js';
import * as validate from './commands/validate.js';
import * as graph from './commands/graph.js';
import * as init from './commands/init.js';
import * as worker from './commands/worker.js';
import * as mergeReports from './commands/merge-reports.js';
import * as prompt from './commands/prompt.js';
import * as cache from './commands/cache.js';
import * as watch from './commands/watch.js';
import * as mcp from './commands/mcp.js';

/** The commands, in the order `fanout --help` lists them, with the names (and aliases) that invoke each. */
const COMMANDS: readonly { names: readonly string[]; register(program: Program): void }[] = [
  { names: ['check', 'run'], register: check.register },
  { names: ['watch'], register: watch.register },
  { names: ['status'], register: status.register },
  { names: ['wait'], register: wait.register },
  { names: ['logs'], register: logs.register },
  { names: ['cancel'], register: cancel.register },
  { names: ['report'], register: report.register },
  { names: ['hook'], register: hook.register },
  { names: ['list'], register: list.register },
  { names: ['tags'], register: tags.register },
  { names: ['validate'], register: validate.register },
  { names: ['graph'], register: graph.register },
  { names: ['init'], register: init.register },
  { names: ['worker'], register: worker.register },
  { names: ['merge-reports'], register: mergeReports.register },
  { names: ['prompt'], register: prompt.register },
  { names: ['cache'], register: cache.register },
  { names: ['mcp'], register: mcp.register },
];

/**
 * The command `args` invoke, when it can be told without parsing them: the first word after the global flags (and
 * the values of those that take one), if it names a command. Undefined for anything else — help, an unknown command
 * or flag, `--`, a flag whose value is optional, or short flags written together — which the whole program then parses.
 */
export function invokedCommand(program: Program, args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (!arg.startsWith('-') || arg === '-') return COMMANDS.some((command) => command.names.includes(arg)) ? arg : undefined;
    const flag = arg.startsWith('--') && arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    const option = program.options.find((candidate) => candidate.short === flag || candidate.long === flag);
    if (option === undefined || option.optional) return undefined;
    if (option.required && flag === arg) index++;
  }
  return undefined;
}

/**
 * Builds the program; `version` is the package version. `args`: the command line about to be parsed — when it invokes
 * a command by name, only that command is registered (the program parses it the same way, and `fanout` starts
 * without building the other commands' flags and help).
 */
export function buildProgram(version: string, args?: readonly string[]): Program {
  const program = createProgram(version)
    // Its errors quote what was typed (`unknown command '…'`): through print() like every other text. A parse error
    // is held until main knows whose words to print it in (VibeGuard's in a folder whose config is vibeguard.*).
    .configureOutput({ writeOut: (text) => print(text), writeErr: (text) => printErr(text), outputError: (text) => void (heldError += text) })
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
  const invoked = args === undefined ? undefined : invokedCommand(program, args);
  for (const command of COMMANDS) if (invoked === undefined || command.names.includes(invoked)) command.register(program);
  return program;
}

/** The parse error commander reported, printed by main (see {@link vibeguardParseError}). */
let heldError = '';

/**
 * Whether the config in play is VibeGuard's: `-c/--config` names a `vibeguard.*` file, or the first config file of
 * the working directory is one. Read only on the paths that need it (a bare invocation, a parse error): the config
 * module stays unloaded for `--help`.
 */
async function vibeguardInPlay(args: readonly string[]): Promise<boolean> {
  const { CONFIG_FILE_NAMES, isVibeguardFileName } = await import('../config/index.js');
  const flag = args.findIndex((arg) => arg === '-c' || arg === '--config' || arg.startsWith('--config='));
  const given = flag < 0 ? undefined : args[flag]!.startsWith('--config=') ? args[flag]!.slice('--config='.length) : args[flag + 1];
  if (given !== undefined) return isVibeguardFileName(given);
  const { existsSync } = await import('node:fs');
  const found = CONFIG_FILE_NAMES.find((name) => existsSync(name));
  return found !== undefined && isVibeguardFileName(found);
}

/** A parse error as VibeGuard's command line (cobra) words it, for {@link main} to print with exit 1. */
function vibeguardParseError(error: CommanderError): string {
  const command = /unknown command '([^']*)'/.exec(error.message);
  if (command) return `Error: unknown command ${JSON.stringify(command[1])} for "fanout"\nRun 'fanout --help' for usage.\n`;
  const option = /unknown option '([^']*)'/.exec(error.message);
  if (option) {
    const flag = option[1] ?? '';
    return flag.startsWith('--') ? `Error: unknown flag: ${flag}\n` : `Error: unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}\n`;
  }
  return `Error: ${error.message.replace(/^error: /, '')}\n`;
}

/** Runs the CLI; sets process.exitCode (never throws). */
export async function main(args: string[], version: string): Promise<void> {
  exitOnBrokenStdout();
  const program = buildProgram(version, args);
  // VibeGuard prints its help for a bare invocation, on stdout, and exits 0.
  if (args.length === 0 && (await vibeguardInPlay(args))) {
    print(program.helpInformation());
    return;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other parse error is a usage error (exit 2, but in a protocol of its own).
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0;
      if (!ok && heldError !== '' && (await vibeguardInPlay(args))) {
        // VibeGuard's words and exit code (1) for a mistyped command line.
        printErr(vibeguardParseError(error));
        process.exitCode = 1;
        return;
      }
      if (heldError !== '') printErr(`${heldError}(run with --help for usage)\n`);
      process.exitCode = ok ? 0 : error instanceof ProtocolUsageError ? error.exitCode : EXIT_USAGE;
      return;
    }
    await reportFailure(error, args);
  }
}
