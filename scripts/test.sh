#!/usr/bin/env bash
# The project's one test command (`npm test`, called by .ci/run): prepares the real test bed (packages,
# hugepages, private sshd, guest kernel and image), builds, type-checks and lints, runs the jest suites and
# then the Robot suites, and prints one closing line `tests: N passed, N failed`.
#
# Opt-outs for a developer's machine (CI never sets them): QUR_SKIP_TESTBED=1 skips preparing the bed (tests
# that need it then fail loudly unless their own QUR_SKIP_* variable is set too).
set -uo pipefail
cd "$(dirname "$0")/.."
results=test-results
rm -rf "$results" && mkdir -p "$results"
started=$(date +%s)

step() { printf '\n[test] %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }
fail() { echo "[test] FAILED: $1" >&2; echo "tests: 0 passed, 1 failed"; exit 1; }

step "dependencies"
bash scripts/ensure-deps.sh || fail "npm ci"

if [ "${QUR_SKIP_TESTBED:-}" != 1 ]; then
  step "test bed"
  bash scripts/testbed/setup.sh || fail "test bed setup (scripts/testbed/setup.sh)"
fi
# The private sshd and the host test peers live only for this run.
trap 'bash scripts/sshd.sh stop >/dev/null 2>&1 || true' EXIT

step "build, type-check, lint"
npx tsc -p tsconfig.json || fail "tsc (src)"
npx tsc -p tsconfig.test.json --noEmit || fail "tsc (tests)"
npx eslint src test || fail "eslint"

step "jest"
npx jest --ci --json --outputFile="$results/jest.json"
jest_rc=$?

step "robot"
bash scripts/run-robot.sh "$results/robot"
robot_rc=$?

step "summary"
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  try {
    const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    passed += j.numPassedTests; failed += j.numFailedTests + j.numRuntimeErrorTestSuites;
    skipped += j.numPendingTests + j.numTodoTests;
    console.log(`jest: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests} skipped, ${j.numRuntimeErrorTestSuites} suites could not run`);
  } catch (e) { failed += 1; console.log("jest: no result file"); }
  try {
    const xml = fs.readFileSync(process.argv[2], "utf8");
    const m = /<total>\s*<stat pass="(\d+)" fail="(\d+)" skip="(\d+)"/.exec(xml);
    if (m) { passed += +m[1]; failed += +m[2]; skipped += +m[3]; console.log(`robot: ${m[1]} passed, ${m[2]} failed, ${m[3]} skipped`); }
  } catch (e) { console.log("robot: not run"); }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/jest.json" "$results/robot/output.xml"
echo "[test] total $(( $(date +%s) - started ))s"
[ "$jest_rc" = 0 ] && [ "$robot_rc" = 0 ]
