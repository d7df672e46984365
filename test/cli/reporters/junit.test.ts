// --junit replayed: the XML file written at the end of the run, and a file that cannot be written handed back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJunitReporter } from '../../../src/cli/reporters/junit.js';
import { tempDir } from '../helpers.js';
import { recorded, replay, reportOf } from './replay.js';

describe('createJunitReporter', () => {
  it('writes one testcase per check once the run is over', async () => {
    const file = join(tempDir(), 'junit.xml');
    const errors: unknown[] = [];
    const events = recorded('fail-fast');
    const junit = createJunitReporter(file, { suiteName: 'fanout.fail-fast', onError: (...error) => errors.push(error) });
    for (const event of events) junit.onEvent(event);
    expect(existsSync(file)).toBe(false);
    await junit.end?.(reportOf(events));
    expect(errors).toEqual([]);
    const log = reportOf(events).log_dir;
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="fanout" tests="4" failures="1" errors="1" skipped="1" time="0.599">',
        '  <testsuite name="fanout.fail-fast" tests="4" failures="1" errors="1" skipped="1" time="0.599" timestamp="2026-12-06T06:08:46.518Z">',
        '    <testcase name="warn" classname="fanout.fail-fast" time="0.025">',
        '      <system-out>WARNING',
        'exit code 1',
        `Log: ${log}/warn.log`,
        'a warning</system-out>',
        '    </testcase>',
        '    <testcase name="slow" classname="fanout.fail-fast" time="0.532">',
        '      <error type="cancelled" message="cancelled: stopped by fail-fast after boom failed">stopped by fail-fast after boom failed',
        `Log: ${log}/slow.log</error>`,
        '    </testcase>',
        '    <testcase name="boom" classname="fanout.fail-fast" time="0.540">',
        '      <failure type="failed" message="exit code 3">exit code 3',
        'boom is broken',
        `Log: ${log}/boom.log`,
        'boom failed</failure>',
        '      <system-out>boom failed</system-out>',
        '    </testcase>',
        '    <testcase name="after" classname="fanout.fail-fast" time="0.000">',
        '      <skipped message="skipped: requires boom, which did not pass"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('hands a file it cannot write to onError and throws nothing', async () => {
    const file = join(tempDir(), 'gone', 'junit.xml');
    const errors: Array<[string, unknown]> = [];
    await replay(createJunitReporter(file, { suiteName: 'fanout.passing', onError: (path, error) => errors.push([path, error]) }), recorded('passing'));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[0]).toBe(file);
    expect(errors[0]?.[1]).toMatchObject({ code: 'ENOENT' });
  });
});
