// `fanout init [--template NAME] [--force] [--output FILE] [--list-templates] [--assist]`: writes a starter config.
// VibeGuard's template names write VibeGuard's vibeguard.yaml and say what `vibeguard init` says; fanout's own write a
// fanout.yaml. It never writes beside a config already there (this folder and those above it, as `check` looks them up)
// without --force.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE_NAMES as CONFIG_NAMES, configFolders, isVibeguardFileName } from '../../config/index.js';
import { didYouMean } from '../../common/suggest.js';
import { messageOf } from '../../common/errors.js';
import { EXIT_USAGE, UsageError } from '../errors.js';
import { HEADER, TEMPLATES } from './templates.js';
import { detectChecks, detectedConfig, type DetectedCheck } from './detect.js';
import { displayPath } from '../../common/text.js';
import { print, printErr, printJson } from '../terminal.js';
import { selfCommand } from '../invocation.js';
import { VIBEGUARD_ASSIST_PROMPT, VIBEGUARD_DEFAULT_TEMPLATE, VIBEGUARD_TEMPLATES } from './vibeguard-templates.js';

/** Options of `fanout init`. */
export interface InitOptions {
  /** `--template`: a template name, or `list` to list them. @default the folder's: see {@link initCommand} */
  template?: string | undefined;
  /** `--force`: write even where a config exists (overwriting the file written). */
  force: boolean;
  /**
   * `--output`: the file to write; with `assist`, where the setup guide goes.
   * @default vibeguard.yaml for VibeGuard's templates, fanout.yaml for fanout's; stdout for the guide
   */
  output?: string | undefined;
  /** `--list-templates`: list the templates instead. */
  list: boolean;
  /** `--json`: the template list as JSON. */
  json: boolean;
  /** `--assist`: print (or write to `output`) VibeGuard's setup guide for an AI agent instead of a config. @default false */
  assist?: boolean | undefined;
  /** The folder to write in. @default process.cwd() */
  cwd?: string | undefined;
}

/** Exit code of `init --assist` when the guide cannot be written (VibeGuard's). */
const EXIT_ASSIST_WRITE = 3;

/** The template chosen: its name as the success message gives it, the text, the file it goes to by default. */
interface Chosen {
  vibeguard: boolean;
  label: string;
  body: string;
  file: 'vibeguard.yaml' | 'fanout.yaml';
  /** Without --template: the checks found in the project (none: the minimal template was taken). */
  detected?: DetectedCheck[];
}

/**
 * Runs `fanout init`. Without `--template`, a folder whose config is a vibeguard.* file (replaced with `--force`)
 * gets VibeGuard's default; any other gets checks built from what the project has (see detect.ts), or the minimal
 * template when nothing is recognised. A fanout.yaml written in a git repository gets `.fanout/` added to the
 * repository's .gitignore when no line there ignores it (run logs hold the checks' output unmasked).
 * Exit codes: 0 written; 1 an unknown template, or a vibeguard.* config already there; 2 another config already
 * there; 3 the `--assist` guide could not be written.
 *
 * @example
 * ```ts
 * await initCommand({ template: 'go-minimal', force: false, list: false, json: false }); // writes vibeguard.yaml
 * ```
 */
export async function initCommand(options: InitOptions): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  if (options.list || options.template === 'list') {
    listTemplates(options.json);
    return 0;
  }
  if (options.assist === true) return writeAssist(cwd, options.output);
  const chosen = chooseTemplate(cwd, options.template);
  if (chosen === undefined) {
    const name = options.template ?? '';
    printErr(`Error: unknown template "${name}"${didYouMean(name, templateNames())} (use --list-templates to see available templates)\n`);
    return 1;
  }
  const target = resolve(cwd, options.output ?? chosen.file);
  const { folders, root } = await configFolders(cwd);
  if (!options.force) {
    const existing = [target, ...configsAround(cwd, folders)].find((file) => present(file));
    if (existing !== undefined) return refuse(existing, cwd, existing === target);
  }
  const other = CONFIG_NAMES.map((file) => join(cwd, file)).find((file) => file !== target && present(file));
  const body = chosen.vibeguard ? chosen.body : withSchemaLine(chosen.body, dirname(target), folders);
  try {
    // Without --force, created exclusively: a file (or a link) that appeared since the look above is not overwritten.
    writeFileSync(target, body, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return refuse(target, cwd, true);
    // A folder there, no permission, a full disk: the user's to fix, said in one line (not an internal error).
    throw new UsageError(`cannot write ${displayPath(target, cwd)}: ${messageOf(error)}`, 'ERR_USAGE', { cause: error });
  }
  if (chosen.vibeguard) {
    const name = options.output === undefined ? chosen.file : displayPath(target, cwd);
    print(
      `Created ${target} (template: ${chosen.label})\n\nNext steps:\n  1. Review and customize the checks in ${name}\n  2. Run 'vibeguard check' to execute all checks\n  3. Run 'vibeguard validate' to verify your configuration\n`,
    );
  } else {
    const flag = options.output === undefined || options.output === chosen.file ? '' : ` -c ${options.output}`;
    if (chosen.detected === undefined) {
      print(`wrote ${displayPath(target, cwd)} (template ${chosen.label}); run it with: ${selfCommand(cwd)} check${flag}\n`);
    } else {
      print(detectedSummary(displayPath(target, cwd), chosen.detected, `${selfCommand(cwd)} check${flag}`));
    }
    print(ignoreLogs(root, cwd));
  }
  if (other !== undefined && CONFIG_NAMES.indexOf(displayPath(other, cwd)) < CONFIG_NAMES.indexOf(displayPath(target, cwd))) {
    printErr(`fanout: note: ${displayPath(other, cwd)} is found first when no -c is given\n`);
  }
  return 0;
}

