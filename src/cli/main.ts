#!/usr/bin/env node
// The CLI entry point. It stays tiny at start-up: heavy modules are imported lazily by the commands that need them.
import pkg from '../../package.json' with { type: 'json' };

const args = process.argv.slice(2);
if (args[0] === '--version' || args[0] === '-V') {
  process.stdout.write(`${pkg.version}\n`);
} else {
  process.stderr.write(`fanout ${pkg.version}: the command-line interface is not built yet; only --version works.\n`);
  process.exitCode = 2;
}
