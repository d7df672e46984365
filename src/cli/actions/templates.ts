// fanout's own starter configs for `fanout init` (VibeGuard's are in vibeguard-templates.ts). Each is a valid
// fanout.yaml; commands are the ecosystem's usual ones. Their names differ from VibeGuard's, which name VibeGuard's.

/** The first lines of every fanout.yaml init writes. */
export const HEADER = `# yaml-language-server: $schema=./node_modules/fanout/schema/fanout.schema.json
# fanout checks: run them with \`fanout check\`; see \`fanout list\`, \`fanout graph\`.
version: "1"
`;

/** fanout's templates by name: what `--list-templates` says of each, the files that suggest it, the fanout.yaml it writes. */
export const TEMPLATES: Readonly<Record<string, { description: string; detect: readonly string[]; body: string }>> = {
  node: {
    description: 'Node.js / TypeScript: tsc, eslint, tests, build',
    detect: ['package.json', 'tsconfig.json'],
    body: `${HEADER}
checks:
  - id: typecheck
    run: npx tsc --noEmit
    tags: [fast, types]
    suggestion: "TypeScript reports type errors: run 'npx tsc --noEmit' and fix them."
    timeout: 2m

  - id: lint
    run: npx eslint . --max-warnings 0
    tags: [fast, lint]
    suggestion: "ESLint found problems."
    fix: npx eslint . --fix
    timeout: 2m

  - id: test
    run: npm test
    tags: [test]
    requires: [typecheck]
    suggestion: "Some tests fail: run 'npm test' to see which."
    timeout: 5m

  - id: build
    run: npm run build --if-present
    tags: [build]
    requires: [typecheck]
    timeout: 5m

  - id: audit
    run: npm audit --omit=dev --audit-level=high
    tags: [security]
    severity: warning
    suggestion: "Dependencies have known vulnerabilities: see 'npm audit'."
    fix: npm audit fix
    timeout: 1m
`,
  },
  python: {
    description: 'Python: ruff, mypy, pytest with coverage',
    detect: ['pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt'],
    body: `${HEADER}
vars:
  min_coverage: "80"

checks:
  - id: format
    run: ruff format --check .
    tags: [fast, format]
    suggestion: "Files are not formatted."
    fix: ruff format .

  - id: lint
    run: ruff check .
    tags: [fast, lint]
    fix: ruff check --fix .

  - id: types
    run: mypy .
    tags: [types]
    timeout: 2m

  - id: test
    run: pytest -q --cov --cov-report=term
    grok:
      - 'TOTAL\\s+\\d+\\s+\\d+\\s+%{INT:coverage}%'
    tags: [test]
    requires: [lint]
    suggestion: "Some tests fail: run 'pytest -x' to stop at the first."
    timeout: 5m

  - id: coverage
    run: coverage report
    grok:
      - 'TOTAL\\s+\\d+\\s+\\d+\\s+%{INT:coverage}%'
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    requires: [test]
    suggestion: "Coverage is {{.coverage}}%, the target is {{.min_coverage}}%."
`,
  },
  go: {
    description: 'Go: gofmt, go vet, go test, coverage, build',
    detect: ['go.mod'],
    body: `${HEADER}
vars:
  packages: "./..."
  min_coverage: "70"

checks:
  - id: fmt
    run: test -z "$(gofmt -l .)"
    tags: [fast, format]
    suggestion: "Files are not gofmt-formatted."
    fix: gofmt -w .
    timeout: 10s

  - id: vet
    run: go vet {{.packages}}
    tags: [fast, lint]
    timeout: 1m

  - id: test
    run: go test {{.packages}}
    tags: [test]
    requires: [fmt]
    suggestion: "Some tests fail: run 'go test -v {{.packages}}'."
    timeout: 5m

  - id: coverage
    run: go test {{.packages}} -coverprofile=cover.out >/dev/null && go tool cover -func=cover.out
    grok:
      - total:.*\\(statements\\)\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    requires: [test]
    suggestion: "Coverage is {{.coverage}}%, the target is {{.min_coverage}}%."
    timeout: 5m

  - id: build
    run: go build {{.packages}}
    tags: [build]
    requires: [vet]
    timeout: 5m
`,
  },
  rust: {
    description: 'Rust: cargo fmt, clippy, test, build',
    detect: ['Cargo.toml'],
    body: `${HEADER}
checks:
  - id: fmt
    run: cargo fmt --all -- --check
    tags: [fast, format]
    fix: cargo fmt --all

  - id: clippy
    run: cargo clippy --all-targets -- -D warnings
    tags: [lint]
    suggestion: "Clippy found problems."
    fix: cargo clippy --fix --allow-dirty
    timeout: 10m

  - id: test
    run: cargo test
    tags: [test]
    requires: [fmt]
    timeout: 10m

  - id: build
    run: cargo build --release
    tags: [build]
    requires: [clippy]
    timeout: 15m
`,
  },
  minimal: {
    description: 'Any project: a few shell checks to adapt',
    detect: [],
    body: `${HEADER}
checks:
  - id: no-conflict-markers
    run: "! git grep -nE '^(<<<<<<<|>>>>>>>)( |$)'"
    tags: [fast]
    suggestion: "Merge conflict markers are left in the files listed above."

  - id: whitespace
    run: git diff --check HEAD
    tags: [fast]
    severity: warning
    suggestion: "Trailing whitespace or blank lines at the end of files."

  - id: todo-count
    run: |
      echo "todos $(git grep -c TODO | awk -F: '{ n += $2 } END { print n + 0 }')"
    grok:
      - 'todos %{INT:todos}'
    assert: "todos <= 50"
    severity: warning
    suggestion: "There are {{.todos}} TODO comments (at most 50 wanted)."

  - id: test
    run: echo "replace me with your test command"
    requires: [no-conflict-markers]
    timeout: 5m
`,
  },
};

