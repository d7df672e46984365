/**
 * Invalid configs, each with every diagnostic it must produce (`file:line:col: message`) and their codes. Shared by
 * the validator's table test and the JSON Schema agreement test.
 */

export interface InvalidCase {
  name: string;
  /** File name the text is loaded as. @default 'fanout.yaml' */
  file?: string;
  strict?: boolean;
  yaml: string;
  /** Every diagnostic, formatted, in order. */
  expected: string[];
  /** The codes of `expected`, in order. */
  codes: string[];
}

/** Strips the common indentation of a template literal (so cases can be indented in this file). */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

export const INVALID_CASES: InvalidCase[] = [
  {
    name: 'YAML syntax error: an unclosed flow list',
    yaml: yaml`
      checks: [
        { id: a, run: x }
    `,
    expected: [
      'fanout.yaml:1:9: this "[" is never closed: end the flow sequence with "]"',
    ],
    codes: ["yaml-syntax"],
  },
  {
    name: 'YAML syntax error: a duplicate key',
    yaml: yaml`
      checks:
        - id: a
          run: x
          run: y
    `,
    expected: [
      "fanout.yaml:4:5: Map keys must be unique",
    ],
    codes: ["yaml-syntax"],
  },
  {
    name: 'YAML syntax error: a tab used for indentation',
    yaml: yaml`
      checks:
        - id: a
      	run: x
    `,
    expected: [
      "fanout.yaml:3:1: Tabs are not allowed as indentation",
    ],
    codes: ["yaml-syntax"],
  },
  {
    name: 'an empty file',
    yaml: yaml`
      # nothing here
    `,
    expected: [
      "fanout.yaml:1:1: no checks defined: the file is empty",
    ],
    codes: ["no-checks"],
  },
  {
    name: 'a top level that is a list',
    yaml: yaml`
      - id: a
        run: x
    `,
    expected: [
      "fanout.yaml:1:1: the config must be a map with a \"checks\" list, got a list",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'no checks key',
    yaml: yaml`
      version: "1"
      vars:
        a: b
    `,
    expected: [
      "fanout.yaml:1:1: no checks defined",
    ],
    codes: ["no-checks"],
  },
  {
    name: 'an empty checks list',
    yaml: yaml`
      checks: []
    `,
    expected: [
      "fanout.yaml:1:9: no checks defined",
    ],
    codes: ["no-checks"],
  },
  {
    name: 'checks that is not a list',
    yaml: yaml`
      checks:
        lint: npm run lint
    `,
    expected: [
      "fanout.yaml:2:3: checks must be a list, got a map",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'an unsupported version',
    yaml: yaml`
      version: 2
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:1:10: unsupported config version \"2\" (supported: \"1\")",
    ],
    codes: ["unsupported-version"],
  },
  {
    name: 'version 1.0 is not 1',
    yaml: yaml`
      version: "1.0"
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:1:10: unsupported config version \"1.0\" (supported: \"1\")",
    ],
    codes: ["unsupported-version"],
  },
  {
    name: 'a misspelled top-level key',
    yaml: yaml`
      check:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:1:1: unknown key \"check\" (did you mean \"checks\"?)",
      "fanout.yaml:1:1: no checks defined",
    ],
    codes: ["unknown-key", "no-checks"],
  },
  {
    name: 'a misspelled check key',
    yaml: yaml`
      checks:
        - id: build
          run: make
        - id: test
          run: make test
          requries: [build]
    `,
    expected: [
      "fanout.yaml:6:5: unknown key \"requries\" (did you mean \"requires\"?)",
    ],
    codes: ["unknown-key"],
  },
  {
    name: 'an unknown key in a vibeguard file under strict',
    file: 'vibeguard.yaml',
    strict: true,
    yaml: yaml`
      checks:
        - id: a
          run: x
          timeout_ms: 100
    `,
    expected: [
      "vibeguard.yaml:4:5: unknown key \"timeout_ms\" (did you mean \"timeout\"?)",
    ],
    codes: ["unknown-key"],
  },
  {
    name: 'a check that is a string',
    yaml: yaml`
      checks:
        - echo hi
    `,
    expected: [
      "fanout.yaml:2:5: each check must be a map with id and run, got the text \"echo hi\"",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a check without id',
    yaml: yaml`
      checks:
        - run: echo hi
    `,
    expected: [
      "fanout.yaml:2:5: check is missing \"id\"",
    ],
    codes: ["missing-field"],
  },
  {
    name: 'a check without run',
    yaml: yaml`
      checks:
        - id: lint
          suggestion: fix it
    `,
    expected: [
      "fanout.yaml:2:5: check \"lint\" is missing \"run\"",
    ],
    codes: ["missing-field"],
  },
  {
    name: 'a check with an empty run',
    yaml: yaml`
      checks:
        - id: lint
          run: "  "
    `,
    expected: [
      "fanout.yaml:3:10: check \"lint\" has an empty \"run\"",
    ],
    codes: ["empty-field"],
  },
  {
    name: 'an id starting with a digit',
    yaml: yaml`
      checks:
        - id: 1st
          run: x
    `,
    expected: [
      "fanout.yaml:2:9: invalid check id \"1st\": must match ^[a-zA-Z_][a-zA-Z0-9_-]*$",
    ],
    codes: ["invalid-id"],
  },
  {
    name: 'an id with a space',
    yaml: yaml`
      checks:
        - id: my check
          run: x
    `,
    expected: [
      "fanout.yaml:2:9: invalid check id \"my check\": must match ^[a-zA-Z_][a-zA-Z0-9_-]*$",
    ],
    codes: ["invalid-id"],
  },
  {
    name: 'a duplicate check id',
    yaml: yaml`
      checks:
        - id: lint
          run: x
        - id: lint
          run: y
    `,
    expected: [
      "fanout.yaml:4:9: duplicate check id \"lint\" (first defined at line 2)",
    ],
    codes: ["duplicate-id"],
  },
  {
    name: 'a numeric id',
    yaml: yaml`
      checks:
        - id: 42
          run: x
    `,
    expected: [
      "fanout.yaml:2:9: check id must be a string, got the number 42",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'an uppercase tag',
    yaml: yaml`
      checks:
        - id: a
          run: x
          tags: [fast, Slow]
    `,
    expected: [
      "fanout.yaml:4:18: invalid tag \"Slow\": must match ^[a-z][a-z0-9-]*$",
    ],
    codes: ["invalid-tag"],
  },
  {
    name: 'tags written as a string',
    yaml: yaml`
      checks:
        - id: a
          run: x
          tags: fast
    `,
    expected: [
      "fanout.yaml:4:11: tags must be a list, got the text \"fast\"",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'an unknown severity',
    yaml: yaml`
      checks:
        - id: a
          run: x
          severity: fatal
    `,
    expected: [
      "fanout.yaml:4:15: invalid severity \"fatal\": expected \"error\" or \"warning\"",
    ],
    codes: ["invalid-severity"],
  },
  {
    name: 'a misspelled severity',
    yaml: yaml`
      checks:
        - id: a
          run: x
          severity: eror
    `,
    expected: [
      "fanout.yaml:4:15: invalid severity \"eror\": expected \"error\" or \"warning\" (did you mean \"error\"?)",
    ],
    codes: ["invalid-severity"],
  },
  {
    name: 'a timeout without unit',
    yaml: yaml`
      checks:
        - id: a
          run: x
          timeout: 30
    `,
    expected: [
      "fanout.yaml:4:14: invalid timeout \"30\": expected a duration such as 500ms, 30s, 2m or 1h30m (add a unit: \"30s\")",
    ],
    codes: ["invalid-duration"],
  },
  {
    name: 'a timeout in words',
    yaml: yaml`
      checks:
        - id: a
          run: x
          timeout: 5 seconds
    `,
    expected: [
      "fanout.yaml:4:14: invalid timeout \"5 seconds\": expected a duration such as 500ms, 30s, 2m or 1h30m",
    ],
    codes: ["invalid-duration"],
  },
  {
    name: 'a timeout with a trailing number',
    yaml: yaml`
      checks:
        - id: a
          run: x
          timeout: 1h30
    `,
    expected: [
      "fanout.yaml:4:14: invalid timeout \"1h30\": expected a duration such as 500ms, 30s, 2m or 1h30m",
    ],
    codes: ["invalid-duration"],
  },
  {
    name: 'requires an unknown check (did you mean)',
    yaml: yaml`
      checks:
        - id: test
          run: x
        - id: coverage
          run: y
          requires: [tset]
    `,
    expected: [
      "fanout.yaml:6:16: check \"coverage\" requires unknown check \"tset\" (did you mean \"test\"?)",
    ],
    codes: ["unknown-require"],
  },
  {
    name: 'requires itself',
    yaml: yaml`
      checks:
        - id: a
          run: x
          requires: [a]
    `,
    expected: [
      "fanout.yaml:4:16: check \"a\" requires itself",
    ],
    codes: ["self-dependency"],
  },
  {
    name: 'requires as a string',
    yaml: yaml`
      checks:
        - id: a
          run: x
        - id: b
          run: y
          requires: a
    `,
    expected: [
      "fanout.yaml:6:15: requires must be a list, got the text \"a\"",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a cycle of two',
    yaml: yaml`
      checks:
        - id: a
          run: x
          requires: [b]
        - id: b
          run: y
          requires: [a]
    `,
    expected: [
      "fanout.yaml:4:16: cyclic dependency: a -> b -> a",
    ],
    codes: ["cycle"],
  },
  {
    name: 'a cycle of three',
    yaml: yaml`
      checks:
        - id: a
          run: x
          requires: [c]
        - id: b
          run: y
          requires: [a]
        - id: c
          run: z
          requires: [b]
    `,
    expected: [
      "fanout.yaml:4:16: cyclic dependency: a -> c -> b -> a",
    ],
    codes: ["cycle"],
  },
  {
    name: 'on references an unknown prompt',
    yaml: yaml`
      prompts:
        - id: explain-failure
          content: Explain the failure.
      checks:
        - id: a
          run: x
          on:
            failure: [explain-failur]
    `,
    expected: [
      "fanout.yaml:8:17: unknown prompt \"explain-failur\" in on.failure (did you mean \"explain-failure\"?)",
    ],
    codes: ["unknown-prompt"],
  },
  {
    name: 'on with an unknown event',
    yaml: yaml`
      checks:
        - id: a
          run: x
          on:
            fail: "Look at the log"
    `,
    expected: [
      "fanout.yaml:5:7: unknown key \"fail\" (did you mean \"failure\"?)",
    ],
    codes: ["unknown-key"],
  },
  {
    name: 'on event with a map',
    yaml: yaml`
      checks:
        - id: a
          run: x
          on:
            failure: { prompt: x }
    `,
    expected: [
      "fanout.yaml:5:16: on.failure must be a list of prompt ids or text, got a map",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a prompt without content',
    yaml: yaml`
      prompts:
        - id: review
          description: Review the diff
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:2:5: prompt \"review\" is missing \"content\"",
    ],
    codes: ["missing-field"],
  },
  {
    name: 'a duplicate prompt id',
    yaml: yaml`
      prompts:
        - id: review
          content: a
        - id: review
          content: b
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:4:9: duplicate prompt id \"review\" (first defined at line 2)",
    ],
    codes: ["duplicate-id"],
  },
  {
    name: 'an unknown variable in run',
    yaml: yaml`
      vars:
        packages: ./...
      checks:
        - id: vet
          run: go vet {{.pakages}}
    `,
    expected: [
      "fanout.yaml:5:17: unknown variable \"pakages\" in run: not defined in vars (did you mean \"packages\"?)",
    ],
    codes: ["unknown-var"],
  },
  {
    name: 'an unknown variable in suggestion',
    yaml: yaml`
      checks:
        - id: coverage
          run: go test -cover ./...
          grok: 'coverage: %{NUMBER:coverage}%'
          assert: coverage >= 80
          suggestion: "Coverage is {{.coverage}}%, need {{.min_coverage}}%"
    `,
    expected: [
      "fanout.yaml:6:51: unknown variable \"min_coverage\" in suggestion: not in vars and no grok pattern extracts it",
    ],
    codes: ["unknown-var"],
  },
  {
    name: 'an unknown grok pattern',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok:
            - '%{NUMBER:n} %{WORDS:w}'
    `,
    expected: [
      "fanout.yaml:5:9: invalid grok pattern \"%{NUMBER:n} %{WORDS:w}\": pattern %{WORDS} is not defined (did you mean %{WORD}?)",
    ],
    codes: ["invalid-grok"],
  },
  {
    name: 'an invalid grok regex',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok: '(unclosed %{INT:n}'
    `,
    expected: [
      "fanout.yaml:4:11: invalid grok pattern \"(unclosed %{INT:n}\": missing closing ): `(unclosed (?P<n>(?:[+-]?(?:[0-9]+)))`",
    ],
    codes: ["invalid-grok"],
  },
  {
    name: 'an incomplete assert',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok: '%{INT:n}'
          assert: "n >= "
    `,
    expected: [
      "fanout.yaml:5:19: invalid assert: unexpected end of expression",
    ],
    codes: ["invalid-assert"],
  },
  {
    name: 'an assert broken after var substitution is located at the value, with the column in the message',
    yaml: yaml`
      vars:
        min: 80
      checks:
        - id: a
          run: x
          grok: '%{INT:n}'
          assert: "n >= {{.min}} &&"
    `,
    expected: [
      "fanout.yaml:7:13: invalid assert: unexpected end of expression (column 11 of \"n >= 80 &&\")",
    ],
    codes: ["invalid-assert"],
  },
  {
    name: 'a mistyped grok library name gets a did-you-mean, and no cascade of assert errors',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok: 'took %{NUMBR:seconds}s'
          assert: seconds < 10
    `,
    expected: [
      "fanout.yaml:4:11: invalid grok pattern \"took %{NUMBR:seconds}s\": pattern %{NUMBR} is not defined (did you mean %{NUMBER}?)",
    ],
    codes: ["invalid-grok"],
  },
  {
    name: 'an assert with a single =',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok: '%{INT:n}'
          assert: n = 1
    `,
    expected: [
      "fanout.yaml:5:15: invalid assert: unexpected character \"=\" (use == to compare)",
    ],
    codes: ["invalid-assert"],
  },
  {
    name: 'an assert reading a value no grok extracts',
    yaml: yaml`
      checks:
        - id: a
          run: go test -cover
          assert: coverage >= 80
    `,
    expected: [
      "fanout.yaml:4:13: assert reads \"coverage\" but check \"a\" has no grok pattern to extract it",
    ],
    codes: ["assert-unknown-name"],
  },
  {
    name: 'an assert with a misspelled capture',
    yaml: yaml`
      checks:
        - id: a
          run: go test -cover
          grok: 'coverage: %{NUMBER:coverage}%'
          assert: coverag >= 80
    `,
    expected: [
      "fanout.yaml:5:13: assert reads \"coverag\" but no grok pattern of check \"a\" extracts it (did you mean \"coverage\"?)",
    ],
    codes: ["assert-unknown-name"],
  },
  {
    name: 'an assert chaining comparisons',
    yaml: yaml`
      checks:
        - id: a
          run: x
          grok: '%{INT:n}'
          assert: 1 < n < 3
    `,
    expected: [
      "fanout.yaml:5:19: invalid assert: comparisons cannot be chained: combine them with && or ||",
    ],
    codes: ["invalid-assert"],
  },
  {
    name: 'negative retries',
    yaml: yaml`
      checks:
        - id: a
          run: x
          retries: -1
    `,
    expected: [
      "fanout.yaml:4:14: retries must be an integer >= 0, got the number -1",
    ],
    codes: ["invalid-retries"],
  },
  {
    name: 'fractional retries',
    yaml: yaml`
      checks:
        - id: a
          run: x
          retries: 1.5
    `,
    expected: [
      "fanout.yaml:4:14: retries must be an integer >= 0, got the number 1.5",
    ],
    codes: ["invalid-retries"],
  },
  {
    name: 'env as a list',
    yaml: yaml`
      checks:
        - id: a
          run: x
          env: [A=1]
    `,
    expected: [
      "fanout.yaml:4:10: env must be a map, got a list",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'an env value that is a list, and a bad env name',
    yaml: yaml`
      checks:
        - id: a
          run: x
          env:
            NODE_ENV: [test]
            BAD-NAME: x
    `,
    expected: [
      "fanout.yaml:5:17: env.NODE_ENV must be text, got a list",
      "fanout.yaml:6:7: invalid environment variable name \"BAD-NAME\": must match ^[A-Za-z_][A-Za-z0-9_]*$",
    ],
    codes: ["invalid-type", "invalid-env"],
  },
  {
    name: 'async as text',
    yaml: yaml`
      checks:
        - id: a
          run: x
          async: "yes"
    `,
    expected: [
      "fanout.yaml:4:12: async must be true or false, got the text \"yes\"",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a lock name with a space',
    yaml: yaml`
      checks:
        - id: a
          run: x
          lock: my db
    `,
    expected: [
      "fanout.yaml:4:11: invalid lock name \"my db\": must match ^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$",
    ],
    codes: ["invalid-lock"],
  },
  {
    name: 'inputs that leave the config folder, are empty, or exclude nothing',
    yaml: yaml`
      checks:
        - id: a
          run: x
          inputs: ['../secret/**', '!', 'src/**', '!src/../x']
    `,
    expected: [
      "fanout.yaml:4:14: invalid input \"../secret/**\": inputs are globs inside the config's folder, \"..\" leaves it",
      "fanout.yaml:4:30: invalid input \"!\": \"!\" needs a glob to exclude",
      "fanout.yaml:4:45: invalid input \"!src/../x\": inputs are globs inside the config's folder, \"..\" leaves it",
    ],
    codes: ["invalid-input", "invalid-input", "invalid-input"],
  },
  {
    name: 'an input glob that compiles to no regular expression',
    yaml: yaml`
      checks:
        - id: a
          run: x
          inputs: ['src/**', 'src/[z-a]/x', '!lib/[9-0]']
    `,
    expected: [
      'fanout.yaml:4:24: invalid input glob "src/[z-a]/x" of check "a": Range out of order in character class',
      'fanout.yaml:4:39: invalid input glob "!lib/[9-0]" of check "a": Range out of order in character class',
    ],
    codes: ["invalid-input-glob", "invalid-input-glob"],
  },
  {
    name: 'inputs as a map, env_inputs with a bad name, cache as text',
    yaml: yaml`
      checks:
        - id: a
          run: x
          inputs: { src: yes }
          env_inputs: [NODE_ENV, 'my-var', 3]
          cache: "no"
    `,
    expected: [
      "fanout.yaml:4:13: inputs must be a list or a string, got a map",
      "fanout.yaml:5:28: invalid environment variable name \"my-var\" in env_inputs: must match ^[A-Za-z_][A-Za-z0-9_]*$",
      "fanout.yaml:5:38: each entry of env_inputs must be a string, got the number 3",
      "fanout.yaml:6:12: cache must be true or false, got the text \"no\"",
    ],
    codes: ["invalid-type", "invalid-env", "invalid-type", "invalid-type"],
  },
  {
    name: 'files with a number',
    yaml: yaml`
      checks:
        - id: a
          run: x
          files: ['src/**/*.ts', 42]
    `,
    expected: [
      "fanout.yaml:4:28: each entry of files must be a string, got the number 42",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a var that is a map',
    yaml: yaml`
      vars:
        opts: { a: 1 }
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:2:9: vars.opts must be text, got a map",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'a var name that cannot be a placeholder',
    yaml: yaml`
      vars:
        min-coverage: 80
      checks:
        - id: a
          run: x
    `,
    expected: [
      "fanout.yaml:2:3: var name \"min-coverage\" cannot be used as {{.min-coverage}}: use letters, digits and _, not starting with a digit",
    ],
    codes: ["invalid-var-name"],
  },
  {
    name: 'a merge key pointing at a scalar',
    yaml: yaml`
      x-base: &base x
      checks:
        - <<: *base
          id: a
          run: x
    `,
    expected: [
      "fanout.yaml:3:5: a \"<<\" merge needs a map, got the text \"x\"",
    ],
    codes: ["invalid-type"],
  },
  {
    name: 'an empty cwd',
    yaml: yaml`
      checks:
        - id: a
          run: x
          cwd: ""
    `,
    expected: [
      "fanout.yaml:4:10: cwd must not be empty",
    ],
    codes: ["empty-field"],
  },
  {
    name: 'many problems at once',
    yaml: yaml`
      version: 3
      checks:
        - id: lint
          run: npm run lint
          severity: high
          tags: [Lint]
        - id: test
          run: npm test
          requries: [lint]
          timeout: 10
    `,
    expected: [
      "fanout.yaml:1:10: unsupported config version \"3\" (supported: \"1\")",
      "fanout.yaml:5:15: invalid severity \"high\": expected \"error\" or \"warning\"",
      "fanout.yaml:6:12: invalid tag \"Lint\": must match ^[a-z][a-z0-9-]*$",
      "fanout.yaml:9:5: unknown key \"requries\" (did you mean \"requires\"?)",
      "fanout.yaml:10:14: invalid timeout \"10\": expected a duration such as 500ms, 30s, 2m or 1h30m (add a unit: \"10s\")",
    ],
    codes: ["unsupported-version", "invalid-severity", "invalid-tag", "unknown-key", "invalid-duration"],
  },
  {
    name: 'a key JavaScript objects reserve is refused, not dropped',
    yaml: yaml`
      checks:
        - id: a
          run: x
          constructor: y
    `,
    expected: [
      "fanout.yaml:4:5: the key \"constructor\" cannot be used (reserved)",
    ],
    codes: ["invalid-key"],
  },
  {
    name: 'shape and cross-reference problems together: a value with an error does not hide the others',
    yaml: yaml`
      checks:
        - id: a
          run: "echo {{.nope}}"
          retries: -1
          requires: [b, nope, 42]
          tags: [ok, Bad]
        - id: b
          run: [x]
          requires: [b, a]
        - id: c
          run: y
          requires: [a]
          on: { failure: [missing, 7] }
        - id: a
          run: z
    `,
    expected: [
      "fanout.yaml:3:16: unknown variable \"nope\" in run: not defined in vars (to pass it to the command as written: {{\"{{.nope}}\"}})",
      "fanout.yaml:4:14: retries must be an integer >= 0, got the number -1",
      "fanout.yaml:5:19: check \"a\" requires unknown check \"nope\"",
      "fanout.yaml:5:25: each entry of requires must be a string, got the number 42",
      "fanout.yaml:6:16: invalid tag \"Bad\": must match ^[a-z][a-z0-9-]*$",
      "fanout.yaml:8:10: run must be text, got a list",
      "fanout.yaml:9:16: check \"b\" requires itself",
      "fanout.yaml:13:21: unknown prompt \"missing\" in on.failure",
      "fanout.yaml:13:30: each prompt id of on.failure must be a string, got the number 7",
      "fanout.yaml:14:9: duplicate check id \"a\" (first defined at line 2)",
    ],
    codes: ["unknown-var", "invalid-retries", "unknown-require", "invalid-type", "invalid-tag", "invalid-type", "self-dependency", "unknown-prompt", "invalid-type", "duplicate-id"],
  },
  {
    name: 'a check missing its run is still cross-checked',
    yaml: yaml`
      checks:
        - id: a
          requires: [nope]
          run: ~
    `,
    expected: [
      "fanout.yaml:2:5: check \"a\" is missing \"run\"",
      "fanout.yaml:3:16: check \"a\" requires unknown check \"nope\"",
    ],
    codes: ["missing-field", "unknown-require"],
  },
];
