#!/usr/bin/env bash
# `npm run test:consumer`: packs the library and installs the tarball into fresh apps outside the repo, one on
# NestJS 11 and one on NestJS 12, as `nest new` sets them up (their tsconfig with skipLibCheck false, their jest with
# plain ts-jest), without bullmq and ioredis (the in-memory transport must not need them). Per app: tsc, then jest.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tools/consumer-test"
(cd "$root" && npm run pack:lib --silent >/dev/null) || { echo "consumer: npm run pack:lib failed"; exit 1; }
tarball="$(ls "$root"/nestjs-durable-bus-*.tgz | head -1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nestjs-durable-bus-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=0

run_app() { # name nest-version testing-version typescript jest-script [extra jest config]
  local name=$1 nest=$2 testing=$3 ts=$4 script=$5 extra=${6:-} dir="$work/$1"
  mkdir -p "$dir" && cp -r "$here/app/src" "$dir/" && cp "$tarball" "$dir/nestjs-durable-bus.tgz"
  cp "$here/$name.tsconfig.json" "$dir/tsconfig.json"
  cat >"$dir/package.json" <<JSON
{ "name": "consumer-$name", "private": true, "scripts": { "test": "$script" },
  "dependencies": { "nestjs-durable-bus": "file:./nestjs-durable-bus.tgz", "@nestjs/common": "$nest",
    "@nestjs/core": "$nest", "@nestjs/platform-express": "$nest", "reflect-metadata": "^0.2.2", "rxjs": "^7.8.1" },
  "devDependencies": { "@nestjs/testing": "$testing", "@types/jest": "^30.0.0", "@types/node": "^20.19.0",
    "jest": "^30.0.0", "ts-jest": "^29.4.0", "ts-node": "^10.9.2", "typescript": "$ts" },
  "jest": { "moduleFileExtensions": ["js", "json", "ts"], "rootDir": "src", "testRegex": ".*\\\\.spec\\\\.ts$",
    "transform": { "^.+\\\\.(t|j)s$": "ts-jest" }, "testEnvironment": "node"$extra } }
JSON
  if ! (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >"$dir/install.log" 2>&1); then
    echo "consumer: $name npm install failed:"; tail -20 "$dir/install.log"; failed=1; return
  fi
  local absent="bullmq/ioredis absent"
  [ -e "$dir/node_modules/bullmq" ] || [ -e "$dir/node_modules/ioredis" ] && absent="bullmq/ioredis INSTALLED"
  local tsc=ok jest=ok tests=0
  (cd "$dir" && npx tsc --noEmit -p tsconfig.json >"$dir/tsc.log" 2>&1) || tsc=FAILED
  if [ "$name" = nest12 ] && ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 24 || (a === 24 && b >= 9) ? 0 : 1)'; then
    # Nest 12 is ESM only; Jest loads ESM from CommonJS tests only on Node >= 24.9 (ts-jest with
    # transformIgnorePatterns still fails inside @nestjs/common). That is Nest's requirement, not this library's.
    echo "consumer: $name jest skipped: Node $(node -v) < 24.9 cannot load Nest 12 (ESM only) in Jest"
    jest=skipped
  else
    (cd "$dir" && npm test --silent -- --json --outputFile="$dir/jest.json" >"$dir/jest.log" 2>&1) || jest=FAILED
  fi
  [ -f "$dir/jest.json" ] && tests=$(node -p "require('$dir/jest.json').numPassedTests + '/' + require('$dir/jest.json').numTotalTests")
  echo "consumer: $name in-memory ($absent) tsc=$tsc jest=$jest ($tests tests)"
  [ "$tsc" = ok ] || { sed -n 1,15p "$dir/tsc.log"; failed=1; }
  [ "$jest" = ok ] || [ "$jest" = skipped ] || { grep -v '^\s*$' "$dir/jest.log" | head -30; failed=1; }
  [ "$absent" = "bullmq/ioredis absent" ] || failed=1
}

run_app nest11 '^11.2.10' '^11.2.6' '~5.9.0' 'jest'
run_app nest12 '^12.0.0' '^12.0.0' '~6.0.2' 'node --experimental-vm-modules ./node_modules/jest/bin/jest.js' \
  ', "transformIgnorePatterns": ["/node_modules/(?!@nestjs/)"]'
exit $failed
