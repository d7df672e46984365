/**
 * The shape of a check config, declared with valibot: every key, type, range, enum and format. The schemas run on
 * the data of {@link YamlIndex} (YAML numbers and booleans arrive as {@link YamlScalar}s, so text fields can read them
 * as written) and report every problem at once (`abortEarly` is off). Each issue's message carries its diagnostic —
 * stable code, text, and whether it points at the key or the value — for {@link issueDiagnostic} to decode; the
 * issue's `path` locates it in the file. What needs the whole config (references, cycles, vars in templates, grok
 * and assert) is checked afterwards, in resolve.ts.
 */
import * as v from 'valibot';
import { parseDuration } from '../common/duration.js';
import { didYouMean } from '../common/suggest.js';
import { describe, isMapData, scalarText, YamlScalar } from './yaml-data.js';

/** Pattern every check and prompt id must match (VibeGuard's). */
export const ID_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_-]*$/;
/** Pattern every tag must match (VibeGuard's). */
export const TAG_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Pattern of a `lock` name. */
export const LOCK_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;
/** Pattern of `vars` names (usable as `{{.name}}`) and `env` names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---- diagnostics carried by issue messages ----

/** What an issue becomes: its diagnostic code and text, and where it is reported. */
export interface IssueDiagnostic {
  code: string;
  message: string;
  /**
   * Where it is reported: `value` (default) at the value written, or its map when the key is missing; `key` at the
   * key (unknown keys, bad names); `owner` at the map holding the key (a missing field); `start` at line 1.
   */
  at?: 'key' | 'value' | 'owner' | 'start';
  /** A warning in VibeGuard files unless `--strict` (VibeGuard ignores these), an error elsewhere. */
  compat?: boolean;
  /**
   * The message names the field the issue is at, known from the issue's path: the full text is `before`, the field's
   * dotted name (`run`, `env.HOME`, `on.failure`), then `message`.
   */
  field?: { before: string };
}

const MARK = '\u0000fanout-diagnostic:';

type Issue = v.BaseIssue<unknown>;

/** A valibot message that carries a diagnostic. `text` gets the issue (its `input` is the value found). */
function fail(code: string, text: string | ((issue: Issue) => string), options: Omit<IssueDiagnostic, 'code' | 'message'> = {}): (issue: Issue) => string {
  return (issue) => {
    const message = typeof text === 'string' ? text : text(issue);
    const diagnostic: IssueDiagnostic = { code, message, ...options };
    return MARK + JSON.stringify(diagnostic);
  };
}

/** A valibot message naming the field the issue is at: `before`, the field's name, then `after`. */
function failField(code: string, before: string, after: (issue: Issue) => string): (issue: Issue) => string {
  return fail(code, after, { field: { before } });
}

/** The diagnostic an issue carries; issues without one (none expected) read as `invalid-type` with valibot's text. */
export function issueDiagnostic(issue: Issue): IssueDiagnostic {
  if (issue.message.startsWith(MARK)) return JSON.parse(issue.message.slice(MARK.length)) as IssueDiagnostic;
  return { code: 'invalid-type', message: issue.message };
}

/** A valibot path item for issues a raw check adds below the value it checks. */
function pathTo(input: Record<string, unknown>, key: string): v.ObjectPathItem {
  return { type: 'object', origin: 'value', input, key, value: input[key] };
}

const got = (issue: Issue): string => describe(issue.input);

// ---- scalars ----

/** Free text: a YAML string, or a number or boolean read as written (`1.20` → "1.20", as VibeGuard reads it). */
function text(what?: string) {
  const after = (i: Issue): string => ` must be text, got ${got(i)}`;
  return v.pipe(
    v.custom<string | YamlScalar>((input) => scalarText(input) !== undefined, what === undefined ? failField('invalid-type', '', after) : fail('invalid-type', (i) => what + after(i))),
    v.transform((input) => scalarText(input) ?? ''),
  );
}

/** A value that must be written as a YAML string (names, ids, enums: `42` is not an id). */
function yamlString(what?: string) {
  const after = (i: Issue): string => ` must be a string, got ${got(i)}`;
  return v.string(what === undefined ? failField('invalid-type', '', after) : fail('invalid-type', (i) => what + after(i)));
}

/** Text that is not only blank: `<field> must not be empty`, or the message given. */
function notBlank(message?: string) {
  return v.check((value: string) => value.trim() !== '', message === undefined ? failField('empty-field', '', () => ' must not be empty') : fail('empty-field', message));
}