/** The editor's schema line the templates start with. */
const SCHEMA_LINE = /^# yaml-language-server: \$schema=\S*\n/;

/**
 * A fanout.yaml's first line points the YAML language server at the schema the fanout installed in the project ships:
 * the nearest node_modules/fanout of the project's folders (`folders`: from the one init runs in up to the
 * repository's root), by a path relative to `dir`, the config's folder. A project without one (Python, Go: fanout
 * installed globally or run with npx) gets no line rather than one naming a file that is not there.
 */
function withSchemaLine(body: string, dir: string, folders: readonly string[]): string {
  const schema = folders.map((folder) => join(folder, 'node_modules', 'fanout', 'schema', 'fanout.schema.json')).find((file) => existsSync(file));
  if (schema === undefined) return body.replace(SCHEMA_LINE, '');
  const path = relative(dir, schema).split(sep).join('/');
  return body.replace(SCHEMA_LINE, `# yaml-language-server: $schema=${path.startsWith('../') ? path : `./${path}`}\n`);
}

/** What init says of the checks it found: each with its command and why, then how to run them. */
function detectedSummary(file: string, checks: readonly DetectedCheck[], command: string): string {
  if (checks.length === 0) {
    return `wrote ${file} (template minimal: nothing here to build a check from — no package.json script but npm's placeholder, no linter, type checker or test setup, pyproject.toml, go.mod, Cargo.toml or Makefile target it knows); adapt its checks, then run: ${command}\n`;
  }
  const width = Math.max(...checks.map((check) => check.id.length));
  const rows = checks.map((check) => `  ${check.id.padEnd(width)}  ${check.run}  (${check.why})\n`).join('');
  return `wrote ${file} with ${checks.length === 1 ? '1 check' : `${checks.length} checks`} from what this project has:\n${rows}run them with: ${command}\n`;
}

/** A .gitignore line that already keeps the run logs out: `.fanout/`, `/.fanout`, `.fanout/*`, with a leading `**\/`… */
const IGNORES_LOGS = /^\/?(\*\*\/)?\.fanout(\/(\*\*?)?)?\s*$/;

/**
 * Keeps `.fanout/` (run logs: the checks' output, unmasked) out of git: in a repository, adds the line to its root's
 * .gitignore when none there ignores it; outside one, or where .gitignore is not a plain file, says what to do.
 * Returns what to print.
 */
function ignoreLogs(root: string, cwd: string): string {
  if (!present(join(root, '.git'))) return 'note: .fanout/ will hold run logs with the checks\' output unmasked: keep it out of version control\n';
  const file = join(root, '.gitignore');
  let fd: number;
  try {
    // Never through a link, never into a FIFO or a device: a plain file, appended to, or a new one.
    fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (error) {
    return `note: could not open ${file} (${messageOf(error)}): add .fanout/ to it (run logs hold the checks' output unmasked)\n`;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 1024 * 1024) return `note: ${file} is not a plain text file: add .fanout/ to it (run logs hold the checks' output unmasked)\n`;
    const text = readFileSync(fd, 'utf8');
    if (text.split(/\r?\n/).some((line) => IGNORES_LOGS.test(line))) return '';
    writeSync(fd, `${text === '' || text.endsWith('\n') ? '' : '\n'}.fanout/\n`);
    return `added .fanout/ to ${relative(cwd, file)} (run logs hold the checks' output unmasked)\n`;
  } catch (error) {
    return `note: could not update ${file} (${messageOf(error)}): add .fanout/ to it (run logs hold the checks' output unmasked)\n`;
  } finally {
    closeSync(fd);
  }
}

