// `fanout graph [--format text|mermaid|dot]`: levels, edges and the critical path of the (selected) checks.
import type { ResolvedCheck } from '../../config/index.js';
import { criticalPath, graphLevels, type GraphTask } from '../../index.js';
import { loadForCommand } from '../load-config.js';
import type { CommonOptions } from '../options.js';
import { previousDurations, selectChecks } from '../../checks/index.js';
import { changedChecks } from './list.js';
import { formatDuration } from '../../common/duration.js';
import { print, printJson } from '../terminal.js';

export interface GraphOptions extends CommonOptions {
  format: 'text' | 'mermaid' | 'dot';
  logDir: string;
  /** `--changed [REF]`: the checks `fanout check --changed` would run (true: HEAD). */
  changed?: string | true | undefined;
}

export interface GraphView {
  levels: string[][];
  edges: Array<[string, string]>;
  criticalPath: string[];
  /** Estimated length of the critical path from the last run's durations; null without them. */
  estimateMs: number | null;
}

/** Levels, edges and critical path; the estimates come from the last run (`<log-dir>/latest/report.json`). */
export function graphView(checks: readonly ResolvedCheck[], estimates: ReadonlyMap<string, number>): GraphView {
  const run = () => Promise.resolve();
  const tasks: GraphTask<void>[] = checks.map((check) => {
    const estimate = estimates.get(check.id);
    return { id: check.id, requires: check.requires, run, ...(estimate !== undefined ? { estimateMs: estimate } : {}) };
  });
  const critical = criticalPath(tasks);
  const known = checks.every((check) => estimates.has(check.id));
  return {
    levels: graphLevels(tasks),
    edges: checks.flatMap((check) => check.requires.map((from): [string, string] => [from, check.id])),
    criticalPath: critical.path,
    estimateMs: known && checks.length > 0 ? critical.estimateMs : null,
  };
}

function onPath(view: GraphView): Set<string> {
  const edges = new Set<string>();
  for (let i = 1; i < view.criticalPath.length; i++) edges.add(`${view.criticalPath[i - 1]}\0${view.criticalPath[i]}`);
  return edges;
}

export function renderText(view: GraphView): string {
  const lines = ['Levels:'];
  view.levels.forEach((level, i) => lines.push(`  ${i + 1}: ${level.join(' ')}`));
  lines.push('Edges:');
  if (view.edges.length === 0) lines.push('  (none)');
  for (const [from, to] of view.edges) lines.push(`  ${from} -> ${to}`);
  const length = view.estimateMs !== null ? `estimated ${formatDuration(view.estimateMs)} from the last run` : `${view.criticalPath.length} checks`;
  lines.push(`Critical path: ${view.criticalPath.join(' -> ') || '(empty)'} (${length})`);
  return `${lines.join('\n')}\n`;
}

export function renderMermaid(view: GraphView): string {
  const ids = view.levels.flat();
  const node = new Map(ids.map((id, i) => [id, `n${i}`]));
  const critical = new Set(view.criticalPath);
  const pathEdges = onPath(view);
  const lines = ['flowchart LR'];
  for (const id of ids) lines.push(`  ${node.get(id)}["${id}"]`);
  const styled: number[] = [];
  view.edges.forEach(([from, to], i) => {
    lines.push(`  ${node.get(from)} --> ${node.get(to)}`);
    if (pathEdges.has(`${from}\0${to}`)) styled.push(i);
  });
  if (critical.size > 0) {
    lines.push('  classDef critical stroke:#d33,stroke-width:3px');
    lines.push(`  class ${[...critical].map((id) => node.get(id)).join(',')} critical`);
  }
  if (styled.length > 0) lines.push(`  linkStyle ${styled.join(',')} stroke:#d33,stroke-width:3px`);
  return `${lines.join('\n')}\n`;
}

export function renderDot(view: GraphView): string {
  const quote = (id: string) => `"${id}"`;
  const critical = new Set(view.criticalPath);
  const pathEdges = onPath(view);
  const lines = ['digraph fanout {', '  rankdir=LR;', '  node [shape=box];'];
  view.levels.forEach((level) => lines.push(`  { rank=same; ${level.map(quote).join('; ')}; }`));
  for (const id of view.levels.flat()) if (critical.has(id)) lines.push(`  ${quote(id)} [color=red, penwidth=2];`);
  for (const [from, to] of view.edges) lines.push(`  ${quote(from)} -> ${quote(to)}${pathEdges.has(`${from}\0${to}`) ? ' [color=red, penwidth=2]' : ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export async function graphCommand(ids: string[], options: GraphOptions): Promise<number> {
  const config = await loadForCommand(options);
  const { checks } =
    options.changed === undefined
      ? selectChecks(config.checks, { ids, only: [], tags: [], excludeTags: [] })
      : { checks: await changedChecks(config, options.changed, { ids }) };
  const view = graphView(checks, await previousDurations(options.logDir));
  if (options.json) {
    printJson({ levels: view.levels, edges: view.edges, critical_path: view.criticalPath, critical_path_estimate_ms: view.estimateMs });
    return 0;
  }
  print(options.format === 'mermaid' ? renderMermaid(view) : options.format === 'dot' ? renderDot(view) : renderText(view));
  return 0;
}
