#!/usr/bin/env bash
# `npm run test:nest11 [-- jest args]`: the whole jest suite on the NestJS 11 line. Copies the checkout (tracked and
# untracked files, no node_modules) into a temp dir, installs the Nest 11 set there on top of the lock file (every
# other package stays at its locked version) and runs jest in the copy. The checkout itself is not touched.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

# The Nest 11 line of every @nestjs package the library, the demo or the tests import (the versions a Nest 11 app
# has: @nestjs/event-emitter 3.x and @nestjs/typeorm 11.x are the Nest 11 releases of those packages).
NEST11=(
  @nestjs/common@^11.2.10
  @nestjs/core@^11.2.10
  @nestjs/platform-express@^11.2.10
  @nestjs/testing@^11.2.6
  @nestjs/event-emitter@^3.1.0
  @nestjs/typeorm@^11.0.3
  @nestjs/bull-shared@^11.0.5
)

copy="$(mktemp -d "${TMPDIR:-/tmp}/nestjs-durable-bus-nest11.XXXXXX")"
cleanup() { rm -rf "$copy"; }
trap cleanup EXIT
# The embedded PostgreSQL of the tests may run as another user (root cannot run it): let it read the copy.
chmod 755 "$copy"

echo "test:nest11: copying the checkout to $copy"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$copy"

echo "test:nest11: installing ${NEST11[*]}"
(cd "$copy" && npm install --no-audit --no-fund --loglevel=error "${NEST11[@]}" >/dev/null)
(cd "$copy" && node -e '
  const v = (p) => require(require.resolve(p + "/package.json", { paths: [process.cwd()] })).version;
  const names = ["@nestjs/common", "@nestjs/core", "@nestjs/testing", "@nestjs/event-emitter", "@nestjs/typeorm"];
  const versions = names.map((n) => `${n}@${v(n)}`);
  if (!v("@nestjs/core").startsWith("11.")) throw new Error("expected @nestjs/core 11, got " + v("@nestjs/core"));
  console.log("test:nest11: running the suite on " + versions.join(" "));
')

cd "$copy"
npx jest "$@"
