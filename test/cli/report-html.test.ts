// `fanout report --html`: the page's content, and the page rendered by a real headless Chromium (Debian's chromium
// package) with a screenshot. Without /usr/bin/chromium the browser tests are skipped, saying so.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { criticalChain } from '../../src/cli/reporters/html/timeline.js';
import type { ReportCheck } from '../../src/checks/report.js';
import { runCli, startCli, tempDir, waitForFiles } from './helpers.js';
import { countColour, readPng } from './png.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stderr.write(`report-html.test: ${CHROMIUM} is absent (Debian package "chromium"): the headless browser tests are skipped\n`);

const CONFIG = `version: "1"
checks:
  - id: build
    run: sleep 0.3
  - id: lint
    run: sleep 0.05
  - id: unit-tests
    run: sleep 0.3
    requires: [build]
  - id: coverage
    run: echo "coverage 61%"; exit 1
    severity: warning
    requires: [unit-tests]
  - id: docs
    run: echo "broken link"; exit 1
    requires: [lint]
  - id: publish
    run: "true"
    requires: [docs]
`;
const IDS = ['build', 'lint', 'unit-tests', 'coverage', 'docs', 'publish'];

/** A project run three times, and its HTML report. */
async function reported(): Promise<{ dir: string; html: string; text: string }> {
  const dir = tempDir();
  writeFileSync(join(dir, 'fanout.yaml'), CONFIG);
  for (let i = 0; i < 3; i++) expect((await runCli(['check'], { cwd: dir })).code).toBe(1);
  const html = join(dir, 'run.html');
  const result = await runCli(['report', '--html', html], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/wrote .*run\.html \(run \S+, 6 checks, 3 runs of history\)/);
  return { dir, html, text: readFileSync(html, 'utf8') };
}

describe('report --html', () => {
  it('writes one self-contained page: every check on the timeline and in the history, the critical path, no external resource', async () => {
    const { text } = await reported();
    for (const id of IDS) {
      expect(text).toContain(`<g class="bar${id === 'build' || id === 'unit-tests' || id === 'coverage' ? ' critical' : ''}" data-check="${id}"`);
      expect(text).toContain(`<tr data-check="${id}">`);
    }
    expect(text).toMatch(/Critical path<\/strong>[^<]*: build → unit-tests → coverage</);
    expect(text).toContain('data-status="failed"');
    expect(text).toContain('data-status="warned"');
    expect(text).toContain('data-status="skipped"');
    expect(text).toContain('Durations over the last 3 runs');
    expect(text).toContain("default-src 'none'");
    expect(text).not.toMatch(/\b(?:src|href)=|url\(|@import|https?:\/\//i);
  });

  it('names the run and fails clearly without runs', async () => {
    const dir = tempDir();
    const none = await runCli(['report', '--html', join(dir, 'x.html')], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^fanout: no run in /);
    const missing = await runCli(['report'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--html <file>'/);
  });

  it.skipIf(!hasChromium)('renders in headless Chromium: every check is in the DOM and a screenshot shows the coloured bars', async () => {
    const { dir, html } = await reported();
    const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--hide-scrollbars'];
    const run = promisify(execFile);
    const dom = await run(CHROMIUM, [...common, `--user-data-dir=${join(dir, 'profile-dom')}`, '--dump-dom', `file://${html}`], { timeout: 60_000, maxBuffer: 16 << 20 });
    for (const id of IDS) expect(dom.stdout).toContain(`data-check="${id}"`);
    expect(dom.stdout).toContain('build → unit-tests → coverage');
    const png = join(dir, 'shot.png');
    await run(CHROMIUM, [...common, `--user-data-dir=${join(dir, 'profile-shot')}`, `--screenshot=${png}`, '--window-size=1200,800', `file://${html}`], { timeout: 60_000 });
    const image = readPng(readFileSync(png));
    expect([image.width, image.height]).toEqual([1200, 800]);
    // The bars are painted in their status colours: passed (green), failed (red), warned (amber).
    expect(countColour(image, '#2e9e4f')).toBeGreaterThan(200);
    expect(countColour(image, '#d1382f')).toBeGreaterThan(20);
    expect(countColour(image, '#d99a00')).toBeGreaterThan(20);
  }, 120_000);
});

describe('report --html of a run still going', () => {
  it('says how long it has run, draws the running check up to now, and names no critical path yet', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'fanout.yaml'),
      `version: "1"
checks:
  - id: quick
    run: "true"
  - id: gated
    run: touch started; while [ ! -f go ]; do sleep 0.02; done
    requires: [quick]
`,
    );
    const run = startCli(['check'], { cwd: dir });
    try {
      await waitForFiles([join(dir, 'started')]);
      const html = join(dir, 'running.html');
      const result = await runCli(['report', '--html', html], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      const text = readFileSync(html, 'utf8');
      expect(text).toMatch(/<div class="meta">[^<]* · running, [0-9.]+m?s so far · /);
      expect(text).not.toContain('exit -1');
      expect(text).toMatch(/<g class="bar running" data-check="gated" data-status="running"><title>gated: running, [0-9.]+m?s so far/);
      expect(text).toContain('shorten these to finish sooner): known once the run has ended</p>');
      expect(text).not.toContain('class="bar critical');
      if (hasChromium) {
        const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
        const dom = await promisify(execFile)(CHROMIUM, [...common, `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${html}`], { timeout: 60_000, maxBuffer: 16 << 20 });
        expect(dom.stdout).toMatch(/running, [0-9.]+m?s so far/);
        expect(dom.stdout).toContain('data-check="gated"');
      }
    } finally {
      writeFileSync(join(dir, 'go'), '');
      await run.done;
    }
    // Ended: the makespan, the exit code and the critical path.
    const ended = join(dir, 'ended.html');
    expect((await runCli(['report', '--html', ended], { cwd: dir })).code).toBe(0);
    const text = readFileSync(ended, 'utf8');
    expect(text).toMatch(/ · makespan [0-9.]+m?s · exit 0 · /);
    expect(text).toMatch(/shorten these to finish sooner\): quick → gated<\/p>/);
  }, 120_000);
});

describe('criticalChain', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
  const check = (id: string, start: number, end: number, requires: string[] = []) => ({ id, requires, started_at: at(start), ended_at: at(end) }) as ReportCheck;

  it('walks back from the last check to end through the requirement it waited for', () => {
    expect(criticalChain([check('a', 0, 1), check('b', 0, 3), check('c', 3, 4, ['a', 'b']), check('d', 0, 2)])).toEqual(['b', 'c']);
    expect(criticalChain([check('x', 0, 5), check('y', 0, 1)])).toEqual(['x']);
    expect(criticalChain([])).toEqual([]);
  });
});
