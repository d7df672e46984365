// The docs' benchmark figures come from the bench suites, rendered by bench/run.js into docs/benchmarks.md, never
// copied by hand: a table of measured figures anywhere else in the docs fails here, as does a sentence of the user
// docs that reports a measurement with a figure (see `proseFigures`), a table of docs/benchmarks.md outside a
// generated section, or a link to a section the page does not have.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED, parseSections, renderPage, renderSection, slug } from '../../bench/lib/docs.js';
import { renderTable, stat } from '../../bench/lib/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const read = (page: string): string => readFileSync(join(root, page), 'utf8');

/** A measured figure: a number with a unit of time, rate or ratio (`12 ms`, `1.2 s`, `0.9 M/s`, `717 jobs/s`, `1.85×`). */
const FIGURE = /\d(?:[\d,]*\.?\d*)?\s?(?:ms|µs|ns|s|x|×|M\/s|M [a-z]+\/s|[a-z]+\/s)(?![\p{L}\d])/iu;

/** Markdown tables of `text`: their first line number and their body cells, code spans removed. */
function tables(text: string): Array<{ line: number; cells: string[] }> {
  const found: Array<{ line: number; cells: string[] }> = [];
  let current: { line: number; cells: string[] } | undefined;
  let fence = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fence = !fence;
    if (fence || !line.startsWith('|')) {
      current = undefined;
      return;
    }
    if (current === undefined) {
      current = { line: i + 1, cells: [] };
      found.push(current);
      return; // the header row
    }
    if (/^\|[\s|:-]+\|$/.test(line)) return; // the delimiter row
    current.cells.push(...line.replace(/`[^`]*`/g, '').split('|').slice(1, -1));
  });
  return found;
}

/** A header cell naming a unit of measure: its column holds figures even where the cells are bare numbers. */
const UNIT_HEADER = /\b(?:ms|µs|MB|MiB|GB|M\/s|[a-z]+\/s|CPU|RSS|speed-up|median)\b|×/i;

/**
 * Tables with at least two cells of measured figures: cells with a unit, or bare numbers (`2,312`) under a header
 * that names one (`| CPU ms | peak RSS growth |`).
 */
function figureTables(text: string): Array<{ line: number; figures: string[] }> {
  const measuredHeader = (header: string): boolean => header.replace(/`[^`]*`/g, '').split('|').some((cell) => UNIT_HEADER.test(cell));
  const lines = text.split('\n');
  return tables(text)
    .map(({ line, cells }) => {
      const bare = measuredHeader(lines[line - 1] ?? '');
      return { line, figures: cells.filter((cell) => FIGURE.test(cell) || (bare && /^\s*\d[\d,.]*\s*$/.test(cell))).map((cell) => cell.trim()) };
    })
    .filter(({ figures }) => figures.length >= 2);
}

/** A sentence that reports a measurement: it says "measured" or names a benchmark (`bench/…`, `npm run bench`). */
const MEASUREMENT = /\bmeasured\b|bench\/|npm run bench|\bbenchmarks?\b/i;
/** What makes a figure a goal rather than a result: a target, a bound, a comparison just before it. */
const GOAL = /(?:target|≤|≥|<=|>=|<|>|under|within|at most|at least)[^.;]*$/i;

/**
 * Figures in prose that report a measurement: in each sentence of `text` (outside fenced code and tables) that says
 * "measured" or names a benchmark, every figure (FIGURE, outside code spans) not stated as a goal (GOAL within the 30
 * characters before it, same clause). Why this rule and no wider one: the docs are full of figures that are not
 * measurements — defaults, timeouts, grace periods (`SIGKILL 2 s later`, `default 5 s`) — which no pattern tells apart
 * from a copied result; a sentence that cites a measurement is where a hand-copied result sits, and there the figure
 * belongs in docs/benchmarks.md with a link to its section. A figure it cannot see (a measurement reported without
 * naming it as one) is left to review.
 */
function proseFigures(text: string): string[] {
  const prose = text
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((line) => !line.startsWith('|'))
    .join('\n');
  return prose
    .split(/(?<=[.!?])\s+(?=[A-Z(`*[])|\n\s*\n/)
    .filter((sentence) => MEASUREMENT.test(sentence))
    .flatMap((sentence) => {
      const plain = sentence.replace(/`[^`\n]*`/g, '``').replace(/\s+/g, ' ');
      return [...plain.matchAll(new RegExp(FIGURE.source, 'giu'))]
        .filter((match) => !GOAL.test(plain.slice(Math.max(0, match.index - 30), match.index)))
        .map((match) => `${match[0]} in "${plain.slice(0, 100)}…"`);
    });
}

describe('benchmark figures in the docs', () => {
  it('no docs page but docs/benchmarks.md holds a table of measured figures', () => {
    const offenders = pages
      .filter((page) => page !== 'docs/benchmarks.md')
      .flatMap((page) => figureTables(read(page)).map(({ line, figures }) => `${page}:${line}: ${figures.slice(0, 3).join(' · ')}`));
    expect(offenders).toEqual([]);
  });

  it('the check sees hand-copied tables: a figure table is found, an options table with durations in code is not', () => {
    const copied = '| case | ms | speed-up |\n|---|---:|---:|\n| plain loop | 1246 ms | 1.00× |\n| threads | 674 ms | 1.85× |\n';
    const options = '| flag | meaning |\n|---|---|\n| `--timeout D` | `500ms`, `30s` |\n| `-p N` | parallel checks, 4 |\n';
    expect(figureTables(copied)).toEqual([{ line: 1, figures: ['1246 ms', '1.00×', '674 ms', '1.85×'] }]);
    expect(figureTables(options)).toEqual([]);
  });

  it('no sentence of README.md, CONTRIBUTING.md or docs/ reports a measured figure: it links to its section of benchmarks.md', () => {
    const offenders = pages
      .filter((page) => page !== 'docs/benchmarks.md')
      .flatMap((page) => proseFigures(read(page)).map((found) => `${page}: ${found}`));
    expect(offenders).toEqual([]);
  });

  it('the prose check sees a copied result, and neither a goal nor a figure in a sentence that cites no measurement', () => {
    expect(proseFigures('On the fixture the first run takes 1832 ms, the second 1239 ms (`node bench/run.js agent`).')).toHaveLength(2);
    expect(proseFigures('Measured on 2 cores: ready 0.3 s after it starts.')).toHaveLength(1);
    expect(proseFigures('`npm run bench -- --quick hook` measures it (spawn to exit; target D + 200 ms).')).toEqual([]);
    expect(proseFigures('The checks are stopped 150 ms before D (SIGTERM, then SIGKILL 100 ms later).')).toEqual([]);
    expect(proseFigures('```sh\nnode bench/run.js # 12 ms\n```\nA timeout of `500ms`, measured per attempt.')).toEqual([]);
  });

  it('the table check sees bare numbers under a header that names a unit, not an exit-code table', () => {
    const copied = '| 1M closures | CPU ms | peak RSS growth |\n|---|---|---|\n| processParallel | 1,910 | 139 MB |\n| parallelMap | 837 | 49 MB |\n';
    const codes = '| exit | meaning |\n|---|---|\n| 0 | passed |\n| 130 | interrupted |\n';
    expect(figureTables(copied)).toEqual([{ line: 1, figures: ['1,910', '837'] }]);
    expect(figureTables(codes)).toEqual([]);
  });

  it('docs/benchmarks.md holds tables only inside generated sections, of documented suites', () => {
    const text = read('docs/benchmarks.md');
    const sections = parseSections(text);
    expect(sections.size).toBeGreaterThan(0);
    const documented = (DOCUMENTED as Array<{ name: string }>).map((s) => s.name);
    expect([...sections.keys()].filter((name) => !documented.includes(name))).toEqual([]);
    let outside = text;
    for (const section of sections.values()) outside = outside.replace(section, '');
    expect(tables(outside)).toEqual([]);
  });

  it('every link to a section of benchmarks.md names a heading it has', () => {
    const anchors = new Set([...read('docs/benchmarks.md').matchAll(/^#{2,3} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
    const broken = pages.flatMap((page) =>
      [...read(page).matchAll(/benchmarks\.md#([\w-]+)/g)].map((m) => m[1] ?? '').filter((anchor) => !anchors.has(anchor)).map((anchor) => `${page}: #${anchor}`),
    );
    expect(broken).toEqual([]);
  });
});

describe('bench/lib: rendering a suite result', () => {
  const result = {
    suite: 'threads',
    title: 'Threads',
    rounds: 3,
    profile: 'quick',
    started: '2026-01-01T00:00:00.000Z',
    durationMs: 90_000,
    machine: { cpu: 'CPU', cores: 2, memoryGiB: 4, node: 'v20.0.0', platform: 'linux x64' },
    loadStart: [0.5, 0.4, 0.3],
    loadEnd: [0.6, 0.5, 0.4],
    tables: [
      {
        title: 'T',
        columns: [{ key: 'ms', label: 'ms' }],
        ratios: [{ key: 'ms', label: 'speed-up', invert: true }],
        rows: [
          { label: 'loop', peer: 'floor', samples: { ms: [300, 100, 200] } },
          { label: 'threads', peer: 'loop', samples: { ms: [110, 90, 100] } },
          { label: 'broken', peer: 'loop', samples: {}, error: 'exit 1' },
        ],
      },
    ],
  };

  it('min / median of the rounds, the peer named, ratios against the peer row', () => {
    expect(stat([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(stat([4, 1, 3, 2]).median).toBe(2.5);
    const table = renderTable(result.tables[0]!);
    expect(table).toContain('| case | compared with | ms: min / median | speed-up |');
    expect(table).toContain('| loop | floor | 100 / 200 |  |');
    expect(table).toContain('| threads | loop | 90.0 / 100 | 2.00× |');
    expect(table).toContain('| broken | loop | failed: exit 1 |  |');
  });

  it('a section carries its run header; a new run of one suite replaces its section and keeps the others', () => {
    const section = renderSection(result, 'npm run bench -- --quick');
    expect(section).toContain('- CPU, 2 cores, 4 GiB, linux x64, Node v20.0.0');
    expect(section).toContain('- load average 0.5 0.4 0.3 at start, 0.6 0.5 0.4 at end; 3 interleaved rounds; took 1.5 minutes');
    const other = '<!-- bench:cli begin -->\n## CLI\n\nold\n<!-- bench:cli end -->';
    const page = renderPage(new Map([['cli', other], ['threads', section]]), ['library', 'cli', 'threads']);
    const sections = parseSections(page);
    sections.set('threads', section.replace('100 / 200', '100 / 150'));
    const again = renderPage(sections, ['library', 'cli', 'threads']);
    expect(again).toContain(other);
    expect(again).toContain('100 / 150');
    expect(again.indexOf('## CLI')).toBeLessThan(again.indexOf('## Threads'));
  });
});
