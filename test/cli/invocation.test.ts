// The command fanout's hints name: the one that runs this very fanout from the reader's shell.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfCommand } from '../../src/cli/invocation.js';
import { tempDir } from './helpers.js';

/** A project with fanout installed: `<project>/fanout/dist/cli.js`, linked as `<project>/node_modules/.bin/fanout`. */
function installed(): { project: string; script: string; bin: string } {
  const project = tempDir();
  const script = join(project, 'fanout', 'dist', 'cli.js');
  mkdirSync(join(project, 'fanout', 'dist'), { recursive: true });
  writeFileSync(script, '#!/usr/bin/env node\n');
  chmodSync(script, 0o755);
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  const bin = join(project, 'node_modules', '.bin', 'fanout');
  symlinkSync('../../fanout/dist/cli.js', bin);
  return { project, script, bin };
}

/** A folder holding an executable `fanout` that is another program. */
function otherFanout(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout'), '#!/bin/sh\n');
  chmodSync(join(dir, 'fanout'), 0o755);
  return dir;
}

describe('selfCommand', () => {
  it('the project bin, not on PATH (the documented install): npx --no-install fanout, from any folder of the project', () => {
    const { project, bin } = installed();
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    expect(selfCommand(project, bin, '/usr/bin:/bin')).toBe('npx --no-install fanout');
    expect(selfCommand(join(project, 'src', 'deep'), bin, '')).toBe('npx --no-install fanout');
  });

  it('this fanout first on PATH (an npm script, a global install): fanout', () => {
    const { project, bin } = installed();
    expect(selfCommand(project, bin, `${join(project, 'node_modules', '.bin')}:/usr/bin`)).toBe('fanout');
    expect(selfCommand(tempDir(), join(project, 'fanout', 'dist', 'cli.js'), `:${join(project, 'node_modules', '.bin')}`)).toBe('fanout');
  });

  it('another fanout found first on PATH: npx --no-install fanout in the project (npx runs its bin first), the path of this one elsewhere', () => {
    const { project, script } = installed();
    const path = `${otherFanout()}:${join(project, 'node_modules', '.bin')}`;
    expect(selfCommand(project, script, path)).toBe('npx --no-install fanout');
    expect(selfCommand(tempDir(), script, path)).toBe(script);
    const elsewhere = tempDir();
    mkdirSync(join(elsewhere, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(join(otherFanout(), 'fanout'), join(elsewhere, 'node_modules', '.bin', 'fanout'));
    expect(selfCommand(elsewhere, script, '')).toBe(script);
  });

  it('run from a clone (node dist/cli.js): its path, quoted for a shell when it needs to be', () => {
    const dir = join(tempDir(), "it's here");
    mkdirSync(dir);
    const script = join(dir, 'cli.js');
    writeFileSync(script, '');
    expect(selfCommand(tempDir(), script, '')).toBe(`'${dir.replaceAll("'", `'\\''`)}/cli.js'`);
  });
});
