// Makes the README's pictures from a real run of the bundled example (never drawn by hand; rerun when the UI
/* eslint-disable no-control-regex -- the escape codes of a captured terminal are what this script parses */
// changes): docs/images/terminal.svg is `fanout check -v` as a real terminal (tmux) shows it once the run ended,
// colours included; docs/images/timeline.png is the HTML report of that run (`fanout report --html`) as headless
// Chromium renders it. Needs tmux and chromium; run after the build (`npm run docs` does both).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const images = join(root, 'docs/images');
const work = mkdtempSync(join(tmpdir(), 'fanout-docs-'));
const socket = `fanout-docs-${process.pid}`;
const COLUMNS = 100;
const ROWS = 32;

try {
  mkdirSync(images, { recursive: true });
  copyFileSync(join(root, 'examples/fanout.yaml'), join(work, 'fanout.yaml'));
  const command = `node ${JSON.stringify(join(root, 'dist/cli.js'))} check -v; echo __end__; sleep 60`;
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-x', String(COLUMNS), '-y', String(ROWS), '-c', work, command]);
  let screen = '';
  for (let tries = 0; tries < 600 && !screen.includes('__end__'); tries++) {
    spawnSync('sleep', ['0.1']);
    screen = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-e', '-t', '0'], { encoding: 'utf8' });
  }
  if (!screen.includes('__end__')) throw new Error('the example run did not end within a minute');
  const lines = screen.split('\n');
  const end = lines.findIndex((line) => line.includes('__end__'));
  writeFileSync(join(images, 'terminal.svg'), terminalSvg(lines.slice(0, end)));

  const html = join(work, 'report.html');
  execFileSync('node', [join(root, 'dist/cli.js'), 'report', '--html', html], { cwd: work, stdio: 'inherit' });
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((name) => spawnSync('which', [name]).status === 0);
  if (chromium === undefined) throw new Error('no chromium found: apt-get install chromium');
  execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${join(images, 'timeline.png')}`, '--window-size=1100,760', `file://${html}`], { stdio: 'ignore' });
  console.log(`wrote ${join(images, 'terminal.svg')} and ${join(images, 'timeline.png')}`);
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
}

/** The captured screen (text with SGR colour codes) as an SVG of monospace text. */
function terminalSvg(/** @type {string[]} */ lines) {
  while (lines.length > 0 && (lines.at(-1) ?? '').replace(/\x1b\[[0-9;]*m/g, '').trim() === '') lines.pop();
  const colours = { 31: '#f85149', 32: '#3fb950', 33: '#d29922', 34: '#58a6ff', 35: '#bc8cff', 36: '#39c5cf', 90: '#8b949e' };
  const cell = { width: 8.4, height: 18 };
  const escape = (/** @type {string} */ text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = lines.map((line, row) => {
    let colour = '#c9d1d9';
    let bold = false;
    let dim = false;
    const spans = [];
    for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
      const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
      if (sgr) {
        for (const code of (sgr[1] || '0').split(';').map(Number)) {
          if (code === 0) [colour, bold, dim] = ['#c9d1d9', false, false];
          else if (code === 1) bold = true;
          else if (code === 2) dim = true;
          else if (code === 22) [bold, dim] = [false, false];
          else if (code === 39) colour = '#c9d1d9';
          else if (code in colours) colour = colours[/** @type {keyof typeof colours} */ (code)];
        }
      } else if (part !== '') {
        spans.push(`<tspan fill="${dim ? '#8b949e' : colour}"${bold ? ' font-weight="bold"' : ''}>${escape(part)}</tspan>`);
      }
    }
    return `<text x="16" y="${(32 + row * cell.height).toFixed(0)}" xml:space="preserve">${spans.join('')}</text>`;
  });
  const width = Math.ceil(32 + COLUMNS * cell.width);
  const height = Math.ceil(40 + lines.length * cell.height);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="14">
<rect width="100%" height="100%" rx="8" fill="#0d1117"/>
${rows.join('\n')}
</svg>
`;
}
