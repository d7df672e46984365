// @ts-check
/**
 * The differential conformance suite's shared half: reads the cases, lays each one out in a fresh folder, runs a
 * binary on it and normalises what it printed. The recorder (./record.js) runs the real VibeGuard binary through it
 * and commits the outcomes as goldens; the test (./vibeguard.test.ts) runs fanout through it and compares.
 *
 * Plain JavaScript so the recorder runs with node alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const casesDir = join(root, 'test/fixtures/conformance/cases');
export const goldensDir = join(root, 'test/fixtures/conformance/goldens');

/**
 * @typedef {object} Case
 * @property {string} id              `category/name`
 * @property {string} category
 * @property {string} [config]        the text of vibeguard.yaml (absent: no config file)
 * @property {string} [configName]    the config's file name (default vibeguard.yaml)
 * @property {Record<string, string>} [files]  more files to lay out, by relative path
 * @property {string[][]} runs        the argument lists to run, each in a fresh copy of the folder
 * @property {string[]} [outputs]     files whose content after each run belongs to the outcome (what `init` writes)
 */

/** @typedef {{ exit: number | null, stdout: string, stderr: string, files?: Record<string, string | null> }} Outcome */

/**
 * Every case of every category file, in file order.
 * @returns {Case[]}
 */
export function loadCases() {
  /** @type {Case[]} */
  const cases = [];
  const seen = new Set();
  for (const file of readdirSync(casesDir).filter((name) => name.endsWith('.yaml')).sort()) {
    const category = file.replace(/\.yaml$/, '');
    const doc = parse(readFileSync(join(casesDir, file), 'utf8'));
    // A file may set the runs of its cases (`runs:` at the top); else `check` and `check --json`.
    const defaultRuns = doc.runs ?? [['check'], ['check', '--json']];
    for (const raw of doc.cases) {
      const id = `${category}/${raw.name}`;
      if (seen.has(id)) throw new Error(`duplicate conformance case ${id}`);
      seen.add(id);
      /** @type {Case} */
      const c = { id, category, runs: raw.runs ?? defaultRuns };
      if (raw.config !== undefined) c.config = raw.config;
      if (raw.configName !== undefined) c.configName = raw.configName;
      if (raw.files !== undefined) c.files = raw.files;
      if (raw.outputs !== undefined) c.outputs = raw.outputs;
      cases.push(c);
    }
  }
  return cases;
}

/**
 * Lays a case out in a fresh folder, runs `command ...prefix ...args` there, removes the folder.
 * @param {Case} c
 * @param {string[]} args
 * @param {{ command: string, prefix?: string[], timeoutMs?: number }} binary
 * @returns {Promise<Outcome>}
 */
