// One self-contained HTML page (inline CSS and SVG, no script, no request to anywhere) picturing a run.
import type { RunReport as Report } from '../../../checks/index.js';
import { formatDuration } from '../../../common/duration.js';
import { timelineBars, type Bar } from './timeline.js';

/**
 * A run that has not ended, as the page shows it: `running` (its fanout is still at it) or `crashed` (its fanout died
 * before the end); `now` (ms since the epoch) is the moment shown — the page's making for a running one, the last
 * thing its journal recorded for a crashed one.
 */
export interface RunProgress {
  state: 'running' | 'crashed';
  now: number;
}

/** Per check, its durations in past runs, oldest first (null where the check did not run or did not finish). */
export type History = { runIds: string[]; durations: Map<string, Array<number | null>> };

const COLORS: Record<string, string> = {
  passed: '#2e9e4f',
  failed: '#d1382f',
  warned: '#d99a00',
  timeout: '#8e3bd1',
  skipped: '#9aa0a6',
  cancelled: '#6b7280',
  pending: '#3b82f6',
  running: '#0ea5e9',
};

/**
 * The status the page shows: a check that started and has not ended, in a run still going, is `running` (its report
 * status is `pending`, as for one not started yet).
 */
function shownStatus(check: { status: string; started_at: string | null }, progress: RunProgress | undefined): string {
  return progress?.state === 'running' && check.status === 'pending' && check.started_at !== null ? 'running' : check.status;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function niceStep(total: number): number {
  const raw = total / 8;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const factor of [1, 2, 5, 10]) if (raw <= factor * magnitude) return factor * magnitude;
  return 10 * magnitude;
}

function gantt(bars: readonly Bar[], makespan: number, progress: RunProgress | undefined): string {
  const labelWidth = 180;
  const plotWidth = 760;
  const rowHeight = 26;
  const top = 28;
  const height = top + bars.length * rowHeight + 10;
  const total = Math.max(makespan, ...bars.map((bar) => bar.end ?? 0), 1);
  const x = (ms: number) => labelWidth + (ms / total) * plotWidth;
  const parts: string[] = [];
  const step = niceStep(total);
  for (let t = 0; t <= total + 1e-9; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${height - 6}" class="grid"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${top - 10}" class="tick">${escapeHtml(formatDuration(t))}</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const status = bar.running && progress?.state === 'running' ? 'running' : bar.status;
    parts.push(`<text x="${labelWidth - 8}" y="${y + 17}" class="label${bar.critical ? ' crit' : ''}">${escapeHtml(bar.id)}</text>`);
    const sofar = `${progress?.state === 'crashed' ? 'no end recorded' : 'running'}, ${formatDuration(bar.durationMs)} so far`;
    const title = `${bar.id}: ${bar.running ? sofar : status}${bar.start !== null && !bar.running ? `, ${formatDuration(bar.durationMs)} (from ${formatDuration(bar.start)})` : bar.start !== null ? ` (from ${formatDuration(bar.start)})` : ', never started'}${bar.reason ? ` — ${bar.reason}` : ''}${bar.critical ? ' — on the critical path' : ''}`;
    if (bar.start === null) {
      parts.push(`<g class="bar" data-check="${escapeHtml(bar.id)}" data-status="${status}"><title>${escapeHtml(title)}</title><text x="${labelWidth + 4}" y="${y + 17}" class="note">${escapeHtml(status)} — not started</text></g>`);
      return;
    }
    const end = bar.end ?? total;
    const width = Math.max(2, x(end) - x(bar.start));
    parts.push(
      `<g class="bar${bar.critical ? ' critical' : ''}${bar.running ? ' running' : ''}" data-check="${escapeHtml(bar.id)}" data-status="${status}"><title>${escapeHtml(title)}</title>` +
        `<rect x="${x(bar.start).toFixed(1)}" y="${y + 4}" width="${width.toFixed(1)}" height="${rowHeight - 8}" rx="3" fill="${COLORS[status] ?? '#999'}"${bar.critical ? ' stroke="#111" stroke-width="2.5"' : ''}/>` +
        `<text x="${(x(bar.start) + width + 4).toFixed(1)}" y="${y + 17}" class="note">${escapeHtml(bar.running ? sofar : bar.end === null ? `${status}…` : formatDuration(bar.durationMs))}</text></g>`,
    );
  });
  return `<svg width="${labelWidth + plotWidth + 90}" height="${height}" role="img" aria-label="timeline of the run">${parts.join('')}</svg>`;
}

