// The Claude Code hook commands of docs/agents.md, run by a real shell as Claude Code runs them: without fanout
// installed they say so and exit 1 (a non-blocking error), never silently; with it they run the project's fanout.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const page = readFileSync(resolve(import.meta.dirname, '../../docs/agents.md'), 'utf8');
const settings = /```json\n(\{\n {2}"hooks"[\s\S]*?)```/.exec(page)?.[1];
const commands = settings === undefined ? [] : (JSON.parse(settings) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> }).hooks;
const all = Object.entries(commands).flatMap(([event, entries]) => entries.flatMap((entry) => entry.hooks.map((hook) => [event, hook.command] as const)));

let project = '';
afterEach(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('the hook commands of docs/agents.md', () => {
  it('are there, for PostToolUse and Stop', () => {
    expect(all.map(([event]) => event).sort()).toEqual(['PostToolUse', 'Stop']);
  });

  it.each(all)('%s: without fanout installed, says so on stderr and exits 1', (_event, command) => {
    project = mkdtempSync(join(tmpdir(), 'fanout-hook-'));
    const run = spawnSync('sh', ['-c', command], { env: { PATH: process.env.PATH, CLAUDE_PROJECT_DIR: project }, input: '{}', encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`fanout is not installed in ${project}`);
  });

  it.each(all)('%s: runs the project\'s fanout with the hook arguments', (_event, command) => {
    project = mkdtempSync(join(tmpdir(), 'fanout-hook-'));
    mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
    const bin = join(project, 'node_modules/.bin/fanout');
    writeFileSync(bin, '#!/bin/sh\necho "args: $*"\nexit 2\n');
    chmodSync(bin, 0o755);
    const run = spawnSync('sh', ['-c', command], { env: { PATH: process.env.PATH, CLAUDE_PROJECT_DIR: project }, input: '{}', encoding: 'utf8' });
    expect(run.status).toBe(2); // the hook's own answer (2 blocks) passes through
    expect(run.stdout).toMatch(/^args: hook claude --budget \d+s\n$/);
  });
});
