/**
 * Step two of `npm run build:lib`, after tsc: replaces dist/src/codec/bundled-superjson.js (a `require('superjson')`)
 * with a CommonJS bundle of superjson and copy-anything (both ESM only, both MIT), so that the published package loads
 * no ESM-only module and a CommonJS app's Jest can import it with no transform settings. The wire format is
 * superjson's own: the bundle is the same code, only its module format changes. Their licences head the bundle.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');
const entry = join(root, 'libs/event-bus/src/codec/bundled-superjson.ts');
const outfile = join(root, 'libs/event-bus/dist/src/codec/bundled-superjson.js');

/** The folder of an installed package (their `exports` hide package.json from require.resolve). */
function packageDir(name: string, from: string): string {
  let dir = dirname(require.resolve(name, { paths: [from] }));
  while (!existsSync(join(dir, 'package.json')) || readManifest(dir).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json of ${name} not found`);
    dir = parent;
  }
  return dir;
}

function readManifest(dir: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
}

function licenceOf(dir: string): string {
  const { name, version } = readManifest(dir);
  return `${name}@${version}\n\n${readFileSync(join(dir, 'LICENSE'), 'utf8').trim()}`;
}

/** superjson and what it imports (copy-anything, which inlines is-what). */
function bundledPackages(): string[] {
  const superjson = packageDir('superjson', root);
  return [superjson, packageDir('copy-anything', superjson)];
}

async function main(): Promise<void> {
  const banner = [
    'Bundled into nestjs-durable-bus as CommonJS (the packages ship ESM only). Their licences:',
    ...bundledPackages().map(licenceOf),
  ]
    .join('\n\n')
    .replace(/\*\//g, '* /');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    allowOverwrite: true,
    legalComments: 'inline',
    banner: { js: `/*!\n${banner}\n*/` },
    logLevel: 'warning',
  });
  // tsc's map and declarations describe the file that was replaced; nothing public refers to them.
  for (const stale of ['.js.map', '.d.ts', '.d.ts.map']) rmSync(outfile.replace(/\.js$/, stale), { force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
