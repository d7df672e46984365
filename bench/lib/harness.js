// @ts-check
// What every benchmark suite shares: interleaved rounds, min / median, the machine's description, and the result
// document a suite hands to bench/run.js (which renders docs/benchmarks.md from it, see ./docs.js).
//
// A suite builds tables of rows; each row names the case, the peer it is compared with, and the samples of each
// measured column (one per round). A suite prints its tables (renderTable) and, when bench/run.js asks for it
// (BENCH_JSON=file), writes the result document there (emit): bench/run.js, not the suite, writes the docs.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * A measured column: every row holds one sample per round under `key`. `better` says which end is best: the cell
 * shows the best sample and the median ("min / median" for times).
 * @typedef {{ key: string; label: string; better?: 'lower' | 'higher'; digits?: number }} Column
 */
/**
 * One row: `label` names the case (fanout's API or the peer library), `peer` what it is compared with (another row's
 * label in the same table, or a description of an outside reference); `samples[key]` one value per round; `text`
 * cells for the table's text columns; `error` when the case failed (its cells stay empty).
 * @typedef {{ label: string; peer: string; samples: Record<string, number[]>; text?: Record<string, string>; error?: string }} Row
 */
/**
 * A table: `columns` measured; each of `ratios` adds "median of key ÷ the peer row's median" (with `invert`, the peer's
 * ÷ the row's: a speed-up) for rows whose peer is a row of the table; `textColumns` trail the measured ones (targets).
 * @typedef {{ key: string; label: string; invert?: boolean }} Ratio
 * @typedef {{ title: string; note?: string; columns: Column[]; ratios?: Ratio[]; textColumns?: Array<{ key: string; label: string }>; rows: Row[] }} Table
 */
/**
 * What a suite emits.
 * `overrides`: the BENCH_* variables that changed sizes or rounds (a run with BENCH_SCALE below 1 checks the
 * pipeline, it measures nothing worth publishing).
 * @typedef {{ suite: string; title: string; rounds: number; profile: string; started: string; durationMs: number; machine: Machine; loadStart: number[]; loadEnd: number[]; overrides?: string[]; notes?: string[]; tables: Table[] }} SuiteResult
 */
/** @typedef {{ cpu: string; cores: number; memoryGiB: number; node: string; platform: string }} Machine */

/** `quick` or `full`: the profile bench/run.js runs (BENCH_PROFILE), or the suite's own `--quick` / `--full`. */
export function profile() {
  if (process.argv.includes('--full')) return 'full';
  if (process.argv.includes('--quick')) return 'quick';
  return process.env.BENCH_PROFILE === 'full' ? 'full' : process.env.BENCH_PROFILE === 'quick' ? 'quick' : 'default';
}

/**
 * A size scaled by BENCH_SCALE (default 1): `BENCH_SCALE=0.01 node bench/run.js --quick` runs the whole pipeline on
 * tiny sizes, to check it rather than to measure.
 * @param {number} n
 */
export function scaled(n) {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  return Number.isFinite(scale) && scale > 0 ? Math.max(1, Math.round(n * scale)) : n;
}

/**
 * Min, median and max of `values` (NaN ignored); NaN for none.
 * @param {number[]} values
 */
