// The library's layers (ARCHITECTURE.md): a file may import its own layer or a lower one, never a higher one, and
// no two files or folders may import each other in a circle. `npm run deps:check` (run by .ci/run) enforces it.
const lib = '^libs/event-bus/';
const src = `${lib}src/`;

/** Lowest first. A layer is one or more folders; `transport/` alone is the adapters' shared code. */
const layers = [
  { name: 'errors', paths: [`${src}errors/`] },
  { name: 'contracts', paths: [`${src}contracts/`] },
  { name: 'events', paths: [`${src}events/`, `${src}codec/`] },
  { name: 'handlers', paths: [`${src}handlers/`] },
  { name: 'dispatch', paths: [`${src}dispatch/`] },
  {
    name: 'features',
    paths: [
      `${src}transactions/`,
      `${src}outbox/`,
      `${src}inbox/`,
      `${src}partitions/`,
      `${src}bridge/`,
      `${src}publishing/`,
      `${src}broadcast/`,
      `${src}telemetry/`,
    ],
  },
  { name: 'adapters', paths: [`${src}transport/`, `${src}postgres/`] },
  { name: 'module', paths: [`${src}module/`] },
  {
    name: 'entry points',
    paths: [
      `${src}index\\.ts$`,
      `${lib}testing/`,
      `${lib}dashboard/`,
      `${lib}typeorm/`,
      `${lib}drizzle/`,
      `${lib}bullmq/`,
      `${lib}transport/`,
      `${lib}terminus/`,
      `${lib}postgres/`,
    ],
  },
];

const group = (paths) => `(${paths.join('|')})`;
const upward = layers.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} may import only ${layers
    .slice(0, index + 1)
    .map((l) => l.name)
    .join(', ')}: move the shared piece down, or invert the dependency through a contract.`,
  severity: 'error',
  from: { path: group(layer.paths) },
  to: { path: group(layers.slice(index + 1).flatMap((l) => l.paths)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'every-folder-in-a-layer',
      comment: 'A library file outside every layer: put its folder in a layer here and in ARCHITECTURE.md.',
      severity: 'error',
      from: { path: lib, pathNot: group(layers.flatMap((l) => l.paths)) },
      to: {},
    },
    {
      name: 'no-file-cycles',
      comment: 'Two files import each other, directly or through others.',
      severity: 'error',
      from: { path: lib },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Two folders import each other, directly or through others.',
      severity: 'error',
      scope: 'folder',
      from: { path: lib },
      to: { circular: true },
    },
    {
      name: 'broker-only-in-its-adapter',
      comment:
        'Only the BullMQ adapter (src/transport/bullmq/), the module that picks it, its entry point and the Bull Board dashboard load bullmq or ioredis.',
      severity: 'error',
      from: {
        path: lib,
        pathNot: `(${src}transport/bullmq/|${src}module/|${lib}bullmq/|${lib}dashboard/)`,
      },
      // An ESM-only `exports` map can leave bullmq unresolved: then its name is the path.
      to: { path: '^(node_modules/)?(bullmq|ioredis)(/|$)' },
    },
    {
      name: 'names-bullmq-transport-only-where-allowed',
      comment: 'The core reaches a broker only through the EventTransport contract.',
      severity: 'error',
      from: { path: lib, pathNot: `(${src}transport/bullmq/|${src}module/|${lib}bullmq/)` },
      to: { path: `${src}transport/bullmq/` },
    },
  ],
  options: {
    includeOnly: [
      '^libs/event-bus/(src|testing|dashboard|typeorm|drizzle|bullmq|transport|postgres|terminus)/',
      '^(node_modules/)?(bullmq|ioredis)(/|$)',
    ],
    exclude: { path: '^libs/event-bus/dist/' },
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
