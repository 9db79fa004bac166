#!/usr/bin/env bash
# The project's one test command (`npm test`, called by .ci/run): prepares the real test bed (packages,
# hugepages, private sshd, guest kernel and image), builds, type-checks and lints, runs the jest suites and
# then the Robot suites, and prints one closing line `tests: N passed, N failed, N skipped`.
#
# The jest projects (jest.config.js) run as groups one after another: unit and integration together, then vm,
# then the soak, so the soak's VMs never share the cores with the VM-booting files.
#
# Opt-outs for a developer's machine (CI never sets them): QUR_SKIP_TESTBED=1 skips preparing the bed (tests
# that need it then fail loudly unless their own QUR_SKIP_* variable is set too). QUR_TEST_GROUPS picks the
# jest groups to run, space-separated (default "unit,integration vm soak"; a group is comma-separated
# projects, e.g. QUR_TEST_GROUPS=unit,integration runs no VM), and QUR_SKIP_ROBOT=1 skips the Robot suites.
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

groups=${QUR_TEST_GROUPS:-unit,integration vm soak}
jest_rc=0
for group in $groups; do
  step "jest: $group"
  npx jest --ci --selectProjects ${group//,/ } --json --outputFile="$results/jest-${group//,/-}.json" || jest_rc=1
done

robot_rc=0
if [ "${QUR_SKIP_ROBOT:-}" != 1 ]; then
  step "robot"
  bash scripts/run-robot.sh "$results/robot"
  robot_rc=$?
fi

step "summary"
node -e '
  const fs = require("fs");
  const [robotXml, ...jestFiles] = process.argv.slice(1);
  let passed = 0, failed = 0, skipped = 0;
  for (const file of jestFiles) {
    const group = file.replace(/^.*jest-(.*)\.json$/, "$1");
    try {
      const j = JSON.parse(fs.readFileSync(file, "utf8"));
      passed += j.numPassedTests; failed += j.numFailedTests + j.numRuntimeErrorTestSuites;
      skipped += j.numPendingTests + j.numTodoTests;
      console.log(`jest ${group}: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests} skipped, ${j.numRuntimeErrorTestSuites} suites could not run`);
    } catch (e) { failed += 1; console.log(`jest ${group}: no result file`); }
  }
  try {
    const xml = fs.readFileSync(robotXml, "utf8");
    const m = /<total>\s*<stat pass="(\d+)" fail="(\d+)" skip="(\d+)"/.exec(xml);
    if (m) { passed += +m[1]; failed += +m[2]; skipped += +m[3]; console.log(`robot: ${m[1]} passed, ${m[2]} failed, ${m[3]} skipped`); }
  } catch (e) { console.log("robot: not run"); }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/robot/output.xml" $(for group in $groups; do echo "$results/jest-${group//,/-}.json"; done)
echo "[test] total $(( $(date +%s) - started ))s"
[ "$jest_rc" = 0 ] && [ "$robot_rc" = 0 ]
