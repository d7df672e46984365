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
  ['checks'], //          the checks engine: runChecks, RunEvent, report, selection, shard planning, state
  ['distributed'], //     BullMQ executor, worker, auth, merge-reports
  ['cli'], //             commands, actions, reporters, terminal
];

/**
 * Entry modules beside the package's: narrower doors into one area, so a command loads only what it uses (the
 * `fanout check` path through src/checks/run-entry.ts does not load watch, the shared cache or run state).
 */
const ENTRY_MODULES = ['^src/checks/run-entry\\.ts$'];

/** What the CLI may import beside itself: the package's public entry modules, and common/ (everything may). */
const CLI_MAY_IMPORT = ['^src/cli/', '^src/common/', '^src/index\\.ts$', '^src/[a-z]+/index\\.ts$', ...ENTRY_MODULES];

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
const exceptions = ALLOWED_UPWARD;

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