function sparkline(values: ReadonlyArray<number | null>): string {
  const width = 160;
  const height = 28;
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return '<span class="note">no history</span>';
  const max = Math.max(...known, 1);
  const pad = 4;
  const stepX = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const points: string[] = [];
  const dots: string[] = [];
  values.forEach((value, i) => {
    if (value === null) return;
    const px = (values.length > 1 ? pad + i * stepX : width / 2).toFixed(1);
    const py = (height - 3 - (value / max) * (height - 6)).toFixed(1);
    points.push(`${px},${py}`);
    dots.push(`<circle cx="${px}" cy="${py}" r="2"><title>${escapeHtml(formatDuration(value))}</title></circle>`);
  });
  return `<svg width="${width}" height="${height}" class="spark"><polyline points="${points.join(' ')}" fill="none" stroke="#3b82f6" stroke-width="1.5"/>${dots.join('')}</svg>`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Renders the page of a report; `progress` for a run that has not ended (its report made from its journal or its
 * events so far): how long it has run instead of a makespan and an exit code, the bars of running checks up to
 * `progress.now`, and no critical path yet.
 */
export function renderReportPage(report: Report, history: History, progress?: RunProgress): string {
  const bars = timelineBars(report.checks, report.started_at, progress?.now);
  const critical = bars.filter((bar) => bar.critical).map((bar) => bar.id);
  const elapsed = progress === undefined ? report.duration_ms : Math.max(0, progress.now - Date.parse(report.started_at));
  const outcome =
    progress === undefined
      ? `makespan ${escapeHtml(formatDuration(report.duration_ms))} · exit ${report.exit_code}`
      : progress.state === 'running'
        ? `running, ${escapeHtml(formatDuration(elapsed))} so far`
        : `crashed: its fanout died before the end (last heard ${escapeHtml(formatDuration(elapsed))} in)`;
  const path =
    progress !== undefined
      ? progress.state === 'running'
        ? 'known once the run has ended'
        : 'not known: the run did not end'
      : critical.length > 0
        ? critical.map(escapeHtml).join(' → ')
        : 'none';
  const running = report.checks.filter((check) => shownStatus(check, progress) === 'running').length;
  const counts = Object.entries({ ...report.counts, pending: report.counts.pending - running, running })
    .filter(([key, n]) => key !== 'total' && n > 0)
    .map(([key, n]) => `<span class="pill" style="background:${COLORS[key] ?? '#999'}">${n} ${escapeHtml(key)}</span>`)
    .join(' ');
  const rows = report.checks
    .map((check) => {
      const values = history.durations.get(check.id) ?? [];
      const known = values.filter((v): v is number => v !== null);
      const status = shownStatus(check, progress);
      const stats = known.length > 0 ? `${formatDuration(median(known))} / ${formatDuration(Math.min(...known))} / ${formatDuration(Math.max(...known))}` : '—';
      return `<tr data-check="${escapeHtml(check.id)}"><td>${escapeHtml(check.id)}</td><td><span class="dot" style="background:${COLORS[status] ?? '#999'}"></span>${escapeHtml(status)}</td><td>${check.attempts > 0 ? formatDuration(check.duration_ms) : '—'}</td><td>${stats}</td><td>${sparkline(values)}</td><td>${known.length}</td></tr>`;
    })
    .join('\n');
  const legend = Object.entries(COLORS)
    .map(([status, color]) => `<span><span class="dot" style="background:${color}"></span>${status}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>fanout run ${escapeHtml(report.run_id)}</title>
<style>
body { font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #57606a; margin-bottom: 12px; }
.pill { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: middle; }
.legend span { margin-right: 12px; font-size: 12px; color: #57606a; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg .label { text-anchor: end; } svg .label.crit { font-weight: 700; }
svg .tick { text-anchor: middle; fill: #57606a; font-size: 11px; }
svg .note { fill: #57606a; font-size: 11px; }
svg .grid { stroke: #e5e7eb; stroke-width: 1; }
table { border-collapse: collapse; } td, th { padding: 4px 12px 4px 0; text-align: left; border-bottom: 1px solid #eee; vertical-align: middle; }
th { font-size: 12px; color: #57606a; font-weight: 600; }
.crit-path { background: #f6f8fa; border-left: 4px solid #111; padding: 6px 10px; }
</style>
</head>
<body>
<h1>fanout run ${escapeHtml(report.run_id)}</h1>
<div class="meta">${escapeHtml(report.config_file)} · started ${escapeHtml(report.started_at)} · ${outcome}${report.interrupted ? ` · interrupted by ${escapeHtml(report.interrupted)}` : ''} · ${counts}</div>
<h2>Timeline</h2>
<div class="legend">${legend} <span>▭ outlined: critical path</span></div>
<div id="timeline">${gantt(bars, elapsed, progress)}</div>
<p class="crit-path" id="critical-path"><strong>Critical path</strong> (what set the makespan; shorten these to finish sooner): ${path}</p>
<h2>Durations over the last ${history.runIds.length} run${history.runIds.length === 1 ? '' : 's'}</h2>
<table id="history"><thead><tr><th>check</th><th>status</th><th>this run</th><th>median / min / max</th><th>trend (oldest → newest)</th><th>runs</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body>
</html>
`;
}