export function stat(values) {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return {
    min: sorted[0] ?? Number.NaN,
    // The mean of the two middle values for an even count, so a rate's median matches its time's median.
    median: sorted.length % 2 === 1 ? (sorted[Math.floor(mid)] ?? Number.NaN) : sorted.length === 0 ? Number.NaN : (((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/**
 * Runs every case once per round, round after round, so drift on a shared machine (other work, thermal) falls on
 * every case alike. `measure` returns the round's sample (one number per column key); a throw records the case as
 * failed and skips it from then on. Returns each case's samples per key, and its error if any.
 * @template C
 * @param {number} rounds
 * @param {C[]} cases
 * @param {(item: C, round: number) => Promise<Record<string, number>> | Record<string, number>} measure
 * @returns {Promise<Array<{ item: C; samples: Record<string, number[]>; error?: string }>>}
 */
export async function interleave(rounds, cases, measure) {
  /** @type {Array<{ item: C; samples: Record<string, number[]>; error?: string }>} */
  const out = cases.map((item) => ({ item, samples: {} }));
  for (let round = 0; round < rounds; round++) {
    for (const entry of out) {
      if (entry.error !== undefined) continue;
      try {
        const sample = await measure(entry.item, round);
        for (const [key, value] of Object.entries(sample)) (entry.samples[key] ??= []).push(value);
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
      }
    }
  }
  return out;
}

/** A number with as many decimals as its size needs (3 significant-ish figures, whole numbers from 100 up). */
export function formatNumber(/** @type {number} */ value, /** @type {number | undefined} */ digits = undefined) {
  if (!Number.isFinite(value)) return '—';
  if (digits !== undefined) return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** @param {string} text */
const cell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * The table as markdown: `| case | compared with | <column>: best / median ... | ratios | text columns |`.
 * @param {Table} table
 */
export function renderTable(table) {
  const head = ['case', 'compared with'];
  for (const c of table.columns) head.push(`${c.label}: ${(c.better ?? 'lower') === 'lower' ? 'min' : 'max'} / median`);
  for (const r of table.ratios ?? []) head.push(r.label);
  for (const t of table.textColumns ?? []) head.push(t.label);
  const lines = [`### ${table.title}`, ''];
  if (table.note !== undefined) lines.push(table.note, '');
  lines.push(`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  const byLabel = new Map(table.rows.map((row) => [row.label, row]));
  for (const row of table.rows) {
    const cells = [row.label, row.peer];
    if (row.error !== undefined) {
      cells.push(`failed: ${row.error}`);
      while (cells.length < head.length) cells.push('');
    } else {
      for (const c of table.columns) {
        const s = stat(row.samples[c.key] ?? []);
        cells.push(`${formatNumber((c.better ?? 'lower') === 'lower' ? s.min : s.max, c.digits)} / ${formatNumber(s.median, c.digits)}`);
      }
      const peer = byLabel.get(row.peer);
      for (const { key, invert } of table.ratios ?? []) {
        if (peer === undefined || peer === row || peer.error !== undefined) {
          cells.push('');
          continue;
        }
        const mine = stat(row.samples[key] ?? []).median;
        const theirs = stat(peer.samples[key] ?? []).median;
        cells.push(`${formatNumber(invert === true ? theirs / mine : mine / theirs, 2)}×`);
      }
      for (const t of table.textColumns ?? []) cells.push(row.text?.[t.key] ?? '');
    }
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * A target's cell: `met (spec)` or `missed (spec)`, so a table says where a documented goal stands.
 * @param {boolean} ok @param {string} spec the target, as the docs state it (`<= 50 ms`)
 */
export function target(ok, spec) {
  return `${ok ? 'met' : 'missed'} (${spec})`;
}

/**
 * Runs a process to its end and times it from spawn to exit (wall ms); throws, naming the command, when it cannot
 * start or exits non-zero (unless `allowFailure`).
 * @param {string} file @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions & { allowFailure?: boolean }} [options]
 */
export function timeProcess(file, args, options = {}) {
  const { allowFailure = false, ...spawnOptions } = options;
  const start = process.hrtime.bigint();
  const run = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...spawnOptions });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.error) throw run.error;
  if (run.status !== 0 && !allowFailure) throw new Error(`${file} ${args.join(' ').slice(0, 80)} exited ${run.status ?? run.signal}: ${String(run.stderr ?? '').trim().slice(-300)}`);
  return { ms, status: run.status, stdout: String(run.stdout ?? ''), stderr: String(run.stderr ?? '') };
}

/** The machine a run measures. @returns {Machine} */
export function machine() {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/**
 * Starts a suite's result: call `finish()` once every table is pushed; it prints nothing, returns the document and
 * writes it to BENCH_JSON when bench/run.js set it.
 * @param {{ suite: string; title: string; rounds: number }} options
 */
export function startSuite(options) {
  const started = new Date();
  const loadStart = loadavg();
  /** @type {Table[]} */
  const tables = [];
  /** @type {string[]} */
  const notes = [];
  return {
    /** Adds a table and prints it. @param {Table} table */
    table(table) {
      tables.push(table);
      console.log(`${renderTable(table)}\n`);
    },
    /** Adds a line under the section's tables (a remark the figures need) and prints it. @param {string} text */
    note(text) {
      notes.push(text);
      console.log(`${text}\n`);
    },
    /** @returns {SuiteResult} */
    finish() {
      const overrides = Object.entries(process.env)
        .filter(([key]) => /^(BENCH|WATCH_BENCH|DIST_BENCH|FANOUT_BENCH)_/.test(key) && key !== 'BENCH_JSON' && key !== 'BENCH_PROFILE')
        .map(([key, value]) => `${key}=${value ?? ''}`)
        .sort();
      /** @type {SuiteResult} */
      const result = {
        ...options,
        profile: profile(),
        started: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        machine: machine(),
        loadStart,
        loadEnd: loadavg(),
        ...(overrides.length > 0 ? { overrides } : {}),
        ...(notes.length > 0 ? { notes } : {}),
        tables,
      };
      const file = process.env.BENCH_JSON;
      if (file !== undefined && file !== '') writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
      return result;
    },
  };
}
