/**
 * The layering rules, checked by dependency-cruiser (`npm run lint:deps`, run by .ci/run).
 *
 * Layers, bottom to top. A module may import its own layer and the layers below it, never one
 * above. The reasons are in docs/architecture.md ("Layers").
 *
 *   shared/            general helpers (invariant, Fifo, MinHeap, TtlQueue); imports nothing of ours
 *   engine/api         the contract: types, errors, limits, options, validation
 *   engine/lifecycle   the xstate machines and the tables derived from them
 *   engine/wire        data-only msgpack and frame counting, shared by gateway and client
 *   engine/ledger      the single-threaded allocation state of one shard
 *   engine/journal     append-only journals, snapshots, the data-directory lock
 *   engine/shard       one worker thread: ledger + journal behind the shard protocol
 *   engine/router      the engine in the caller's thread: routing, cross-shard holds, watches
 *   engine/gateway     the WebSocket/HTTP service in front of an engine
 *   engine/client      the typed client of the gateway (api and wire only: it runs elsewhere)
 *   engine/*.ts        the package's entry (createEngine, index)
 *   simulator/         scenarios, models and reports; uses the engine's public entries only
 *   bench/             benchmarks; may measure any layer below
 *   cli/               the `holdfast` command; on top of everything
 */
const LAYERS = [
  { name: 'shared', path: '^shared/' },
  { name: 'api', path: '^engine/api/' },
  { name: 'lifecycle', path: '^engine/lifecycle/' },
  { name: 'wire', path: '^engine/wire/' },
  { name: 'ledger', path: '^engine/ledger/' },
  { name: 'journal', path: '^engine/journal/' },
  { name: 'shard', path: '^engine/shard/' },
  { name: 'router', path: '^engine/router/' },
  { name: 'gateway', path: '^engine/gateway/' },
  { name: 'client', path: '^engine/client/' },
  { name: 'entry', path: '^engine/[^/]+\\.ts$' },
  { name: 'simulator', path: '^simulator/' },
  { name: 'bench', path: '^bench/' },
  { name: 'cli', path: '^cli/' },
];

/** One rule per layer: nothing in it imports a layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `${layer.name}-imports-no-higher-layer`,
  comment: `${layer.path} may import only ${LAYERS.slice(0, index + 1)
    .map((l) => l.name)
    .join(', ')}`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(index + 1).map((l) => l.path) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'No import cycle, type-only imports included: a cycle means two concepts are one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'client-imports-api-and-wire-only',
      comment: 'The client runs in another process: it may share the contract and the wire format, nothing else.',
      severity: 'error',
      from: { path: '^engine/client/' },
      to: { path: '^engine/', pathNot: ['^engine/(api|wire|client)/'] },
    },
    {
      name: 'gateway-and-client-apart',
      comment: 'The gateway never imports the client (it serves it; the wire format is shared in engine/wire).',
      severity: 'error',
      from: { path: '^engine/gateway/' },
      to: { path: '^engine/client/' },
    },
    {
      name: 'simulator-uses-public-engine-only',
      comment: 'The simulator drives the engine as a user does: through engine/index, engine/api and the client.',
      severity: 'error',
      from: { path: '^simulator/' },
      to: { path: '^engine/', pathNot: ['^engine/(index|engine)\\.ts$', '^engine/api/', '^engine/client/'] },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code, unless it is an entry point (a worker, a script, a main).',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '\\.d\\.ts$',
          '(^|/)tsconfig\\.json$',
          '^engine/index\\.ts$',
          '^engine/client/index\\.ts$',
          '^simulator/index\\.ts$',
          '^cli/main\\.ts$',
          '^engine/shard/worker\\.ts$',
          '^simulator/plan/plan-worker\\.ts$',
          '^bench/gateway/(server|echo-server)\\.ts$',
        ],
      },
      to: {},
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-dependency-in-shipped-code',
      comment: 'Code the package ships (engine/, simulator/, cli/, shared/) uses runtime dependencies only.',
      severity: 'error',
      from: { path: '^(engine|simulator|cli|shared)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
