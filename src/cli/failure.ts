// How a command's failure ends the CLI, with commander or without it (`fanout check` parses its usual command lines
// itself): the words printed and the exit code.
import { messageOf } from '../common/errors.js';
import { EXIT_INTERNAL, EXIT_USAGE, UsageError } from './errors.js';
import { jsonText, printErr, printJsonText, whenStdoutMade } from './terminal.js';

/**
 * Exits quietly when the reader of stdout went away (`fanout list | head -1`): 141 = 128 + SIGPIPE, as a shell would.
 * The handler is added once stdout is made (see whenStdoutMade): a run's first check does not wait for it.
 */
export function exitOnBrokenStdout(): void {
  whenStdoutMade((stdout) =>
    stdout.on('error', (error: NodeJS.ErrnoException) => {
      process.exit(error.code === 'EPIPE' ? 141 : EXIT_INTERNAL);
    }),
  );
}

/**
 * Prints what a command's action threw and sets process.exitCode: a usage error (exit 2; as JSON on stdout too when
 * `args` ask for JSON and it carries diagnostics), else an internal error (exit 70), once every check's process
 * group is killed.
 */
export async function reportFailure(error: unknown, args: readonly string[]): Promise<void> {
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
  const { killChildGroups } = await import('../checks/run-entry.js');
  killChildGroups('SIGKILL');
  const detail = process.env.FANOUT_DEBUG && error instanceof Error ? (error.stack ?? error.message) : messageOf(error);
  printErr(`fanout: internal error: ${detail}\n`);
  process.exitCode = EXIT_INTERNAL;
}
