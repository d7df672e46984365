// The layers of src/ (see docs/architecture.md), checked by `npm run lint:layers` (part of `npm test`).
// A module may import its own layer, a sibling of its tier, or a lower tier; never a cycle; and the CLI reaches the
// engine through its public entry modules only.

/** Lowest first. Layers of one tier may import each other (without cycles). */
const TIERS = [
  ['common'], //          errors, arguments, abort, signals, duration, text, glob, mask, safe files
  ['observe'], //         the event and observer types, and the emitters every kind of run reports through
  ['core'], //            semaphore, run-with-concurrency, process-parallel, parallel-map, turns, item-source
  ['graph', 'pipeline', 'threads'],
  ['exec'], //            child processes, groups, kill escalation, /proc identity, the sweep
  ['config'], //          YAML → diagnostics → resolved checks
  ['checks'], //          the checks engine: runChecks, RunEvent, report, selection, state
  ['distributed'], //     BullMQ executor, worker, auth, shards, merge-reports
  ['cli'], //             commands, actions, reporters, terminal
];

/** What the CLI may import beside itself: the package's public entry modules, and common/ (everything may). */
const CLI_MAY_IMPORT = ['^src/cli/', '^src/common/', '^src/index\\.ts$', '^src/[a-z]+/index\\.ts$'];

/**
 * KNOWN VIOLATIONS: the imports that still break a rule, each `importer: [imported, …]` — mostly CLI modules reaching
 * private modules of the engine instead of its entry modules, and the checks engine's shard selection reaching
 * distributed/. Nothing may be added here: a new violation fails `npm test`. Delete each entry as its import goes
 * (export what the CLI needs from the entry module), and this block with the last one.
 * @type {Record<string, string[]>}
 */
const KNOWN_VIOLATIONS = {
  'src/checks/shard.ts': ['src/distributed/shard.ts'],
  'src/cli/actions/background.ts': ['src/checks/prepare.ts', 'src/checks/report.ts', 'src/checks/state/journal.ts', 'src/checks/state/run-folder.ts', 'src/checks/state/runs.ts', 'src/exec/processes.ts'],
  'src/cli/actions/check.ts': ['src/observe/registry.ts', 'src/observe/types.ts'],
  'src/cli/actions/graph.ts': ['src/checks/select.ts', 'src/checks/state/logs.ts', 'src/config/types.ts'],
  'src/cli/actions/hook.ts': ['src/checks/changed.ts', 'src/checks/record.ts', 'src/config/diagnostics.ts', 'src/config/load.ts', 'src/config/types.ts'],
  'src/cli/actions/init.ts': ['src/config/load.ts', 'src/config/suggest.ts'],
  'src/cli/actions/list.ts': ['src/checks/session.ts', 'src/config/types.ts'],
  'src/cli/actions/merge-reports.ts': ['src/distributed/errors.ts', 'src/distributed/merge-reports.ts'],
  'src/cli/actions/prompt.ts': ['src/config/suggest.ts', 'src/config/types.ts'],
  'src/cli/actions/report.ts': ['src/checks/report.ts', 'src/checks/state/runs.ts'],
  'src/cli/actions/validate.ts': ['src/config/diagnostics.ts', 'src/config/load.ts'],
  'src/cli/actions/worker.ts': ['src/config/find.ts', 'src/config/load.ts', 'src/distributed/auth.ts', 'src/distributed/commit.ts', 'src/distributed/pinned.ts', 'src/distributed/worker.ts'],
  'src/cli/background/follow.ts': ['src/checks/record.ts', 'src/checks/report.ts', 'src/checks/state/journal.ts', 'src/checks/state/runs.ts'],
  'src/cli/background/launch.ts': ['src/checks/report.ts', 'src/checks/state/logs.ts', 'src/checks/state/run-folder.ts', 'src/checks/state/runs.ts'],
  'src/cli/engine.ts': ['src/exec/executor.ts', 'src/exec/run-command.ts', 'src/graph/analysis.ts', 'src/graph/scheduler.ts', 'src/graph/types.ts'],
  'src/cli/errors.ts': ['src/checks/errors.ts'],
  'src/cli/load-config.ts': ['src/checks/events.ts', 'src/checks/load.ts', 'src/config/types.ts'],
  'src/cli/program.ts': ['src/exec/kill-groups.ts'],
  'src/cli/redis-target.ts': ['src/distributed/auth.ts', 'src/distributed/protocol.ts', 'src/distributed/secrets.ts'],
  'src/cli/remote.ts': ['src/distributed/backend.ts', 'src/distributed/bullmq-executor.ts', 'src/distributed/commit.ts', 'src/distributed/errors.ts', 'src/distributed/job-client.ts', 'src/distributed/pinned.ts', 'src/exec/spawn-error.ts'],
  'src/cli/reporters/html/page.ts': ['src/checks/report.ts'],
  'src/cli/reporters/html/reporter.ts': ['src/checks/events.ts', 'src/checks/report.ts'],
  'src/cli/reporters/html/timeline.ts': ['src/checks/report.ts'],
  'src/cli/reporters/human.ts': ['src/checks/record.ts', 'src/checks/report.ts'],
  'src/cli/reporters/junit.ts': ['src/checks/report.ts'],
  'src/cli/reporters/ndjson.ts': ['src/checks/events.ts'],
  'src/cli/reporters/reporter.ts': ['src/checks/events.ts'],
  'src/cli/signals.ts': ['src/exec/kill-groups.ts'],
};

/**
 * Upward imports that stay: processParallel loads its worker-thread pool lazily, only for a worker module.
 * @type {Record<string, string[]>}
 */
const ALLOWED_UPWARD = {
  'src/core/process-parallel.ts': ['src/threads/thread-pool.ts'],
};

/** @param {string} path */
const exact = (path) => `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
/** @type {Record<string, string[]>} */
const exceptions = { ...KNOWN_VIOLATIONS };
for (const [from, to] of Object.entries(ALLOWED_UPWARD)) exceptions[from] = [...(exceptions[from] ?? []), ...to];

/**
 * @typedef {{ path: string; pathNot?: string[] }} Paths
 * @typedef {{ name: string; comment: string; severity: 'error'; from: Paths; to: Paths }} Rule
 */

/**
 * A forbidden rule, and beside it one per excepted importer that spares exactly its excepted imports.
 * @param {Rule} rule
 * @returns {Rule[]}
 */
function forbid(rule) {
  const fromPath = new RegExp(rule.from.path);
  const excepted = Object.keys(exceptions).filter((file) => fromPath.test(file));
  return [
    { ...rule, from: { ...rule.from, pathNot: [...(rule.from.pathNot ?? []), ...excepted.map(exact)] } },
    ...excepted.map((file) => ({
      ...rule,
      from: { path: exact(file) },
      to: { ...rule.to, pathNot: [...(rule.to.pathNot ?? []), ...(exceptions[file] ?? []).map(exact)] },
    })),
  ];
}

const layerRules = TIERS.flatMap((tier, index) => {
  const above = TIERS.slice(index + 1).flat();
  if (above.length === 0) return [];
  return tier.flatMap((layer) =>
    forbid({
      name: `layer-${layer}`,
      comment: `src/${layer}/ may import only its own tier or lower ones, not ${above.join(', ')} (see docs/architecture.md)`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${above.join('|')})/` },
    }),
  );
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'an import cycle (type-only imports included): move the shared part into the lower module',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    ...forbid({
      name: 'cli-public-api',
      comment: 'src/cli/ imports the engine through the package\'s entry modules only (src/index.ts, src/<area>/index.ts), never a private module',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: CLI_MAY_IMPORT },
    }),
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