function templateNames(): string[] {
  return [...VIBEGUARD_TEMPLATES.map((t) => t.name), ...Object.keys(TEMPLATES)];
}

function chooseTemplate(cwd: string, name: string | undefined): Chosen | undefined {
  if (name === undefined) {
    const here = CONFIG_NAMES.map((file) => join(cwd, file)).find((file) => present(file));
    if (here !== undefined && isVibeguardFileName(here)) return { vibeguard: true, label: 'default (Go)', body: VIBEGUARD_DEFAULT_TEMPLATE, file: 'vibeguard.yaml' };
    const detected = detectChecks(cwd);
    const minimal = TEMPLATES.minimal?.body ?? '';
    return { vibeguard: false, label: 'detected', body: detected.length === 0 ? minimal : detectedConfig(detected, HEADER), file: 'fanout.yaml', detected };
  }
  const vibeguard = VIBEGUARD_TEMPLATES.find((t) => t.name === name);
  if (vibeguard !== undefined) return { vibeguard: true, label: vibeguard.name, body: vibeguard.body, file: 'vibeguard.yaml' };
  const own = Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
  return own === undefined ? undefined : { vibeguard: false, label: name, body: own.body, file: 'fanout.yaml' };
}

/** True when something is at `file`: a file, a folder, a link (even a broken one). */
function present(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The config files `fanout check` could take from `cwd`, so none is shadowed or duplicated unawares: every name in
 * `cwd`, and in the folders above it up to the repository's root (or the filesystem's) every name too — a
 * vibeguard.* file there is not looked up, but it names the project's config all the same.
 */
function configsAround(cwd: string, folders: readonly string[]): string[] {
  return folders.flatMap((folder) => CONFIG_NAMES.map((file) => join(folder, file)));
}

/**
 * Names the config in the way and exits as VibeGuard does for a vibeguard.* file (1), else 2. `isTarget`: it is the
 * file init would write (overwritten with --force), not a config of this folder or one above.
 */
function refuse(existing: string, cwd: string, isTarget: boolean): number {
  // A config above this folder is shown as ../fanout.yaml, the file to write as the user named it.
  const shown = isTarget || dirname(existing) === cwd ? displayPath(existing, cwd) : relative(cwd, existing);
  if (isVibeguardFileName(existing)) {
    printErr(`Error: configuration file "${shown}" already exists (use --force to overwrite)\n`);
    return 1;
  }
  printErr(`fanout: ${shown} already exists; use --force to ${isTarget ? 'overwrite it' : 'write a config here anyway'}\n`);
  return EXIT_USAGE;
}

/** `init --assist`: VibeGuard's setup guide on stdout, or in `output` (exit 3 when it cannot be written). */
function writeAssist(cwd: string, output: string | undefined): number {
  if (output === undefined) {
    print(VIBEGUARD_ASSIST_PROMPT);
    return 0;
  }
  const target = resolve(cwd, output);
  try {
    writeFileSync(target, VIBEGUARD_ASSIST_PROMPT);
  } catch (error) {
    printErr(`Error: failed to write output file: ${messageOf(error)}\n`);
    return EXIT_ASSIST_WRITE;
  }
  printErr(`Setup prompt written to: ${target}\n`);
  return 0;
}

/** The templates, VibeGuard's (in its words) then fanout's; `--json`: name, description and the file each writes. */
function listTemplates(json: boolean): void {
  const own = Object.entries(TEMPLATES);
  if (json) {
    printJson([
      ...VIBEGUARD_TEMPLATES.map((t) => ({ name: t.name, description: t.description, file: 'vibeguard.yaml' })),
      ...own.map(([name, t]) => ({ name, description: t.description, file: 'fanout.yaml' })),
    ]);
    return;
  }
  const row = (name: string, description: string) => `  ${name.padEnd(20)} ${description}\n`;
  print(
    `Available templates:\n\n${VIBEGUARD_TEMPLATES.map((t) => row(t.name, t.description)).join('')}\n` +
      `fanout's own (they write fanout.yaml; without --template, init writes checks from what the project has):\n\n${own.map(([name, t]) => row(name, t.description)).join('')}\n` +
      'Usage: fanout init --template <name>\n',
  );
}
