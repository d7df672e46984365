// What the commands make of the global flags, apart from commander: `fanout check` parses its usual command lines
// without it (see check-fast.ts) and reads them through these too.
import type { CommonOptions } from '../options.js';
import type { RedisTargetOptions } from '../redis-target.js';

/** The global flags every command reads, as commander gives them. */
export interface CommonFlags {
  config?: string | undefined;
  verbose?: true | undefined;
  json?: true | undefined;
  color: boolean;
  strict?: true | undefined;
}

/** The options of every command that reads a config. */
export function commonOptions(flags: CommonFlags): CommonOptions {
  return { config: flags.config, verbose: flags.verbose === true, json: flags.json === true, color: flags.color, strict: flags.strict };
}

/** The exit code of a command's action. */
export function finish(code: number): void {
  process.exitCode = code;
}

/** The Redis flags of `check` and `worker`, as given on the command line (a URL there may not hold a password). */
export function redisTarget(flags: { redis?: string | true | undefined; redisCa?: string | undefined; redisCert?: string | undefined; redisKey?: string | undefined; redisServername?: string | undefined }): RedisTargetOptions {
  return { redis: flags.redis, fromCommandLine: true, ca: flags.redisCa, cert: flags.redisCert, key: flags.redisKey, servername: flags.redisServername };
}
