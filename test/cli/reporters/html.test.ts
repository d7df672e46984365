// The HTML reporter replaying recorded runs: the page of the final report, and the page of a run that has not ended
// (a journal read back), a check that started and has not ended shown as running.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/checks/events.js';
import { renderReportPage } from '../../../src/cli/reporters/html/page.js';
import { createHtmlReporter, historyOf } from '../../../src/cli/reporters/html/reporter.js';
import { recorded, replay, reportOf } from './replay.js';

describe('createHtmlReporter', () => {
  it('writes the page of the report at end(), with the run as its own history by default', async () => {
    const events = recorded('statuses');
    const report = reportOf(events);
    const pages: string[] = [];
    const html = createHtmlReporter({ write: (page) => pages.push(page) });
    expect(html.page()).toBeUndefined();
    await replay(html, events);
    const ids = report.checks.map((check) => check.id);
    expect(pages).toEqual([renderReportPage(report, historyOf([report], [report.run_id], ids))]);
    expect(html.page()).toBe(pages[0]);
    expect(pages[0]).toContain('<h2>Durations over the last 1 run</h2>');
    for (const check of report.checks) expect(pages[0]).toContain(`<tr data-check="${check.id}">`);
  });

  it('uses the history it is given', async () => {
    const events = recorded('passing');
    const report = reportOf(events);
    const history = { runIds: ['a', 'b', report.run_id], durations: new Map([['build', [10, null, 59]]]) };
    const pages: string[] = [];
    await replay(createHtmlReporter({ write: (page) => pages.push(page), history }), events);
    expect(pages).toEqual([renderReportPage(report, history)]);
  });

  it('renders a run that has not ended from its events: how long it has run, bars of running checks up to now, no critical path yet', () => {
    const events = recorded('early');
    const startedAt = events[0]?.time ?? '';
    // The page is drawn 2.5 s into the run: lint ended (failed), types and e2e still run.
    const html = createHtmlReporter({ write: () => expect.fail('end() was not called'), configFile: 'early.yaml', logDir: '.fanout/run', now: () => Date.parse(startedAt) + 2500 });
    // run:start, lint, types and e2e start, lint ends; e2e's shell started.
    for (const event of events.slice(0, 5)) html.onEvent(event);
    const spawn: RunEvent = { type: 'check:spawn', id: 'e2e', attempt: 1, pgid: 4242, pgid_start: null, log_file: '.fanout/run/e2e.log', time: events[4]?.time ?? '' };
    html.onEvent(spawn);
    const page = html.page() ?? '';
    expect(page).toContain(`<h1>fanout run ${reportOf(events).run_id}</h1>`);
    expect(page).toContain(`<div class="meta">early.yaml · started ${startedAt} · running, 2.5s so far · `);
    expect(page).not.toContain('· makespan');
    expect(page).not.toContain('exit -1');
    expect(page).toMatch(/<tr data-check="lint"><td>lint<\/td><td><span class="dot" style="background:#d1382f"><\/span>failed</);
    for (const id of ['types', 'e2e']) {
      // Started, not ended: running (its report status is pending), a bar up to the page's moment, the axis's end.
      expect(page).toMatch(new RegExp(`<tr data-check="${id}"><td>${id}</td><td><span class="dot" style="background:#0ea5e9"></span>running<`));
      expect(page).toMatch(new RegExp(`<g class="bar running" data-check="${id}" data-status="running"><title>${id}: running, [0-9.]+s so far \\(from `));
    }
    expect(page).toContain('>2 running</span>');
    expect(page).not.toContain(' pending</span>');
    // The axis ends at 2.5 s: the running bars reach its right edge (x = 180 + 760).
    const right = /data-check="types"[^>]*><title>[^<]*<\/title><rect x="([\d.]+)" y="\d+" width="([\d.]+)"/.exec(page);
    expect(right, page).not.toBeNull();
    expect(Number(right?.[1]) + Number(right?.[2])).toBeCloseTo(940, 0);
    expect(page).toContain('shorten these to finish sooner): known once the run has ended</p>');
    expect(page).not.toContain('class="bar critical');
  });
});
