#!/usr/bin/env bash
# `npm run test:consumer`: packs the library and installs the tarball into two fresh apps outside the repo, one on
# NestJS 11 and one on NestJS 12, set up as `nest new` sets them up (app.tsconfig.json: theirs with skipLibCheck
# false, kept out of app/ so that eslint checks app/src with the repo's tsconfig; app/jest.config.json: their jest,
# plain ts-jest), without bullmq and ioredis (the in-memory transport must not need them). Per app: npm install, tsc,
# then jest on app/src/orders.spec.ts through the testing kit.
#
# The Nest 12 app on Node < 24.9 uses app/jest.nest12-node20.config.json instead: NestJS 12 ships ES modules only,
# which Jest cannot require there, so the app has SWC turn `@nestjs/*` into CommonJS. That is the setup any Nest 12
# app on that Node needs for Nest itself; it must name nothing of this library or its dependencies (checked below).
#
# Every step is bounded by `timeout` (CONSUMER_STEP_TIMEOUT seconds, default 300); the two apps run side by side;
# the temporary folder (tarball included) is removed on exit. Exit status 0 only when every step of both apps passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tools/consumer-test"
limit="${CONSUMER_STEP_TIMEOUT:-300}"
work="$(mktemp -d "${TMPDIR:-/tmp}/nestjs-durable-bus-consumer.XXXXXX")"
pids=()
cleanup() {
  # Each `timeout` leads its own process group (npm, tsc, jest and their children): end those, then the apps.
  local pid
  for pid in $(cat "$work"/*.timeout "$work"/*/*.timeout 2>/dev/null); do kill -- "-$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do kill -- "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$SECONDS

# bounded LOG COMMAND...: runs COMMAND (its whole process group) for at most $limit seconds, output into LOG.
bounded() {
  local log=$1 status
  shift
  timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 &
  echo $! >"$log.timeout"
  wait $!
  status=$?
  rm -f "$log.timeout"
  [ $status -eq 124 ] || [ $status -eq 137 ] && echo "consumer: timed out after ${limit}s: $*" >>"$log"
  return $status
}

# Packed into the temporary folder: no tarball is left in the checkout, and no stale one is picked up.
if ! bounded "$work/pack.log" bash -c "cd '$root' && npm run build:lib --silent &&
  npm pack ./libs/event-bus --pack-destination '$work' --silent"; then
  echo "consumer: packing the library failed:"
  tail -20 "$work/pack.log"
  exit 1
fi
tarball="$(ls "$work"/nestjs-durable-bus-*.tgz)"
echo "consumer: packed $(basename "$tarball") in $((SECONDS - started))s"

# Jest requires ES modules natively from Node 24.9 on.
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 24 || (a === 24 && b >= 9) ? 0 : 1)'; then
  nest12_jest=jest.config.json nest12_swc=''
else
  nest12_jest=jest.nest12-node20.config.json nest12_swc='"@swc/core": "^1.15.0", "@swc/jest": "^0.2.39", '
fi

# app NAME NEST TESTING TYPESCRIPT JEST-CONFIG TEST-SCRIPT EXTRA-DEV-DEPENDENCIES: writes NAME.report, exits 0 if ok.
app() {
  local name=$1 nest=$2 testing=$3 ts=$4 config=$5 script=$6 extra=$7 dir="$work/$1" report="$work/$1.report"
  local t status=0 absent tests=''
  mkdir -p "$dir" && cp -r "$here/app/src" "$tarball" "$dir/" && cp "$here/app.tsconfig.json" "$dir/tsconfig.json"
  cp "$here/app/$config" "$dir/jest.config.json"
  echo "consumer: $name (@nestjs/* $nest, typescript $ts, Node $(node -v), jest config $config)" >"$report"
  if grep -Eiq 'durable-bus|superjson|copy-anything|is-what|ulidx|bullmq|ioredis' "$dir/jest.config.json"; then
    echo "  FAILED: $config names this library or one of its dependencies" >>"$report"
    return 1
  fi
  cat >"$dir/package.json" <<JSON
{ "name": "consumer-$name", "private": true, "scripts": { "test": "$script" },
  "dependencies": { "nestjs-durable-bus": "file:./$(basename "$tarball")", "@nestjs/common": "$nest",
    "@nestjs/core": "$nest", "@nestjs/platform-express": "$nest", "reflect-metadata": "^0.2.2", "rxjs": "^7.8.1" },
  "devDependencies": { $extra"@nestjs/testing": "$testing", "@types/jest": "^30.0.0", "@types/node": "^20.19.0",
    "jest": "^30.0.0", "ts-jest": "^29.4.0", "ts-node": "^10.9.2", "typescript": "$ts" } }
JSON
  t=$SECONDS
  if ! bounded "$dir/install.log" bash -c "cd '$dir' && npm install --no-audit --no-fund --loglevel=error"; then
    { echo "  install  $((SECONDS - t))s FAILED:"; tail -20 "$dir/install.log"; } >>"$report"
    return 1
  fi
  absent='bullmq and ioredis absent'
  if [ -e "$dir/node_modules/bullmq" ] || [ -e "$dir/node_modules/ioredis" ]; then
    absent='FAILED: bullmq or ioredis was installed'
    status=1
  fi
  echo "  install  $((SECONDS - t))s ok, $absent" >>"$report"

  t=$SECONDS
  if bounded "$dir/tsc.log" bash -c "cd '$dir' && npx tsc --noEmit -p tsconfig.json"; then
    echo "  tsc      $((SECONDS - t))s ok (skipLibCheck false)" >>"$report"
  else
    { echo "  tsc      $((SECONDS - t))s FAILED:"; sed -n 1,20p "$dir/tsc.log"; } >>"$report"
    status=1
  fi

  t=$SECONDS
  bounded "$dir/jest.log" bash -c "cd '$dir' && npm test --silent -- --ci --json --outputFile='$dir/jest.json'"
  local jest_status=$?
  [ -f "$dir/jest.json" ] &&
    tests=$(node -p "const r = require('$dir/jest.json'); r.numPassedTests + '/' + r.numTotalTests + ' tests passed'")
  if [ $jest_status -eq 0 ] && [ -n "$tests" ] && [ "${tests%%/*}" != 0 ]; then
    echo "  jest     $((SECONDS - t))s ok, $tests" >>"$report"
  else
    echo "  jest     $((SECONDS - t))s FAILED${tests:+, $tests}:" >>"$report"
    grep -v '^\s*$' "$dir/jest.log" | head -40 >>"$report"
    status=1
  fi
  return $status
}

app nest11 '^11.2.10' '^11.2.6' '~5.9.0' jest.config.json jest '' &
pids+=($!)
app nest12 '^12.0.0' '^12.0.0' '~6.0.2' "$nest12_jest" \
  'node --experimental-vm-modules ./node_modules/jest/bin/jest.js' "$nest12_swc" &
pids+=($!)

failed=()
for index in 0 1; do
  wait "${pids[$index]}" || failed+=("$([ "$index" = 0 ] && echo nest11 || echo nest12)")
done
pids=()
cat "$work/nest11.report" "$work/nest12.report"
if [ ${#failed[@]} -gt 0 ]; then
  echo "consumer: FAILED (${failed[*]}) in $((SECONDS - started))s"
  exit 1
fi
echo "consumer: both apps passed in $((SECONDS - started))s"
