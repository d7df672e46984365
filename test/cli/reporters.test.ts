// --stream (NDJSON events) and --junit (JUnit XML), parsed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, reportErrors, runCli, tempDir } from './helpers.js';

interface StreamEvent {
  type: string;
  id?: string;
  time: string;
  status?: string;
  attempt?: number;
  exit_code?: number;
  check?: { id: string; status: string };
  report?: { checks: Array<{ id: string; status: string }> };
}

describe('--stream', () => {
  it('writes one JSON event per line, in causal order, ending with the report', async () => {
    const T = tempDir();
    const { code, stdout } = await runCli(['check', '-c', 'examples/fanout.yaml', '--stream', '--log-dir', join(T, 'logs')]);
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    const events = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as StreamEvent);
    expect(events[0]?.type).toBe('run:start');
    const last = events.at(-1);
    expect(last?.type).toBe('run:end');
    expect(last?.exit_code).toBe(0);
    expect(reportErrors(last?.report)).toBeNull();
    const ids = ['node-version', 'shell', 'build', 'unit-tests', 'todo-budget', 'package'];
    for (const id of ids) {
      const start = events.findIndex((e) => e.type === 'check:start' && e.id === id);
      const end = events.findIndex((e) => e.type === 'check:end' && e.id === id);
      expect(start).toBeGreaterThan(0);
      expect(end).toBeGreaterThan(start);
      expect(events[end]?.check?.id).toBe(id);
    }
    const endOf = (id: string) => events.findIndex((e) => e.type === 'check:end' && e.id === id);
    const startOf = (id: string) => events.findIndex((e) => e.type === 'check:start' && e.id === id);
    expect(startOf('build')).toBeGreaterThan(endOf('node-version'));
    expect(startOf('package')).toBeGreaterThan(endOf('todo-budget'));
    expect(events[endOf('todo-budget')]?.status).toBe('warned');
    for (const event of events) expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  });

  it('reports retries and skipped checks', async () => {
    const T = tempDir();
    const retries = await runCli(['check', '-c', fixture('retries.yaml'), '--stream', '--log-dir', join(T, 'logs')], { env: { T } });
    const events = retries.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as StreamEvent);
    expect(events.filter((e) => e.type === 'check:retry').map((e) => [e.id, e.attempt])).toEqual(expect.arrayContaining([['flaky', 2], ['always-fails', 2]]));
    const statuses = await runCli(['check', '-c', fixture('statuses.yaml'), '--stream', '--log-dir', join(T, 'logs2')], { env: { T } });
    const skipped = statuses.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as StreamEvent).filter((e) => e.type === 'check:end' && e.status === 'skipped');
    expect(skipped.map((e) => e.id)).toEqual(['blocked']);
    expect(statuses.code).toBe(1);
  });
});

const hasPython = spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { encoding: 'utf8' }).status === 0;

/** Parses the XML with a real parser (Python's ElementTree) and returns the testcases. */
function parseJUnit(file: string): { suites: Record<string, string>; cases: Array<{ name: string; time: string; children: Array<[string, Record<string, string>, string]> }> } {
  const script = `
import json, sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
suite = root.find('testsuite')
print(json.dumps({'suites': dict(root.attrib), 'cases': [
  {'name': c.get('name'), 'time': c.get('time'), 'children': [[x.tag, dict(x.attrib), x.text or ''] for x in c]}
  for c in suite.iter('testcase')]}))`;
  const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`JUnit XML does not parse: ${run.stderr}`);
  return JSON.parse(run.stdout) as ReturnType<typeof parseJUnit>;
}

describe('--junit', () => {
  it.skipIf(!hasPython)('writes JUnit XML that a real XML parser reads: failures, skips, warnings as passing cases', async () => {
    const T = tempDir();
    const file = join(T, 'junit.xml');
    const { code } = await runCli(['check', '-c', fixture('statuses.yaml'), '--junit', file, '--log-dir', join(T, 'logs')], { env: { T } });
    expect(code).toBe(1);
    const junit = parseJUnit(file);
    expect(junit.suites).toMatchObject({ name: 'fanout', tests: '6', failures: '1', skipped: '1', errors: '0' });
    const cases = Object.fromEntries(junit.cases.map((c) => [c.name, c.children]));
    expect(Object.keys(cases)).toEqual(['covered', 'low-coverage', 'after-warning', 'broken', 'blocked', 'missing-value']);
    const failure = cases.broken?.find(([tag]) => tag === 'failure');
    expect(failure?.[1]).toEqual({ type: 'failed', message: 'exit code 4' });
    expect(failure?.[2]).toContain('line 30');
    expect(cases.blocked?.[0]?.[0]).toBe('skipped');
    expect(cases['low-coverage']?.map(([tag]) => tag)).toEqual(['system-out']);
    expect(cases['low-coverage']?.[0]?.[2]).toMatch(/^WARNING\n/);
  });

  it('escapes what XML cannot hold raw', async () => {
    const T = tempDir();
    const file = join(T, 'junit.xml');
    await runCli(['check', '-c', fixture('xml.yaml'), '--junit', file, '--log-dir', join(T, 'logs')], { env: { T } });
    const xml = readFileSync(file, 'utf8');
    expect(xml).toContain('&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;');
    expect(xml).not.toContain('\x01');
    if (hasPython) expect(parseJUnit(file).cases[0]?.children[0]?.[2]).toContain(`<b> & "q" 'a'`);
  });
});
