// The import rules of Herald's layers, checked by `npm run lint:imports` (CI runs it).
//
// Layers, top to bottom. A module may import from its own layer and from any layer below it;
// importing from a layer above is refused unless the import is type-only (`import type`), which
// leaves no edge at run time. No import circle is allowed anywhere in src/, type-only or not.
// The path of an event from publish to the receiver (api → services → core → repositories /
// temporal → delivery) therefore only ever goes down.
//
//   1 entry     src/main          thin entry points: parse config, call createHerald, run
//   2 app       src/app           the composition root: builds every part, roles by config
//   3 edge      src/api           transport only (tRPC, REST, HTTP), and src/worker (the worker
//               src/worker        runtime and its sweeps)
//   4 services  src/services      the API's domain services (webhooks, deliveries, event types)
//   5 core      src/core          the delivery core: fan-out, the one status writer, the attempt
//               src/activities    pipeline; activities are Temporal's thin adapters onto it;
//               src/workflows     workflows import activities as types only
//   6 data      src/repositories  SQL, database, Temporal plumbing, observability, embedded infra
//               src/db src/temporal src/observability src/infra
//   7 rules     src/delivery      pure rules and leaves: delivery rules and the HTTP sender,
//               src/security      security checks, catalogs, JSON scanning, config, logging
//               src/catalogs src/json src/config.ts src/log.ts
const LAYERS = [
  ['entry', ['^src/main/']],
  ['app', ['^src/app/']],
  ['edge', ['^src/api/', '^src/worker/']],
  ['services', ['^src/services/']],
  ['core', ['^src/core/', '^src/activities/', '^src/workflows/']],
  ['data', ['^src/repositories/', '^src/db/', '^src/temporal/', '^src/observability/', '^src/infra/']],
  ['rules', ['^src/delivery/', '^src/security/', '^src/catalogs/', '^src/json/', '^src/config\\.ts$', '^src/log\\.ts$']],
];

const upward = [];
LAYERS.forEach(([name, paths], i) => {
  const above = LAYERS.slice(0, i).flatMap(([, p]) => p);
  if (!above.length) return;
  upward.push({
    name: `no-upward-from-${name}`,
    comment: `${name} may not import from a layer above it at run time (type-only imports are fine)`,
    severity: 'error',
    from: { path: paths },
    to: { path: above, dependencyTypesNot: ['type-only'] },
  });
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle inside src/, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'workflows-import-activities-as-types',
      comment: 'Workflow code runs in the sandbox: it takes activities as types only (proxyActivities).',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-stay-deterministic',
      comment: 'Workflow code imports no database, HTTP, node built-in or process-level module.',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: ['^src/(repositories|db|api|services|app|main|worker|infra|observability)/', 'node_modules/(kysely|pg|undici)/'],
      },
    },
    {
      name: 'workflows-use-no-node-built-ins',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'src-does-not-import-tools-tests-or-bench',
      comment: 'The product never imports machine tooling, tests, the bench or chaos.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test|bench|chaos)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|db)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
