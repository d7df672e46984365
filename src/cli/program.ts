// The commander program: its help text, its commands (each registers its own flags in commands/), and the mapping
// of every error to an exit code. Each action imports its implementation lazily, so `fanout --help` never loads the
// engine.
import { CommanderError } from '@commander-js/extra-typings';
import { messageOf } from '../common/errors.js';
import { EXIT_INTERNAL, EXIT_USAGE, ProtocolUsageError, UsageError } from './errors.js';
import { jsonText, print, printErr, printJsonText } from './terminal.js';
import { createProgram, type Program } from './commands/global.js';
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

/** The commands, in the order `fanout --help` lists them. */
const COMMANDS: readonly { register(program: Program): void }[] = [check, watch, status, wait, logs, cancel, report, hook, list, tags, validate, graph, init, worker, mergeReports, prompt, cache, mcp];

/** Builds the program; `version` is the package version. */
export function buildProgram(version: string): Program {
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
  for (const command of COMMANDS) command.register(program);
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
  // `fanout list | head -1`: the reader went away; say nothing more (141 = 128 + SIGPIPE, as a shell would).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? 141 : EXIT_INTERNAL);
  });
  const program = buildProgram(version);
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
    const { killChildGroups } = await import('../checks/index.js');
    killChildGroups('SIGKILL');
    const detail = process.env.FANOUT_DEBUG && error instanceof Error ? (error.stack ?? error.message) : messageOf(error);
    printErr(`fanout: internal error: ${detail}\n`);
    process.exitCode = EXIT_INTERNAL;
  }
}