function id(owner: 'check' | 'prompt') {
  return v.pipe(
    yamlString(`${owner} id`),
    v.regex(ID_PATTERN, fail('invalid-id', (i) => `invalid ${owner} id ${JSON.stringify(i.input)}: must match ${ID_PATTERN.source}`)),
  );
}

const Tag = v.pipe(
  yamlString('each tag'),
  v.regex(TAG_PATTERN, fail('invalid-tag', (i) => `invalid tag ${JSON.stringify(i.input)}: must match ${TAG_PATTERN.source}`)),
);

/** `compat`: whose semantics the file has, whatever its name. */
const Compat = v.pipe(
  yamlString('compat'),
  v.picklist(['vibeguard', 'fanout'], fail('invalid-compat', (i) => `invalid compat ${JSON.stringify(i.input)}: expected "vibeguard" or "fanout"`)),
);

const Severity = v.pipe(
  yamlString('severity'),
  v.picklist(
    ['error', 'warning'],
    fail('invalid-severity', (i) => `invalid severity ${JSON.stringify(i.input)}: expected "error" or "warning"${didYouMean(String(i.input), ['error', 'warning'])}`),
  ),
);

function timeoutMessage(issue: Issue): string {
  const written = scalarText(issue.input);
  const shown = written === undefined ? describe(issue.input) : JSON.stringify(written);
  const hint = written !== undefined && /^-?\d+(\.\d+)?$/.test(written) ? ` (add a unit: "${written}s")` : '';
  return `invalid timeout ${shown}: expected a duration such as 500ms, 30s, 2m or 1h30m${hint}`;
}

/**
 * A Go duration, in ms. A bare `0` is one too, quoted or not (Go's ParseDuration and VibeGuard accept it, meaning the
 * default); other numbers without a unit are errors, as in Go.
 */
const Timeout = v.pipe(
  v.custom<string | YamlScalar>(
    (input) => (input instanceof YamlScalar ? input.value === 0 : typeof input === 'string' && parseDuration(input) !== null),
    fail('invalid-duration', timeoutMessage),
  ),
  v.transform((input) => (typeof input === 'string' ? (parseDuration(input) ?? 0) : 0)),
);

const retriesMessage = fail('invalid-retries', (i) => `retries must be an integer >= 0, got ${got(i)}`);
const Retries = v.pipe(
  v.custom<YamlScalar>((input) => input instanceof YamlScalar && typeof input.value === 'number', retriesMessage),
  v.transform((input) => input.value as number),
  v.safeInteger(retriesMessage),
  v.minValue(0, retriesMessage),
);


/** A boolean written as `true` or `false` (not the text "yes"). */
function flag(name: string) {
  return v.pipe(
    v.custom<YamlScalar>((input) => input instanceof YamlScalar && typeof input.value === 'boolean', fail('invalid-type', (i) => `${name} must be true or false, got ${got(i)}`)),
    v.transform((input) => input.value === true),
  );
}

/**
 * An `inputs` glob: relative to the config's folder and inside it (a leading `/` anchors there, `!` excludes). A `..`
 * segment would reach files the listing of the folder never sees, so the check could never notice them change.
 */
const InputGlob = v.pipe(
  yamlString('each entry of inputs'),
  notBlank('an entry of inputs is empty'),
  v.check(
    (glob: string) => glob.replace(/^!/, '').trim() !== '' && !glob.replace(/^!/, '').split('/').includes('..'),
    fail('invalid-input', (i) => {
      const glob = String(i.input).replace(/^!/, '');
      return glob.trim() === ''
        ? `invalid input ${JSON.stringify(i.input)}: "!" needs a glob to exclude`
        : `invalid input ${JSON.stringify(i.input)}: inputs are globs inside the config's folder, ".." leaves it`;
    }),
  ),
);

const EnvInput = v.pipe(
  yamlString('each entry of env_inputs'),
  v.regex(NAME_PATTERN, fail('invalid-env', (i) => `invalid environment variable name ${JSON.stringify(i.input)} in env_inputs: must match ${NAME_PATTERN.source}`)),
);

const Lock = v.pipe(
  yamlString('lock'),
  v.regex(LOCK_PATTERN, fail('invalid-lock', (i) => `invalid lock name ${JSON.stringify(i.input)}: must match ${LOCK_PATTERN.source}`)),
);

