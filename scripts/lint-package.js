// Lints the package as it would be published: packs it once (without rebuilding: run after the build), then
// publint checks package.json against the files, and arethetypeswrong checks the types every resolution mode finds.
// CommonJS callers load the ESM build through Node's require(esm) (Node >= 20.19); attw's "ESM (dynamic import
// only)" describes TypeScript's --module node16, which predates it (nodenext allows it), so that rule is ignored.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'fanout-pack-'));
try {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { encoding: 'utf8' }));
  const tarball = join(dir, packed.filename);
  execFileSync('npx', ['publint', '--strict', '--pack', 'false'], { stdio: 'inherit' });
  execFileSync('npx', ['attw', tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped'], { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
