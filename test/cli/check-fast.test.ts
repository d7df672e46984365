// `fanout check` read without commander: every command line it reads, it reads as commander does; the rest it leaves.
import { describe, expect, it } from 'vitest';
import { parseCheckArgs } from '../../src/cli/commands/check-fast.js';
import { buildProgram } from '../../src/cli/program.js';

/** The ids and flags commander gives the check action for `args`, or the code of the error it stops with. */
async function commanderParse(args: readonly string[]): Promise<{ ids: string[]; flags: Record<string, unknown> } | { error: string }> {
  const program = buildProgram('0.0.0', args).configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  let parsed: { ids: string[]; flags: Record<string, unknown> } | undefined;
  for (const command of program.commands) {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    command.action(function (this: { optsWithGlobals(): Record<string, unknown> }, ...operands: unknown[]) {
      // The check command's one argument is its variadic ids; the command itself comes last.
      parsed = { ids: operands[0] as string[], flags: this.optsWithGlobals() };
    });
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
  return parsed ?? { error: 'no action' };
}

const READ: readonly (readonly string[])[] = [
  ['check'],
  ['run'],
  ['check', 'lint', 'test'],
  ['check', 'check'],
  ['run', 'run', ''],
  ['check', '-c', 'one.yaml', '--log-dir', 'logs'],
  ['-c', 'one.yaml', '--log-dir', 'logs', 'check'],
  ['-c', 'check', 'run', 'a'],
  ['--config=x.yaml', '--log-dir=', 'check', '--json'],
  ['check', 'a', '-v', 'b', '--verbose', '--no-color', '--strict', '--fail-fast'],
  ['-p', '3', 'check', '--parallel', '5', '--error-exit-code', '7'],
  ['check', '--only', 'a,b', '--only', 'c', '--tags=x', '--tags', 'y z', '--exclude-tags', 'slow'],
  ['check', '--timeout', '30s', '--max-time=2m', '--keep-runs', '3'],
  ['check', '--stream', '--junit', 'out.xml', '--no-cache', '--no-config-cache', '--dry-run'],
  ['check', '--json', '--stream'],
  ['check', '-c', 'a.yaml', '-c', 'b.yaml'],
];

const LEFT: readonly (readonly string[])[] = [
  [],
  ['list'],
  ['status', 'check'],
  ['check', '--help'],
  ['check', '-h'],
  ['--help', 'check'],
  ['check', '--', 'a'],
  ['check', '--frobnicate'],
  ['check', '-c'],
  ['check', '-c', '--json'],
  ['check', '-p', '-1'],
  ['check', '--json=1'],
  ['check', '--no-color=0'],
  ['-vc', 'x.yaml', 'check'],
  ['-cx.yaml', 'check'],
  ['--only', 'a', 'check'],
  ['--json', '--timeout', '5s', 'check'],
  ['check', '--timeout', 'soon'],
  ['check', '--keep-runs', '0'],
  ['check', '--redis'],
  ['check', '--schedule', 'levels'],
  ['check', '--resume'],
  ['check', '--changed', 'main'],
  ['chek'],
];

describe('parseCheckArgs', () => {
  it.each(READ.map((args) => [args.join(' ')] as const).map(([text], index) => [text, READ[index]!] as const))('reads `%s` as commander does', async (_text, args) => {
    const ours = parseCheckArgs(args);
    expect(ours).toBeDefined();
    expect(ours).toStrictEqual(await commanderParse(args));
  });

  it('leaves every other command line to commander, whose parse it would not match or whose error it would not word', () => {
    for (const args of LEFT) expect(parseCheckArgs(args), args.join(' ')).toBeUndefined();
  });

  it('leaves what commander rejects before the command name to commander', async () => {
    for (const args of [['--only', 'a', 'check'], ['--json', '--timeout', '5s', 'check'], ['check', '--timeout', 'soon'], ['check', '--keep-runs', '0']]) {
      expect(await commanderParse(args), args.join(' ')).toHaveProperty('error');
    }
  });
});