/** `version`: "1" or 1 (or empty, which VibeGuard reads as the default). */
const Version = v.custom<string | YamlScalar>(
  (input) => scalarText(input) === '1' || scalarText(input) === '',
  fail('unsupported-version', (i) => {
    const written = scalarText(i.input);
    return `unsupported config version ${written === undefined ? got(i) : JSON.stringify(written)} (supported: "1")`;
  }),
);

// ---- containers ----

function list<T extends v.GenericSchema>(item: T) {
  return v.array(item, failField('invalid-type', '', (i) => ` must be a list, got ${got(i)}`));
}

/** A list, or one scalar standing for a list of it (`grok: pattern`, `files: "src/**"`). */
function listOrOne<T extends v.GenericSchema>(item: T) {
  const many = v.array(item);
  const one = v.pipe(
    v.custom<unknown>((input) => typeof input === 'string' || input instanceof YamlScalar, failField('invalid-type', '', (i) => ` must be a list or a string, got ${got(i)}`)),
    item,
    v.transform((value: v.InferOutput<T>) => [value]),
  );
  return v.lazy((input) => (Array.isArray(input) ? many : one));
}

/** A check over a whole map, once its fields are validated: it adds issues for what one field cannot know. */
type MapCheck = (value: Record<string, unknown>, addIssue: v.RawCheckAddIssue<Record<string, unknown>>) => void;

/**
 * A map with known keys (each nullable: `key: ~` is the key left out, as in VibeGuard). Unknown keys are reported
 * (errors, or warnings in VibeGuard files) with a did-you-mean; `x-…` keys are allowed with `extensions`. `check`
 * adds what needs several fields (required keys, messages naming the check).
 */
function fields<E extends v.ObjectEntries>(entries: E, notAMap: (issue: Issue) => string, options: { extensions?: boolean; check?: MapCheck } = {}) {
  const known = Object.keys(entries);
  return v.pipe(
    v.custom<Record<string, unknown>>(isMapData, notAMap),
    v.looseObject(entries),
    v.rawCheck<v.InferOutput<v.LooseObjectSchema<E, undefined>>>(({ dataset, addIssue }) => {
      const value: unknown = dataset.value;
      if (!isMapData(value)) return;
      for (const key of Object.keys(value)) {
        if (known.includes(key) || (options.extensions === true && key.startsWith('x-'))) continue;
        addIssue({
          message: fail('unknown-key', `unknown key ${JSON.stringify(key)}${didYouMean(key, known)}`, { at: 'key', compat: true }),
          path: [pathTo(value, key)],
        });
      }
      options.check?.(value, addIssue);
    }),
  );
}

function record<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V) {
  return v.pipe(v.custom<Record<string, unknown>>(isMapData, failField('invalid-type', '', (i) => ` must be a map, got ${got(i)}`)), v.record(key, value));
}

const Vars = record(
  v.pipe(
    v.string(),
    v.regex(
      NAME_PATTERN,
      fail('invalid-var-name', (i) => `var name ${JSON.stringify(i.input)} cannot be used as {{.${String(i.input)}}}: use letters, digits and _, not starting with a digit`, {
        at: 'key',
        compat: true,
      }),
    ),
  ),
  v.nullish(text(), ''),
);

const Env = record(
  v.pipe(v.string(), v.regex(NAME_PATTERN, fail('invalid-env', (i) => `invalid environment variable name ${JSON.stringify(i.input)}: must match ${NAME_PATTERN.source}`, { at: 'key' }))),
  text(),
);

/** What an `on:` event triggers: a list of prompt ids, or inline text. */
const PromptId = v.string(failField('invalid-type', 'each prompt id of ', (i) => ` must be a string, got ${got(i)}`));
const PromptIds = v.pipe(list(PromptId), v.transform((prompts) => ({ prompts })));
const InlineText = v.pipe(
  v.custom<string | YamlScalar>((input) => scalarText(input) !== undefined, failField('invalid-type', '', (i) => ` must be a list of prompt ids or text, got ${got(i)}`)),
  text(),
  v.transform((value) => ({ text: value })),
);
const Trigger = v.nullish(v.lazy((input) => (Array.isArray(input) ? PromptIds : InlineText)));

const On = fields({ success: Trigger, failure: Trigger, timeout: Trigger }, fail('invalid-type', (i) => `on must be a map, got ${got(i)}`));

