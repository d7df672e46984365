// VibeGuard's starter configs and prompts, byte for byte as the VibeGuard binary writes and prints them
// (github.com/o3-cloud/vibeguard, Apache License 2.0): `fanout init --template <one of these>` writes what
// `vibeguard init` writes, `fanout prompt init` in a vibeguard.* config prints VibeGuard's built-in prompt, and
// `fanout init --assist` its setup guide. Kept verbatim (their text speaks of VibeGuard) so a project switching
// from VibeGuard gets the same files and the same output.

/** One of VibeGuard's templates: its name, the description `--list-templates` shows, the vibeguard.yaml it writes. */
export interface VibeguardTemplate {
  name: string;
  description: string;
  body: string;
}

/** VibeGuard's templates, in the order `vibeguard init --list-templates` lists them. */
export const VIBEGUARD_TEMPLATES: readonly VibeguardTemplate[] = [
  {
    name: "bash",
    description: "Bash scripts with ShellCheck, shfmt, and BATS testing",
    body: `version: "1"

vars:
  script_dir: "."
  script_pattern: "*.sh"

checks:
  - id: format
    run: shfmt -d -i 2 -ci {{.script_dir}} 2>/dev/null || echo "shfmt not installed (optional)"
    severity: warning
    suggestion: "Install shfmt: go install mvdan.cc/sh/v3/cmd/shfmt@latest or brew install shfmt"
    timeout: 60s

  - id: lint
    run: find {{.script_dir}} -name '{{.script_pattern}}' -exec shellcheck {} +
    severity: error
    suggestion: "Run 'shellcheck <script>' to see detailed linting issues"
    timeout: 60s

  - id: syntax
    run: find {{.script_dir}} -name '{{.script_pattern}}' -exec bash -n {} \\;
    severity: error
    suggestion: "Run 'bash -n <script>' to check for syntax errors"
    timeout: 30s

  - id: analyze
    run: find {{.script_dir}} -name '{{.script_pattern}}' -exec shellcheck -S warning {} + 2>/dev/null || true
    severity: warning
    suggestion: "Review shellcheck warnings for potential improvements"
    timeout: 60s
    requires:
      - lint

  - id: security
    run: find {{.script_dir}} -name '{{.script_pattern}}' -exec shellcheck -e SC2086,SC2046 {} + 2>/dev/null || echo "Security check passed"
    severity: warning
    suggestion: "Review unquoted variables that may cause word splitting or glob expansion"
    timeout: 60s
    requires:
      - lint

  - id: test
    run: bats test/ 2>/dev/null || echo "No BATS tests found or bats not installed"
    severity: warning
    suggestion: "Install bats: brew install bats-core or npm install -g bats"
    timeout: 300s
    requires:
      - lint
`,
  },
  {
    name: "bun-typescript",
    description: "TypeScript/Bun project with ESLint, Prettier, type checking, and testing",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: bunx prettier --check .
    severity: error
    suggestion: "Run 'bunx prettier --write .' to format your code"
    timeout: 60s

  - id: lint
    run: bunx eslint {{.source_dir}} --max-warnings 0
    severity: error
    suggestion: "Run 'bunx eslint {{.source_dir}} --fix' to fix linting issues"
    timeout: 60s

  - id: typecheck
    run: bunx tsc --noEmit
    severity: error
    suggestion: "Fix TypeScript type errors shown in the output"
    timeout: 120s

  - id: analyze
    run: bun run analyze 2>/dev/null || echo "Static analysis tool not configured (optional)"
    severity: warning
    suggestion: "Configure static analysis tool (e.g., sonarjs, code-inspector) in package.json"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: bun audit 2>/dev/null || echo "bun audit failed - check for vulnerabilities"
    severity: warning
    suggestion: "Run 'bun audit' to see vulnerability details and 'bun update' to update packages"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: bun test --passWithNoTests 2>/dev/null || bun run test -- --passWithNoTests
    severity: error
    suggestion: "Run 'bun test' to diagnose test failures"
    timeout: 300s
    requires:
      - lint
      - typecheck

  - id: build
    run: bun run build
    severity: error
    suggestion: "Run 'bun run build' to diagnose build errors"
    timeout: 120s
    requires:
      - typecheck
`,
  },
  {
    name: "generic",
    description: "Generic project template with placeholder checks to customize",
    body: `version: "1"

# Customize these variables for your project
vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  # Add your formatting check
  # - id: format
  #   run: <your-formatter> --check {{.source_dir}}
  #   severity: error
  #   suggestion: "Run '<your-formatter>' to format your code"
  #   timeout: 60s

  # Add your linting check
  # - id: lint
  #   run: <your-linter> {{.source_dir}}
  #   severity: error
  #   suggestion: "Run '<your-linter> --fix' to fix issues"
  #   timeout: 60s

  # Add your test check
  - id: test
    run: echo "Configure your test command here"
    severity: error
    suggestion: "Configure the test command in vibeguard.yaml"
    timeout: 300s

  # Add your code coverage check
  # - id: coverage
  #   run: <your-coverage-tool> {{.source_dir}}
  #   grok:
  #     - <coverage-percentage-pattern>
  #   assert: "coverage >= {{.min_coverage}}"
  #   severity: warning
  #   suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
  #   timeout: 300s
  #   requires:
  #     - test

  # Add your build check
  # - id: build
  #   run: <your-build-command>
  #   severity: error
  #   suggestion: "Fix build errors"
  #   timeout: 120s
`,
  },
  {
    name: "go-minimal",
    description: "Minimal Go project with basic formatting, vetting, and testing",
    body: `version: "1"

vars:
  go_packages: "./..."
  min_coverage: "70"

checks:
  - id: fmt
    run: test -z "$(gofmt -l .)"
    severity: error
    suggestion: "Run 'gofmt -w .' to format your code"
    timeout: 30s

  - id: vet
    run: go vet {{.go_packages}}
    severity: error
    suggestion: "Run 'go vet ./...' and fix reported issues"
    timeout: 60s

  - id: analyze
    run: staticcheck {{.go_packages}} 2>/dev/null || echo "staticcheck not installed (optional)"
    severity: warning
    suggestion: "Install staticcheck: go install honnef.co/go/tools/cmd/staticcheck@latest"
    timeout: 120s
    requires:
      - vet

  - id: security
    run: gosec {{.go_packages}} 2>/dev/null || echo "gosec not installed (optional)"
    severity: warning
    suggestion: "Install gosec: go install github.com/securego/gosec/v2/cmd/gosec@latest"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: go test {{.go_packages}}
    severity: error
    suggestion: "Run 'go test ./...' to diagnose test failures"
    timeout: 300s

  - id: coverage
    run: go test {{.go_packages}} -coverprofile=cover.out && go tool cover -func=cover.out
    grok:
      - total:.*\\(statements\\)\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: go build {{.go_packages}}
    severity: error
    suggestion: "Run 'go build ./...' to diagnose build errors"
    timeout: 120s
    requires:
      - vet
`,
  },
  {
    name: "go-standard",
    description: "Comprehensive Go project with formatting, linting, testing, and coverage",
    body: `version: "1"

vars:
  go_packages: "./..."
  min_coverage: "70"

checks:
  - id: fmt
    run: test -z "$(gofmt -l .)"
    severity: error
    suggestion: "Run 'gofmt -w .' to format your code"
    timeout: 30s

  - id: vet
    run: go vet {{.go_packages}}
    severity: error
    suggestion: "Run 'go vet ./...' and fix reported issues"
    timeout: 60s

  - id: lint
    run: golangci-lint run {{.go_packages}}
    severity: warning
    suggestion: "Install golangci-lint: https://golangci-lint.run/usage/install/"
    timeout: 120s

  - id: analyze
    run: staticcheck {{.go_packages}} 2>/dev/null || echo "staticcheck not installed (optional)"
    severity: warning
    suggestion: "Install staticcheck: go install honnef.co/go/tools/cmd/staticcheck@latest"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: gosec {{.go_packages}} 2>/dev/null || echo "gosec not installed (optional)"
    severity: warning
    suggestion: "Install gosec: go install github.com/securego/gosec/v2/cmd/gosec@latest"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: go test -race {{.go_packages}}
    severity: error
    suggestion: "Run 'go test ./...' to diagnose test failures"
    timeout: 300s
    requires:
      - fmt
      - vet

  - id: coverage
    run: go test {{.go_packages}} -coverprofile=cover.out && go tool cover -func=cover.out
    grok:
      - total:.*\\(statements\\)\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: go build {{.go_packages}}
    severity: error
    suggestion: "Run 'go build ./...' to diagnose build errors"
    timeout: 120s
    requires:
      - vet
`,
  },
  {
    name: "node-javascript",
    description: "JavaScript/Node.js project with ESLint, Prettier, and testing",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: npx prettier --check .
    severity: error
    suggestion: "Run 'npx prettier --write .' to format your code"
    timeout: 60s

  - id: lint
    run: npx eslint {{.source_dir}} --max-warnings 0
    severity: error
    suggestion: "Run 'npx eslint {{.source_dir}} --fix' to fix linting issues"
    timeout: 60s

  - id: analyze
    run: npm run analyze 2>/dev/null || echo "Static analysis tool not configured (optional)"
    severity: warning
    suggestion: "Configure static analysis tool (e.g., sonarjs, code-inspector) in package.json"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: npm audit --audit-level=moderate 2>/dev/null || echo "npm audit failed - check for vulnerabilities"
    severity: warning
    suggestion: "Run 'npm audit' to see vulnerability details and 'npm audit fix' to update packages"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: npm test -- --passWithNoTests
    severity: error
    suggestion: "Run 'npm test' to diagnose test failures"
    timeout: 300s
    requires:
      - lint

  - id: coverage
    run: npm test -- --coverage --passWithNoTests
    grok:
      - "Lines\\\\s+:\\\\s+%{NUMBER:coverage}%"
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: npm run build
    severity: error
    suggestion: "Run 'npm run build' to diagnose build errors"
    timeout: 120s
`,
  },
  {
    name: "node-typescript",
    description: "TypeScript/Node.js project with ESLint, Prettier, type checking, and testing",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: npx prettier --check .
    severity: error
    suggestion: "Run 'npx prettier --write .' to format your code"
    timeout: 60s

  - id: lint
    run: npx eslint {{.source_dir}} --max-warnings 0
    severity: error
    suggestion: "Run 'npx eslint {{.source_dir}} --fix' to fix linting issues"
    timeout: 60s

  - id: typecheck
    run: npx tsc --noEmit
    severity: error
    suggestion: "Fix TypeScript type errors shown in the output"
    timeout: 120s

  - id: analyze
    run: npm run analyze 2>/dev/null || echo "Static analysis tool not configured (optional)"
    severity: warning
    suggestion: "Configure static analysis tool (e.g., sonarjs, code-inspector) in package.json"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: npm audit --audit-level=moderate 2>/dev/null || echo "npm audit failed - check for vulnerabilities"
    severity: warning
    suggestion: "Run 'npm audit' to see vulnerability details and 'npm audit fix' to update packages"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: npm test -- --passWithNoTests
    severity: error
    suggestion: "Run 'npm test' to diagnose test failures"
    timeout: 300s
    requires:
      - lint
      - typecheck

  - id: build
    run: npm run build
    severity: error
    suggestion: "Run 'npm run build' to diagnose build errors"
    timeout: 120s
    requires:
      - typecheck
`,
  },
  {
    name: "python-pip",
    description: "Python project using pip with ruff, mypy, and pytest",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: ruff format --check {{.source_dir}}
    severity: error
    suggestion: "Run 'ruff format {{.source_dir}}' to format your code"
    timeout: 60s

  - id: lint
    run: ruff check {{.source_dir}}
    severity: error
    suggestion: "Run 'ruff check --fix {{.source_dir}}' to fix linting issues"
    timeout: 60s

  - id: typecheck
    run: mypy {{.source_dir}}
    severity: warning
    suggestion: "Fix type errors shown in the mypy output"
    timeout: 120s

  - id: analyze
    run: pylint {{.source_dir}} --disable=all --enable=E,F 2>/dev/null || echo "pylint not installed (optional)"
    severity: warning
    suggestion: "Install pylint: pip install pylint"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: pip-audit 2>/dev/null || echo "pip-audit not installed (optional)"
    severity: warning
    suggestion: "Install pip-audit: pip install pip-audit"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: pytest
    severity: error
    suggestion: "Run 'pytest -v' to diagnose test failures"
    timeout: 300s
    requires:
      - lint

  - id: coverage
    run: pytest --cov={{.source_dir}} --cov-report=term-missing
    grok:
      - TOTAL\\s+\\d+\\s+\\d+\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: pip install -e . && python -c "import {{.source_dir}}"
    severity: error
    suggestion: "Run 'pip install -e .' to diagnose installation errors"
    timeout: 120s
    requires:
      - lint
`,
  },
  {
    name: "python-poetry",
    description: "Python project using Poetry with ruff, mypy, and pytest",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: poetry run ruff format --check {{.source_dir}}
    severity: error
    suggestion: "Run 'poetry run ruff format {{.source_dir}}' to format your code"
    timeout: 60s

  - id: lint
    run: poetry run ruff check {{.source_dir}}
    severity: error
    suggestion: "Run 'poetry run ruff check --fix {{.source_dir}}' to fix linting issues"
    timeout: 60s

  - id: typecheck
    run: poetry run mypy {{.source_dir}}
    severity: warning
    suggestion: "Fix type errors shown in the mypy output"
    timeout: 120s

  - id: analyze
    run: poetry run pylint {{.source_dir}} --disable=all --enable=E,F 2>/dev/null || echo "pylint not installed (optional)"
    severity: warning
    suggestion: "Install pylint with poetry: poetry add --group dev pylint"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: poetry run pip-audit 2>/dev/null || echo "pip-audit not installed (optional)"
    severity: warning
    suggestion: "Install pip-audit: poetry add --group dev pip-audit"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: poetry run pytest
    severity: error
    suggestion: "Run 'poetry run pytest -v' to diagnose test failures"
    timeout: 300s
    requires:
      - lint

  - id: coverage
    run: poetry run pytest --cov={{.source_dir}} --cov-report=term-missing
    grok:
      - TOTAL\\s+\\d+\\s+\\d+\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: poetry install && poetry run python -c "import {{.source_dir}}"
    severity: error
    suggestion: "Run 'poetry install' to diagnose installation errors"
    timeout: 120s
    requires:
      - lint
`,
  },
  {
    name: "python-uv",
    description: "Python project using uv package manager with ruff, mypy, and pytest",
    body: `version: "1"

vars:
  source_dir: "src"
  min_coverage: "70"

checks:
  - id: format
    run: uv run ruff format --check {{.source_dir}}
    severity: error
    suggestion: "Run 'uv run ruff format {{.source_dir}}' to format your code"
    timeout: 60s

  - id: lint
    run: uv run ruff check {{.source_dir}}
    severity: error
    suggestion: "Run 'uv run ruff check --fix {{.source_dir}}' to fix linting issues"
    timeout: 60s

  - id: typecheck
    run: uv run mypy {{.source_dir}}
    severity: warning
    suggestion: "Fix type errors shown in the mypy output"
    timeout: 120s

  - id: analyze
    run: uv run pylint {{.source_dir}} --disable=all --enable=E,F 2>/dev/null || echo "pylint not installed (optional)"
    severity: warning
    suggestion: "Install pylint with uv: uv pip install pylint"
    timeout: 120s
    requires:
      - lint

  - id: security
    run: uv run pip-audit 2>/dev/null || echo "pip-audit not installed (optional)"
    severity: warning
    suggestion: "Install pip-audit with uv: uv pip install pip-audit"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: uv run pytest
    severity: error
    suggestion: "Run 'uv run pytest -v' to diagnose test failures"
    timeout: 300s
    requires:
      - lint

  - id: coverage
    run: uv run pytest --cov={{.source_dir}} --cov-report=term-missing
    grok:
      - TOTAL\\s+\\d+\\s+\\d+\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 300s
    requires:
      - test

  - id: build
    run: uv sync && uv run python -c "import {{.source_dir}}"
    severity: error
    suggestion: "Run 'uv sync' to diagnose installation errors"
    timeout: 120s
    requires:
      - lint
`,
  },
  {
    name: "rust-cargo",
    description: "Rust project using Cargo with clippy, formatting, and testing",
    body: `version: "1"

vars:
  min_coverage: "70"

checks:
  - id: fmt
    run: cargo fmt -- --check
    severity: error
    suggestion: "Run 'cargo fmt' to format your code"
    timeout: 60s

  - id: clippy
    run: cargo clippy -- -D warnings
    severity: error
    suggestion: "Run 'cargo clippy --fix' to fix linting issues"
    timeout: 120s

  - id: analyze
    run: cargo deny check 2>/dev/null || echo "cargo-deny not installed (optional)"
    severity: warning
    suggestion: "Install cargo-deny: cargo install cargo-deny"
    timeout: 120s
    requires:
      - clippy

  - id: security
    run: cargo audit 2>/dev/null || echo "cargo-audit not installed (optional)"
    severity: warning
    suggestion: "Install cargo-audit: cargo install cargo-audit"
    timeout: 120s
    requires:
      - analyze

  - id: test
    run: cargo test
    severity: error
    suggestion: "Run 'cargo test' to diagnose test failures"
    timeout: 300s
    requires:
      - clippy

  - id: coverage
    run: cargo tarpaulin --out Stdout --timeout 300
    grok:
      - Coverage:\\s+%{NUMBER:coverage}%
    assert: "coverage >= {{.min_coverage}}"
    severity: warning
    suggestion: "Code coverage is below {{.min_coverage}}%. Increase test coverage."
    timeout: 600s
    requires:
      - test

  - id: build
    run: cargo build --release
    severity: error
    suggestion: "Run 'cargo build' to diagnose build errors"
    timeout: 300s
    requires:
      - clippy
`,
  },
];

/** What `vibeguard init` writes without --template (it names it `default (Go)`). */
export const VIBEGUARD_DEFAULT_TEMPLATE = `version: "1"

vars:
  go_packages: "./..."

checks:
  - id: vet
    run: go vet {{.go_packages}}
    severity: error
    suggestion: "Run 'go vet ./...' and fix reported issues"
    timeout: 60s

  - id: fmt
    run: test -z "$(gofmt -l .)"
    severity: error
    suggestion: "Run 'gofmt -w .' to format code"
    timeout: 30s

  - id: test
    run: go test -race -cover {{.go_packages}}
    severity: error
    suggestion: "Run 'go test ./...' and fix failing tests"
    timeout: 300s
    requires:
      - vet
      - fmt

  - id: build
    run: go build {{.go_packages}}
    severity: error
    suggestion: "Run 'go build ./...' and fix compilation errors"
    timeout: 60s
    requires:
      - vet
`;

/** VibeGuard's built-in `init` prompt (a config's own prompt with that id takes precedence). */
export const VIBEGUARD_INIT_PROMPT = `You are an expert in helping users set up VibeGuard, a policy enforcement tool for software development workflows.

## About VibeGuard
VibeGuard runs automated checks in development environments to catch issues before they reach code review. It validates code quality, testing, formatting, and more, with clear feedback to help developers fix problems quickly.

## Your Role
Help the user set up VibeGuard for their project by:
1. Analyzing their tech stack and existing practices
2. Recommending appropriate checks for their workflow
3. Providing a structured vibeguard.yaml configuration
4. Explaining the checks and how developers should respond to failures

## Key Concepts
- **Checks**: Individual validation rules that run commands and verify output/exit codes
- **Severity**: "error" blocks commits, "warning" shows feedback but allows commits
- **Tags**: Label checks for selective execution
- **Assertions**: Optional validation of extracted values using expressions
- **Dependencies**: Checks can depend on other checks completing first
- **Timeout**: Maximum time a check can run before timing out
- **Fix**: Guidance on how to resolve check failures

## Best Practices
- Start with essential checks (formatting, linting, basic tests)
- Use clear, actionable error messages
- Group related checks with tags
- Set reasonable timeouts based on typical execution time
- Provide helpful suggestions and fix guidance
- Consider developer feedback when refining checks

## Output
When the user provides project details or configuration:
1. Ask clarifying questions about their workflow
2. Recommend specific checks based on their tech stack
3. Provide a complete vibeguard.yaml with:
   - Clear check descriptions
   - Appropriate severity levels
   - Helpful suggestions
   - Dependency ordering
4. Explain your recommendations

## Example Structure
A basic Go project might include:
- go vet: Validates Go code
- gofmt: Enforces code formatting
- go test: Runs test suite
- go build: Validates compilation

Start by asking about the user's project type, technology stack, and existing validation practices.`;

/** The AI-agent setup guide `vibeguard init --assist` prints. */
export const VIBEGUARD_ASSIST_PROMPT = `# VibeGuard AI Agent Setup Guide

You are being asked to help set up VibeGuard policy enforcement for a software project.
VibeGuard is a declarative policy tool that runs quality checks and assertions on code.

This guide will help you understand the project structure, existing tools, and how to
generate a valid configuration.

---

## Your Project

**Project Name:** .

### Initial Analysis Instructions

Before proceeding, analyze the project structure to understand:

1. **Project Type & Language**: Examine the directory structure, file extensions, and package managers to identify the primary language and framework (Go, Node.js/TypeScript, Python, Rust, Java, Ruby, etc.)
2. **Detected Tools**: Look for configuration files like \`go.mod\`, \`package.json\`, \`pyproject.toml\`, \`Cargo.toml\`, \`pom.xml\`, \`Gemfile\` to identify build systems, package managers, and development tools
3. **Project Structure**: Identify source directories, test directories, entry points, and build output locations
4. **Existing Quality Tools**: Check for configuration files for linters, formatters, and test frameworks (eslint, pytest, golangci-lint, cargo, etc.)



---

## Tooling Inspection Instructions

Before generating the configuration, **inspect the existing tool configurations** in this project to understand how they're set up:

### What to Look For

When inspecting each configuration file:

1. **Enabled rules/checks**: What specific rules or checks are enabled?
2. **Disabled rules**: Are any rules explicitly disabled? (They may conflict with project needs)
3. **Custom settings**: Are there custom paths, thresholds, or exclusions?
4. **Integration points**: Does the tool integrate with other tools (e.g., editor configs, CI)?
5. **Command variations**: Are there specific flags or options being used?

Use this understanding to craft VibeGuard checks that:
- Run tools with the same flags/options as configured
- Respect existing exclusions and thresholds
- Maintain consistency with the project's existing standards


---

## Additional Tooling Research

Based on the project type, consider recommending additional quality and security tools that aren't currently configured.

### Suggested Tools to Consider

#### gitleaks
**Category:** Security
**Purpose:** Detects hardcoded secrets in git repos
**Value:** Prevents accidental commit of API keys, passwords, tokens
**Example command:** \`gitleaks detect\`

#### trivy
**Category:** Security
**Purpose:** Comprehensive security scanner
**Value:** Scans for vulnerabilities in code, dependencies, and containers
**Example command:** \`trivy fs .\`

### How to Present Suggestions

When suggesting additional tools to the user:

1. **Explain the benefit**: Why would this tool help the project?
2. **Assess compatibility**: Will it work well with existing tools?
3. **Provide options**: Let the user decide which suggestions to include
4. **Include installation notes**: If a tool requires installation, mention it in the suggestion field

Ask the user: "Would you like me to include checks for any of these additional tools?"


---

## Identifying Quality Checks

Based on your project analysis, you should identify the appropriate quality checks to include in the VibeGuard configuration.

### How to Identify Checks

For each quality tool or framework found in your analysis:

1. **Determine the command**: What command runs the tool? (e.g., \`go test ./...\`, \`npm test\`, \`pytest\`)
2. **Identify assertions**: What does success look like? (e.g., exit code 0, specific output patterns)
3. **Set severity**: Is this critical (error) or a warning?
4. **Add context**: Write a description explaining why this check is important

### Examples of Common Checks

- **Tests**: Run your test suite and ensure it passes
- **Linting**: Run code quality/style checkers
- **Type Checking**: Run type checkers (TypeScript, mypy, etc.)
- **Security**: Run security scanners (gosec, bandit, npm audit)
- **Coverage**: Verify test coverage meets threshold
- **Formatting**: Ensure code is properly formatted


---

## Available Templates

Rather than creating a custom configuration from scratch, you can use one of VibeGuard's predefined templates that are optimized for specific languages and frameworks.

### Discover Available Templates

Run this command to see all available templates:

\`\`\`bash
vibeguard init --list-templates
\`\`\`

This will display all templates with their descriptions and supported languages/frameworks.

### Selecting a Template

Based on your project analysis from the previous step:

1. **Match your language/framework**: Find the template that best matches the project type you identified
2. **Review the template**: Use \`vibeguard init --list-templates\` to see what each template covers
3. **Try the template**: Run \`vibeguard init --template <template-name>\` to use a predefined template

### When to Use Templates

Use a predefined template when:
- You want quick setup with reasonable defaults for your language/framework
- Your project matches the template's language/framework
- You're happy with the template's default checks

### When to Use Custom Configuration

Create a custom configuration when:
- No template matches your exact setup
- You have specific checks not in standard templates
- You want fine-grained control over all settings

You can also start with a template and modify it to suit your project's specific needs.

---

## Configuration Requirements

A valid vibeguard.yaml must contain:

### 1. Version (required)
\`\`\`yaml
version: "1"
\`\`\`

### 2. Variables (optional)
Global variables for interpolation in commands and assertions.

\`\`\`yaml
vars:
  packages: "./..."
  coverage_threshold: "70"
\`\`\`

### 3. Checks (required)
Array of check definitions. Each check must have:
- **id:** Unique identifier (alphanumeric + underscore + hyphen)
- **run:** Shell command to execute

Optional fields:
- **grok:** Array of patterns to extract data from output
- **assert:** Condition that must be true
- **requires:** Array of check IDs that must pass first
- **severity:** "error" or "warning" (default: error)
- **suggestion:** Message shown on failure
- **timeout:** Duration string (e.g., "30s", "5m")
- **file:** Path to read output from instead of command stdout

---

## Generic Examples

### Shell Script Lint Check
\`\`\`yaml
- id: shellcheck
  run: shellcheck **/*.sh
  severity: warning
  suggestion: "Fix ShellCheck warnings for better script quality"
  timeout: 30s
\`\`\`

### Markdown Lint Check
\`\`\`yaml
- id: markdown
  run: markdownlint '**/*.md'
  severity: warning
  suggestion: "Fix markdown formatting issues"
  timeout: 30s
\`\`\`

### YAML Lint Check
\`\`\`yaml
- id: yamllint
  run: yamllint .
  severity: warning
  suggestion: "Fix YAML formatting issues"
  timeout: 30s
\`\`\`

### Secret Detection
\`\`\`yaml
- id: secrets
  run: gitleaks detect --no-git
  severity: error
  suggestion: "Remove detected secrets before committing"
  timeout: 60s
\`\`\`

---

## YAML Syntax Requirements

The vibeguard.yaml file must be valid YAML. Follow these rules:

### Basic Structure
- The file must start with valid YAML syntax
- Use 2-space indentation consistently
- Strings with special characters must be quoted
- Arrays can use either block style (- item) or flow style ([item1, item2])

### Required Top-Level Keys
The configuration must have these top-level keys:
- **version** (required): Must be "1" (as a string)
- **vars** (optional): Map of variable names to string values
- **checks** (required): Array of check definitions

### String Quoting Rules
Quote strings that contain:
- Colons followed by space (: )
- Special YAML characters: {, }, [, ], ,, &, *, #, ?, |, -, <, >, =, !, %, @, \\
- Leading/trailing spaces
- Numbers that should be treated as strings
- Boolean-like values: yes, no, true, false, on, off

### Example Valid Structure
\`\`\`yaml
version: "1"

vars:
  packages: "./..."
  coverage_threshold: "70"

checks:
  - id: fmt
    run: gofmt -l .
    severity: error
\`\`\`

### Common Syntax Errors to Avoid
1. Missing quotes around version number: version: 1 (wrong) vs version: "1" (correct)
2. Tabs instead of spaces for indentation
3. Inconsistent indentation levels
4. Missing space after colon in key-value pairs
5. Unquoted strings with special characters

## Check Structure Requirements

Each check in the **checks** array must follow this structure:

### Required Fields
- **id** (string, required): Unique identifier for the check
  - Must start with a letter or underscore
  - Can contain letters, numbers, underscores, and hyphens
  - Must be unique across all checks
  - Examples: "fmt", "lint", "go-test", "npm_audit", "_private"

- **run** (string, required): Shell command to execute
  - Must be non-empty
  - Will be executed via shell (sh -c)
  - Can reference variables using {{.varname}} syntax

### Optional Fields
- **grok** (string or array of strings): Patterns to extract data from command output
  - Uses Grok syntax (similar to Logstash)
  - Common patterns: %{NUMBER:varname}, %{WORD:varname}, %{GREEDYDATA:varname}
  - Extracted values can be used in assertions

- **assert** (string): Condition that must be true for the check to pass
  - Supports comparisons: ==, !=, <, <=, >, >=
  - Supports boolean operators: &&, ||, !
  - References extracted grok values: coverage >= 70
  - References special variables: exit_code == 0, stdout == ""

- **severity** (string): "error" or "warning"
  - Default: "error"
  - "error": Check failure fails the overall run
  - "warning": Check failure is reported but doesn't fail the run

- **suggestion** (string): Message shown when check fails
  - Supports variable interpolation: {{.varname}}
  - Can reference grok-extracted values

- **requires** (array of strings): IDs of checks that must pass first
  - Creates dependency ordering
  - Referenced checks must exist
  - No circular dependencies allowed

- **timeout** (string): Maximum time for check execution
  - Format: Go duration string (e.g., "30s", "5m", "1h")
  - Default: "30s"

- **file** (string): File to read output from instead of command stdout
  - Useful for reading generated reports

### Example Complete Check
\`\`\`yaml
- id: coverage
  run: go test -cover ./... 2>&1 | tail -1
  grok:
    - "coverage: %{NUMBER:coverage}%"
  assert: "coverage >= 70"
  severity: warning
  suggestion: "Coverage is {{.coverage}}%, target is 70%. Add more tests."
  requires:
    - test
  timeout: 60s
\`\`\`

## Dependency Validation Rules

The **requires** field creates dependencies between checks. These rules must be followed:

### Basic Rules
1. All IDs in **requires** must reference existing checks
2. A check cannot require itself (no self-reference)
3. No circular dependencies allowed

### Circular Dependency Detection
A circular dependency exists when check A requires B, and B (directly or indirectly) requires A.

Examples of INVALID circular dependencies:
\`\`\`yaml
# Direct cycle: A -> B -> A
checks:
  - id: A
    run: echo A
    requires: [B]
  - id: B
    run: echo B
    requires: [A]

# Indirect cycle: A -> B -> C -> A
checks:
  - id: A
    run: echo A
    requires: [C]
  - id: B
    run: echo B
    requires: [A]
  - id: C
    run: echo C
    requires: [B]
\`\`\`

### Valid Dependency Patterns
\`\`\`yaml
# Linear chain: fmt -> vet -> lint -> test
checks:
  - id: fmt
    run: gofmt -l .
  - id: vet
    run: go vet ./...
    requires: [fmt]
  - id: lint
    run: golangci-lint run
    requires: [vet]
  - id: test
    run: go test ./...
    requires: [lint]

# Diamond pattern: A <- B, A <- C, B <- D, C <- D
checks:
  - id: A
    run: echo A
  - id: B
    run: echo B
    requires: [A]
  - id: C
    run: echo C
    requires: [A]
  - id: D
    run: echo D
    requires: [B, C]
\`\`\`

### Execution Order
- Checks with no dependencies run first (potentially in parallel)
- A check only runs after all its required checks pass
- If a required check fails, dependent checks are skipped

## Variable Interpolation Rules

Variables defined in **vars** can be referenced throughout the configuration.

### Syntax
- Variables are referenced using Go template syntax: {{.varname}}
- The variable name must match exactly (case-sensitive)
- Variables must be defined in the **vars** section before use

### Where Variables Can Be Used
Variables can be interpolated in these fields:
- **run**: Command to execute
- **assert**: Assertion expression
- **suggestion**: Failure message
- **file**: Output file path
- **grok**: Pattern strings (array elements)

### Example Usage
\`\`\`yaml
version: "1"

vars:
  packages: "./cmd/... ./internal/... ./pkg/..."
  coverage_min: "70"
  test_timeout: "5m"

checks:
  - id: test
    run: go test {{.packages}} -timeout {{.test_timeout}}
    severity: error
    suggestion: "Tests failed in {{.packages}}"

  - id: coverage
    run: go test {{.packages}} -cover 2>&1 | tail -1
    grok:
      - "coverage: %{NUMBER:coverage}%"
    assert: "coverage >= {{.coverage_min}}"
    suggestion: "Coverage {{.coverage}}% is below {{.coverage_min}}%"
\`\`\`

### Variable Naming Rules
- Use alphanumeric characters and underscores
- Start with a letter or underscore
- Case-sensitive: {{.Packages}} != {{.packages}}
- Good names: packages, coverage_min, test_timeout
- Avoid: kebab-case ({{.test-timeout}}) or spaces

### Grok-Extracted Values
Values extracted by grok patterns are available in:
- **assert**: Reference extracted values directly (coverage >= 70)
- **suggestion**: Use template syntax ({{.coverage}})

Config vars take precedence over grok-extracted values if names conflict.

### Common Mistakes
1. Using undefined variables: {{.undefined_var}} will remain as literal text
2. Wrong syntax: {.var} or {{ .var }} (must be {{.var}})
3. Referencing grok values in **run** (grok runs after the command)

## Explicit DO NOT List

When generating a vibeguard.yaml configuration, DO NOT:

### YAML Structure
- DO NOT include YAML comments (# comment) in the generated config
- DO NOT add extra top-level keys beyond version, vars, checks
- DO NOT use YAML anchors and aliases (&anchor, *alias)
- DO NOT use multi-document YAML (--- separator)

### Check Definitions
- DO NOT create checks for tools not detected in the project
- DO NOT use empty strings for required fields (id, run)
- DO NOT use invalid check IDs (must match ^[a-zA-Z_][a-zA-Z0-9_-]*$ - start with letter or underscore, then alphanumeric/underscore/hyphen)
- DO NOT use duplicate check IDs
- DO NOT reference undefined variables
- DO NOT create circular dependencies in requires

### Assertions and Grok
- DO NOT use invalid assertion syntax (missing operators, invalid comparisons)
- DO NOT reference grok-extracted values that don't exist
- DO NOT use unsupported assertion operators
- DO NOT write grok patterns that don't match Grok syntax

### Commands
- DO NOT assume tools are installed without detection evidence
- DO NOT use interactive commands (require user input)
- DO NOT use commands that modify system state destructively
- DO NOT hardcode paths that are project-specific without using variables

### Severity and Timeouts
- DO NOT use severity values other than "error" or "warning"
- DO NOT use invalid timeout formats (use Go duration: "30s", "5m", not "30 seconds")
- DO NOT set unreasonably short timeouts that would cause false failures

### Variable Interpolation
- DO NOT use variables before defining them in vars
- DO NOT mix up variable syntax (use {{.var}}, not $var or \${var})
- DO NOT name variables with special characters or spaces

### General Guidelines
- DO NOT generate configs that would fail vibeguard validate
- DO NOT assume the execution environment has specific tools without verification
- DO NOT create overly complex configurations when simple ones suffice
- DO NOT add checks that provide no value for the project type

---

## Your Task

Based on your project analysis above, follow these steps to set up VibeGuard for the . project:

### Step 1: Choose Your Approach

You have two options:

**Option A: Use a Template (Recommended for most projects)**
- Run: \`\`\`bashvibeguard init --list-templates\`\`\`
- Find a template that matches your project type
- Run: \`\`\`bashvibeguard init --template <template-name>\`\`\`
- This creates a predefined vibeguard.yaml configuration optimized for your language/framework

**Option B: Create a Custom Configuration**
- If no template fits your needs, create a custom vibeguard.yaml
- Based on your analysis, identify the quality checks and tools to include
- Follow the Configuration Requirements section above
- Ensure each check has a clear purpose and appropriate settings

### Step 2: Validate Your Configuration

Once you have a vibeguard.yaml file, validate it:

\`\`\`bash
vibeguard validate
\`\`\`

This verifies the configuration has correct YAML syntax and adheres to the vibeguard schema.

### Step 3: Test Your Checks

Run the checks to ensure they execute properly:

\`\`\`bash
vibeguard check
\`\`\`

Review any failures and fix them:
- Adjust commands if tools aren't found
- Update assertions if they don't match your project's output
- Add variable definitions if needed
- Adjust timeouts if checks are timing out

### Step 4: Commit the Configuration

Once all checks pass, save the vibeguard.yaml file to your project repository. This ensures the configuration is version-controlled and used by all team members.

### Success Criteria

Your task is complete when:
- ✅ vibeguard validate passes without errors
- ✅ vibeguard check runs all checks successfully
- ✅ vibeguard.yaml is committed to the repository`;
