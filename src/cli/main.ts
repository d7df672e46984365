#!/usr/bin/env node
// The CLI entry point. It stays tiny at start-up: `--version` answers without loading anything else, and every
// command's modules (commander included) are imported only when that command runs.
import pkg from '../../package.json' with { type: 'json' };

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Written as it is, not through print(): the terminal module (and the chunk that holds it) would load with it.
  // eslint-disable-next-line no-restricted-syntax -- package.json's version: no escape sequence to keep off
  process.stdout.write(`${pkg.version}\n`);
} else {
  // A spare supervisor (started by `fanout mcp` with an IPC channel) takes its arguments from that channel only; the
  // variable alone (inherited by a check, say) makes nothing a spare, and no check inherits it.
  const spare = process.env.FANOUT_SPARE;
  delete process.env.FANOUT_SPARE;
  let argv = args;
  if (spare !== undefined && process.send !== undefined && args.length === 0) argv = await (await import('./background/spare-wait.js')).waitForRun(spare);
  // Before the commands' modules are imported: their compiled code is what the cache keeps. Node 22.1 and later only:
  // before, there is no such cache, and asking would load node:module for nothing.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 1)) (await import('./compile-cache.js')).enableCompileCache();
  // `fanout check` as usually written runs without commander (commands/check-fast.ts); the program parses the rest.
  if (!(namesCheck(argv) && (await (await import('./commands/check-fast.js')).mainWithoutCommander(argv, pkg.version)))) {
    const { main } = await import('./program.js');
    await main(argv, pkg.version);
  }
}

/**
 * Whether the first word after the global flags (and the values of those that take one) is `check` or `run`: only
 * then is the check chunk worth loading before commander. A wrong guess costs time, never a different parse.
 */
function namesCheck(argv: readonly string[]): boolean {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith('-')) return arg === 'check' || arg === 'run';
    if (['-c', '--config', '-p', '--parallel', '--log-dir', '--error-exit-code'].includes(arg)) index++;
  }
  return false;
}
