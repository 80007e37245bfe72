/**
 * superjson, through the one module the library build replaces with a CommonJS bundle of superjson and its
 * dependencies (`tools/bundle-superjson.ts`, run by `npm run build:lib`). superjson 2 ships ESM only, which the
 * Jest of a CommonJS app (what `nest new` generates: ts-jest, no transformIgnorePatterns) cannot load from
 * node_modules; so the published package requires no ESM-only module and a user's Jest needs no setup for it.
 * In this repository (sources, tests, demo) it is plain superjson.
 */
export { SuperJSON } from 'superjson';