export async function runCase(c, args, binary) {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-conformance-'));
  try {
    if (c.config !== undefined) writeFileSync(join(dir, c.configName ?? 'vibeguard.yaml'), c.config);
    for (const [path, content] of Object.entries(c.files ?? {})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const outcome = await run(binary.command, [...(binary.prefix ?? []), ...args], dir, binary.timeoutMs ?? 30_000);
    /** @type {Outcome} */
    const result = { exit: outcome.exit, stdout: normalize(outcome.stdout, dir), stderr: normalize(outcome.stderr, dir) };
    if (c.outputs !== undefined) {
      result.files = Object.fromEntries(c.outputs.map((path) => [path, readOrNull(join(dir, path))]));
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @param {number} timeoutMs
 * @returns {Promise<Outcome>}
 */
function run(command, args, cwd, timeoutMs) {
  return new Promise((resolve, reject) => {
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env, NO_COLOR: '1', TERM: 'dumb' };
    delete env.FORCE_COLOR;
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      // The child leads a group of its own (detached): the whole case goes, nothing else.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exit: code, stdout, stderr });
    });
  });
}

/**
 * What differs between two runs of the same case for reasons that are not behaviour: the folder, durations,
 * timestamps.
 * @param {string} text
 * @param {string} dir
 */
export function normalize(text, dir) {
  return text
    .split(dir)
    .join('<dir>')
    .replace(/"duration_ms": [0-9.]+/g, '"duration_ms": 0')
    .replace(/\((?:\d+(?:\.\d+)?(?:ms|µs|s|m)\s?)+\)/g, '(<t>)')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>');
}

/**
 * VibeGuard's outcome with its one-problem-twice defect undone: its error (`Error: ...`, one or more lines) printed
 * twice on stderr counts once, as fanout prints it. Everything else stays byte for byte.
 * @param {Outcome} outcome
 * @returns {Outcome}
 */
export function problemsOnce(outcome) {
  const { stderr } = outcome;
  const half = stderr.length / 2;
  if (!Number.isInteger(half) || !stderr.startsWith('Error: ') || stderr.slice(0, half) !== stderr.slice(half)) return outcome;
  return { ...outcome, stderr: stderr.slice(0, half) };
}

/** Where the goldens of a category live. @param {string} category */
export function goldenFile(category) {
  return join(goldensDir, `${category}.json`);
}

/**
 * The recorded outcomes of a category: case id → one outcome per run.
 * @param {string} category
 * @returns {Record<string, Outcome[]>}
 */
export function readGoldens(category) {
  try {
    return JSON.parse(readFileSync(goldenFile(category), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * What a run established, whatever the words: the exit code; with a JSON report (VibeGuard's on stderr, fanout's on
 * stdout) each check's status and the values extracted for each finding; without one, the findings named by report
 * headers (`FAIL  id (error)`, `WARN  id (warning)`) and every `name=[value]` a suggestion rendered (the cases' own
 * convention for showing extracted values).
 * @param {Outcome} outcome
 */
export function facts(outcome) {
  const text = `${outcome.stdout}\n${outcome.stderr}`;
  const report = jsonReport(text);
  if (Array.isArray(report?.checks) && report.checks.every((/** @type {any} */ c) => typeof c?.status === 'string')) return { exit: outcome.exit, ...reportFacts(report) };
  // A finding's kind from its header; VibeGuard reports a skipped check as an error whose suggestion says so.
  const findings = text
    .split(/^(?=(?:FAIL|WARN)\s)/m)
    .map((block) => /^(?:FAIL|WARN)\s+(\S+)\s+\((\w+)\)/.exec(block))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}:${/^\s*Skipped: required dependency failed$/m.test(m.input) ? 'skipped' : m[2]}`)
    .sort();
  const values = [...text.matchAll(/(?<![\w.-])([\w.-]+)=\[([^\]\n]*)\]/g)].map((m) => `${m[1]}=${m[2]}`);
  // A run that stopped on an error (a config error...): its problems, one a line, VibeGuard's printed once.
  const stopped = outcome.exit !== 0 && findings.length === 0 && values.length === 0;
  const { stderr } = problemsOnce(outcome);
  const problems = stopped ? `${outcome.stdout}\n${stderr}`.split(/\n(?=\S)/).map((line) => line.trim()).filter((line) => line !== '') : [];
  // A run that answered (help, a list...): what it says first.
  const answered = outcome.exit === 0 && findings.length === 0 && values.length === 0;
  const first = answered ? (outcome.stdout.split('\n').find((line) => line.trim() !== '') ?? '').trim() : undefined;
  return { exit: outcome.exit, findings, values, files: outcome.files, problems, ...(first === undefined ? {} : { first }) };
}

/** Words too common in either tool's errors to tell two problems apart. */
const COMMON = new Set(['error', 'failed', 'parse', 'config', 'file', 'check', 'line', 'yaml', 'the', 'has', 'not', 'with', 'and', 'for', 'must', 'nothing', 'was', 'run', 'errors', 'defined', 'vibeguard.yaml', 'got']);

/**
 * Whether fanout's problem `ours` is the one VibeGuard names in `theirs`: the same line of the file (VibeGuard's
 * `(line N)` or `yaml: line N`, fanout's `file:N:col:`), two of VibeGuard's telling words (one when it has one), or
 * one that names a value (a file name, a number).
 * @param {string} ours
 * @param {string} theirs
 */
function sameProblem(ours, theirs) {
  const theirLine = /\bline (\d+)\b/.exec(theirs)?.[1];
  if (theirLine !== undefined && /^[^\s:]+:(\d+):\d+:/.exec(ours)?.[1] === theirLine) return true;
  const words = [...new Set(theirs.replace(/^Error:\s*/, '').replace(/\(line \d+\)/, '').toLowerCase().split(/[^\w.>-]+/))].filter((word) => word.length >= 3 && !COMMON.has(word));
  const mine = ours.toLowerCase();
  const shared = words.filter((word) => mine.includes(word));
  // A value (a file name, a number) names the problem alone.
  return words.length > 0 && (shared.length >= Math.min(2, words.length) || shared.some((word) => /[.\d>]/.test(word)));
}

/**
 * Whether fanout's facts agree with VibeGuard's, run by run: the same exit code, statuses and values, and, for a run
 * that stopped on an error, the problem VibeGuard names (its first) among the problems fanout lists (fanout lists
 * every problem; VibeGuard stops at its first).
 * @param {ReturnType<typeof facts>[]} ours
 * @param {ReturnType<typeof facts>[]} theirs
 */
export function factsAgree(ours, theirs) {
  if (ours.length !== theirs.length) return false;
  return ours.every((mine, index) => {
    const other = /** @type {any} */ (theirs[index]);
    const { problems: myProblems = [], ...myRest } = /** @type {any} */ (mine);
    const { problems: theirProblems = [], ...theirRest } = other;
    if (JSON.stringify(myRest) !== JSON.stringify(theirRest)) return false;
    const named = /** @type {string[]} */ (theirProblems)[0];
    return named === undefined || /** @type {string[]} */ (myProblems).some((problem) => sameProblem(problem, named));
  });
}

/** @param {string} text */
function jsonReport(text) {
  const start = text.indexOf('{\n');
  if (start < 0) return undefined;
  const end = text.indexOf('\n}', start);
  if (end < 0) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 2));
  } catch {
    return undefined;
  }
}

/**
 * Statuses in VibeGuard's terms made comparable: a failed check whose finding is a warning is `warned`, one skipped
 * for a failed requirement `skipped`, one that timed out `timeout`; checks that did not run are absent.
 * @param {any} report
 */
function reportFacts(report) {
  /** @type {Record<string, string>} */
  const statuses = {};
  /** @type {Record<string, Record<string, string>>} */
  const extracted = {};
  if (Array.isArray(report.violations)) {
    const byId = new Map(report.violations.map((/** @type {any} */ v) => [v.id, v]));
    for (const check of report.checks ?? []) {
      const v = byId.get(check.id);
      let status = check.status;
      if (status === 'failed' && v !== undefined) {
        if (String(v.suggestion ?? '').startsWith('Skipped:')) status = 'skipped';
        else if (String(v.suggestion ?? '').startsWith('Check timed out')) status = 'timeout';
        else if (v.severity === 'warning') status = 'warned';
      }
      statuses[check.id] = status;
      if (v?.extracted !== undefined && Object.keys(v.extracted).length > 0) extracted[check.id] = v.extracted;
    }
  } else {
    for (const check of report.checks ?? []) {
      if (check.status === 'not_run') continue;
      statuses[check.id] = check.status;
      const finding = !['passed', 'cancelled', 'skipped'].includes(check.status);
      if (finding && check.extracted !== undefined && Object.keys(check.extracted).length > 0) extracted[check.id] = check.extracted;
    }
  }
  return { statuses: sortKeys(statuses), extracted: sortKeys(extracted) };
}

/**
 * @template T
 * @param {Record<string, T>} record
 * @returns {Record<string, T>}
 */
function sortKeys(record) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * One line on how two runs' facts differ, for the ledger: what fanout established, then what VibeGuard did.
 * @param {ReturnType<typeof facts>[]} ours
 * @param {ReturnType<typeof facts>[]} theirs
 */
export function describeDifference(ours, theirs) {
  /** @type {string[]} */
  const parts = [];
  ours.forEach((mine, index) => {
    const other = theirs[index];
    if (other === undefined) return;
    for (const key of /** @type {const} */ (['exit', 'findings', 'values', 'statuses', 'extracted', 'files', 'problems', 'first'])) {
      const a = JSON.stringify(/** @type {any} */ (mine)[key]);
      const b = JSON.stringify(/** @type {any} */ (other)[key]);
      if (a !== b) parts.push(`run ${index + 1} ${key}: fanout ${clip(a)}, VibeGuard ${clip(b)}`);
    }
  });
  return parts.join('; ');
}

/** @param {string | undefined} text */
function clip(text) {
  if (text === undefined) return 'none';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
