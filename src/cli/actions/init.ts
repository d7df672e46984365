// `fanout init [--template NAME] [--force]`: writes a starter config.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE_NAMES as CONFIG_NAMES } from '../../config/load.js';
import { didYouMean } from '../../config/suggest.js';
import { UsageError } from '../errors.js';
import { detectTemplate, TEMPLATES } from './templates.js';
import { displayPath } from '../../shared/text.js';
import { print, printErr, printJson } from '../terminal.js';

export interface InitOptions {
  template?: string | undefined;
  force: boolean;
  output: string;
  list: boolean;
  json: boolean;
}


export function initCommand(options: InitOptions): Promise<number> {
  const cwd = process.cwd();
  if (options.list) {
    if (options.json) printJson(Object.entries(TEMPLATES).map(([name, t]) => ({ name, description: t.description })));
    else for (const [name, t] of Object.entries(TEMPLATES)) print(`${name.padEnd(16)}  ${t.description}\n`);
    return Promise.resolve(0);
  }
  const name = options.template ?? detectTemplate((file) => existsSync(join(cwd, file)));
  const template = TEMPLATES[name];
  if (!template) throw new UsageError(`unknown template "${name}"${didYouMean(name, Object.keys(TEMPLATES))}; templates: ${Object.keys(TEMPLATES).join(', ')}`);
  const target = resolve(cwd, options.output);
  if (existsSync(target) && !options.force) throw new UsageError(`${displayPath(target, cwd)} already exists; use --force to overwrite it`);
  const other = CONFIG_NAMES.map((file) => join(cwd, file)).find((file) => file !== target && existsSync(file));
  try {
    // Without --force, created exclusively: a file (or a link) that appeared since the check above is not overwritten.
    writeFileSync(target, template.body, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${displayPath(target, cwd)} already exists; use --force to overwrite it`, 'ERR_USAGE', { cause: error });
    throw error;
  }
  print(`wrote ${displayPath(target, cwd)} (template ${name}); run it with: fanout check${options.output === 'fanout.yaml' ? '' : ` -c ${options.output}`}\n`);
  if (other !== undefined && CONFIG_NAMES.indexOf(displayPath(other, cwd)) < CONFIG_NAMES.indexOf(displayPath(target, cwd))) {
    printErr(`fanout: note: ${displayPath(other, cwd)} is found first when no -c is given\n`);
  }
  return Promise.resolve(0);
}
