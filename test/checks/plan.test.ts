// planChecks: the checks runChecks would execute with the same options, and why — nothing run, nothing written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChecks, UsageError, type RunPlan } from '../../src/checks/index.js';
import { loadConfigText } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { tempDir } from '../cli/helpers.js';

const YAML = `version: "1"
checks:
  - id: build
    run: touch "$T/ran"
  - id: unit
    run: "true"
    requires: [build]
    tags: [test]
  - id: e2e
    run: "true"
    requires: [unit]
    tags: [test, slow]
    async: true
  - id: lint
    run: "true"
    tags: [fast]
`;

function loaded(dir = tempDir()): ResolvedConfig {
  const result = loadConfigText(YAML, join(dir, 'fanout.yaml'));
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.config;
}

const why = (plan: RunPlan) => Object.fromEntries(plan.checks.map((check) => [check.id, check.reasons]));

describe('planChecks', () => {
  it('every check when nothing is selected; ids and tags with what they require, each with its reasons', async () => {
    const dir = tempDir();
    const config = loaded(dir);
    const all = await planChecks({ config, cwd: dir });
    expect(all.total).toBe(4);
    expect(all.changedFiles).toBeNull();
    expect(why(all)).toEqual({ build: [{ kind: 'all' }], unit: [{ kind: 'all' }], e2e: [{ kind: 'all' }], lint: [{ kind: 'all' }] });
    expect(all.checks.find((check) => check.id === 'e2e')).toMatchObject({ async: true, requires: ['unit'] });

    const tagged = await planChecks({ config, cwd: dir, tags: ['test'], excludeTags: ['slow'] });
    expect(why(tagged)).toEqual({ build: [{ kind: 'required', by: ['unit'] }], unit: [{ kind: 'tag', tags: ['test'] }] });
    expect(tagged.notes.map((note) => note.code)).toEqual(['pulled-in']);

    const named = await planChecks({ config, cwd: dir, ids: ['e2e', 'lint'], tags: ['slow', 'fast'] });
    expect(why(named)).toEqual({
      build: [{ kind: 'required', by: ['unit'] }],
      unit: [{ kind: 'required', by: ['e2e'] }],
      e2e: [{ kind: 'id' }, { kind: 'tag', tags: ['slow'] }],
      lint: [{ kind: 'id' }, { kind: 'tag', tags: ['fast'] }],
    });

    const only = await planChecks({ config, cwd: dir, only: ['unit'] });
    expect(only.checks).toEqual([{ id: 'unit', run: 'true', async: false, requires: [], reasons: [{ kind: 'only' }] }]);

    // Nothing ran, no run folder was made.
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(existsSync(join(dir, '.fanout'))).toBe(false);
  });

  it('with a shard, names the checks run only in support of its own', async () => {
    const dir = tempDir();
    const plans = await Promise.all([1, 2].map((index) => planChecks({ config: loaded(dir), cwd: dir, shard: `${index}/2` })));
    for (const plan of plans) {
      for (const check of plan.checks) expect(check.reasons[0]?.kind === 'all' || check.reasons[0]?.kind === 'shard-support').toBe(true);
    }
    // Each check is some shard's own once.
    const own = plans.flatMap((plan) => plan.checks.filter((check) => check.reasons[0]?.kind === 'all').map((check) => check.id));
    expect(own.sort()).toEqual(['build', 'e2e', 'lint', 'unit']);
  });

  it('rejects a bad selection as runChecks does', async () => {
    const dir = tempDir();
    await expect(planChecks({ config: loaded(dir), cwd: dir, ids: ['nope'] })).rejects.toBeInstanceOf(UsageError);
    await expect(planChecks({ config: loaded(dir), cwd: dir, tags: ['nope'] })).rejects.toThrow(/no check has the tag "nope"/);
  });
});
