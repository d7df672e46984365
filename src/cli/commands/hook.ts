// `fanout hook <agent>`: answer an agent's hook event in its hook protocol.
import { Argument } from '@commander-js/extra-typings';
import { finish, ProtocolUsageError, versionOf, withRedisTls, type Program } from './global.js';

/** Registers `fanout hook`. */
export function register(program: Program): void {
  const hook = program
    .command('hook')
    .description('run as an agent hook: read the hook event JSON on stdin, run the checks it concerns, answer in the hook protocol')
    // One protocol so far: the argument is checked, not read.
    .addArgument(new Argument('<agent>', 'the agent whose hook protocol to speak').choices(['claude'] as const))
    .option('--budget <duration>', 'after this long, checks still running are reported pending instead of blocking')
    .option('--shared-cache', 'as for check: also read and store passed checks in the Redis of FANOUT_REDIS_URL (or FANOUT_REDIS_URL_FILE), signed with the shared secret (FANOUT_SECRET, FANOUT_SECRET_FILE); env FANOUT_SHARED_CACHE=1');
  withRedisTls(hook)
    // A mistake in the hook's command line is the hook protocol's non-blocking error (1), as a bad --budget is.
    .exitOverride((error) => {
      throw error.exitCode === 0 ? error : new ProtocolUsageError(1, error.code, error.message);
    })
    .action(async (_agent, _options, command) => {
      const flags = command.optsWithGlobals();
      const { claudeHook } = await import('../actions/hook.js');
      finish(
        await claudeHook({
          config: flags.config,
          strict: flags.strict,
          logDir: flags.logDir,
          parallel: flags.parallel,
          budget: flags.budget,
          sharedCache: { on: flags.sharedCache, ca: flags.redisCa, cert: flags.redisCert, key: flags.redisKey, servername: flags.redisServername },
          version: versionOf(program),
        }),
      );
    });
}