/** Required fields (absent or null), and the checks whose messages name the owner by its id. */
function required(owner: 'check' | 'prompt', keys: readonly string[]): MapCheck {
  return (value, addIssue) => {
    const written = typeof value.id === 'string' ? value.id : undefined;
    // A check is named by whatever text its id has; a prompt only by a valid id (as the messages always did).
    const named = owner === 'check' || (written !== undefined && ID_PATTERN.test(written)) ? written : undefined;
    const name = named === undefined ? owner : `${owner} "${named}"`;
    for (const key of keys) {
      if (value[key] === null || value[key] === undefined) {
        // The issue's path names the key (so only that field counts as broken), reported at the map that lacks it.
        addIssue({ message: fail('missing-field', `${key === 'id' ? owner : name} is missing "${key}"`, { at: 'owner' }), path: [pathTo(value, key)] });
      }
    }
    if (owner === 'check' && typeof value.run === 'string' && value.run.trim() === '') {
      addIssue({ message: fail('empty-field', `${name} has an empty "run"`), path: [pathTo(value, 'run')] });
    }
  };
}

const Tags = v.pipe(
  list(Tag),
  v.transform((tags: string[]) => [...new Set(tags)]),
);

const PROMPT_REQUIRED = ['id', 'content'];
const CHECK_REQUIRED = ['id', 'run'];

const Prompt = fields(
  { id: v.nullish(id('prompt')), description: v.nullish(text()), content: v.nullish(text()), tags: v.nullish(Tags) },
  fail('invalid-type', (i) => `each prompt must be a map with id and content, got ${got(i)}`),
  { check: required('prompt', PROMPT_REQUIRED) },
);

const Check = fields(
    {
      id: v.nullish(id('check')),
      run: v.nullish(text()),
      grok: v.nullish(listOrOne(text('each grok pattern'))),
      file: v.nullish(v.pipe(text(), notBlank())),
      assert: v.nullish(text()),
      severity: v.nullish(Severity),
      suggestion: v.nullish(text()),
      fix: v.nullish(text()),
      requires: v.nullish(list(yamlString('each entry of requires'))),
      tags: v.nullish(Tags),
      timeout: v.nullish(Timeout),
      on: v.nullish(On),
      async: v.nullish(flag('async')),
      cwd: v.nullish(v.pipe(text(), notBlank())),
      env: v.nullish(Env),
      retries: v.nullish(Retries),
      files: v.nullish(listOrOne(v.pipe(yamlString('each entry of files'), notBlank('an entry of files is empty')))),
      lock: v.nullish(Lock),
      inputs: v.nullish(listOrOne(InputGlob)),
      env_inputs: v.nullish(listOrOne(EnvInput)),
      cache: v.nullish(flag('cache')),
    },
    fail('invalid-type', (i) => `each check must be a map with id and run, got ${got(i)}`),
    { check: required('check', CHECK_REQUIRED) },
);

/** The whole file. */
export const ConfigSchema = fields(
  {
    version: v.nullish(Version),
    compat: v.nullish(Compat),
    vars: v.nullish(Vars),
    prompts: v.nullish(list(Prompt)),
    checks: v.nullish(v.pipe(list(Check), v.minLength(1, fail('no-checks', 'no checks defined')))),
  },
  (issue) =>
    issue.input === null || issue.input === undefined
      ? fail('no-checks', 'no checks defined: the file is empty', { at: 'start' })(issue)
      : fail('invalid-type', `the config must be a map with a "checks" list, got ${got(issue)}`)(issue),
  {
    extensions: true,
    check: (value, addIssue) => {
      if (value.checks === null || value.checks === undefined) {
        addIssue({ message: fail('no-checks', 'no checks defined', { at: 'key' }), path: [pathTo(value, 'checks')] });
      }
    },
  },
);

/**
 * The keys each map of the format knows, and those it requires, as the schemas above declare them: what the test
 * holding schema/fanout.schema.json to the validator compares key for key.
 */
export const FORMAT_KEYS = {
  config: { known: Object.keys(ConfigSchema.pipe[1].entries), required: ['checks'] },
  prompt: { known: Object.keys(Prompt.pipe[1].entries), required: PROMPT_REQUIRED },
  check: { known: Object.keys(Check.pipe[1].entries), required: CHECK_REQUIRED },
  on: { known: Object.keys(On.pipe[1].entries), required: [] },
} as const;

/** The config as the schema outputs it. Fields with an issue keep their raw input: read only those without one. */
export type ConfigOutput = v.InferOutput<typeof ConfigSchema>;
export type CheckOutput = v.InferOutput<typeof Check>;
export type PromptOutput = v.InferOutput<typeof Prompt>;
export type TriggerOutput = NonNullable<v.InferOutput<typeof Trigger>>;

