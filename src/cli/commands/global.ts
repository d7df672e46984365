// The program and the flags every command reads (`fanout -c FILE check`, `fanout check -c FILE`). The commands'
// modules type their options from it, so this module stays apart from program.ts, which imports them.
import { Command, CommanderError } from '@commander-js/extra-typings';

export { commonOptions, finish, redisTarget } from './flags.js';

/** The `fanout` program with its global flags; `version` is the package version. */
export function createProgram(version: string) {
  return new Command('fanout')
    .description('Run the checks of a config as a dependency graph, in parallel, and report exactly what failed and what to do.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: the first of fanout.yaml, fanout.yml, .fanout.yaml, .fanout.yml, vibeguard.yaml, … in the working directory; fanout.* also in the folders above it up to the repository root)')
    .option('-v, --verbose', 'one line per check (✓ id passed (1.2s)); details in list')
    .option('--json', 'one JSON document on stdout (diagnostics stay on stderr)')
    .option('--no-color', 'never colour the output (NO_COLOR works too)')
    // -p, --error-exit-code: parsed by the commands that use them (`fanout list -p x` is no error).
    .option('-p, --parallel <n>', 'checks run at once (0 or less: the default: the CPUs fanout may use (cgroup quota included); 4 for a vibeguard.* file; 64 with --redis)')
    .option('--fail-fast', 'stop at the first error-severity failure: kill the running checks, start nothing more')
    .option('--log-dir <dir>', 'folder of run logs: <log-dir>/<run-id>/<check>.log, <log-dir>/latest (default: .fanout/runs in the config\'s folder, the one project-wide, wherever fanout starts; no config: in the current folder)')
    .option('--error-exit-code <n>', 'exit code when an error-severity check fails or any check times out', '1')
    .option('--strict', 'treat unknown keys in vibeguard.* configs as errors');
}

/**
 * A mistake on the command line of a command whose protocol gives usage errors an exit code of its own, which the
 * CLI exits with instead of the usual 2: `fanout hook` exits 1 (a non-blocking error), as 2 would block the
 * agent (and loop its Stop hook) over a typo in its settings.
 */
export class ProtocolUsageError extends CommanderError {}

/** The program every command registers on. */
export type Program = ReturnType<typeof createProgram>;

/** The global flags as commander gives them. */
export type GlobalFlags = ReturnType<Program['opts']>;

/** The package version the program was built with. */
export function versionOf(program: Program): string {
  return program.version() ?? '';
}

/** Adds the TLS flags of a rediss:// connection (`check --redis`, `worker`). */
export function withRedisTls<A extends unknown[], O extends Record<string, unknown>, G extends Record<string, unknown>>(command: Command<A, O, G>) {
  return command
    .option('--redis-ca <file>', 'with a rediss:// URL: PEM certificates of the authorities that sign the server\'s certificate (default: the system\'s; env FANOUT_REDIS_CA)')
    .option('--redis-cert <file>', 'with a rediss:// URL: PEM client certificate, for a server that requires one (with --redis-key; env FANOUT_REDIS_CERT)')
    .option('--redis-key <file>', 'with a rediss:// URL: PEM private key of --redis-cert, a file of mode 0600 (env FANOUT_REDIS_KEY)')
    .option('--redis-servername <name>', 'with a rediss:// URL: the name the server\'s certificate must carry, when not the URL\'s host (env FANOUT_REDIS_SERVERNAME)');
}
