// Sums the per-package vitest JSON reports into the single "N passed, N failed, N skipped" line that CI reads
// (skipped counts skipped and todo tests), with those of the runs on other Node versions when OTHER_NODE_RESULTS
// names their list (test-other-nodes.sh).
// A package with a test script but no report (it crashed before reporting) counts as one failure.
//
// Interop suites must run in full: an interop suite is a test file whose name contains "interop" or "parity"
// (`test/**/*interop*.test.ts`, `test/**/*parity*.test.ts`): the files that judge our output with the real
// TileDB stack (Python tiledb / tiledbsoma) or against the reference builder's cubes. A skipped or todo test in
// one, or an interop file that the package's run did not report at all, counts as a failure.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const INTEROP_FILE = /(interop|parity)[^/]*\.test\.[cm]?[jt]s$/;

/** Test files under dir/test, as paths relative to dir. */
function testFiles(dir, sub = "test") {
  const abs = join(dir, sub);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules") return [];
    const rel = join(sub, e.name);
    if (e.isDirectory()) return testFiles(dir, rel);
    return /\.test\.[cm]?[jt]s$/.test(e.name) ? [rel] : [];
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;

/** Counts one package's vitest report (`label` prefixes its lines: the package, and the Node version if not the machine's). */
function count(dir, reportName, label) {
  const report = join(dir, reportName);
  if (!existsSync(report)) {
    console.log(`${label}: no test report (the test run crashed)`);
    failed += 1;
    return;
  }
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // Name every failure on the summary's side of the log: CI logs are often cut to their last lines.
  for (const f of r.testResults ?? []) {
    for (const a of f.assertionResults.filter((t) => t.status === "failed")) {
      console.log(`${label}: FAILED ${relative(resolve(dir), resolve(f.name))} > ${a.fullName}: ${String(a.failureMessages?.[0] ?? "").split("\n")[0]}`);
    }
    if (f.status === "failed" && f.assertionResults.length === 0) console.log(`${label}: FAILED to load ${relative(resolve(dir), resolve(f.name))}: ${String(f.message ?? "").split("\n")[0]}`);
  }
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const files = r.testResults ?? [];
  // A file that fails to load reports no tests but is still a failure.
  failed += files.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;

  const reported = new Map(files.map((f) => [relative(resolve(dir), resolve(f.name)), f]));
  for (const file of testFiles(dir).filter((f) => INTEROP_FILE.test(f))) {
    const f = reported.get(file);
    const notRun = f ? f.assertionResults.filter((a) => a.status !== "passed" && a.status !== "failed") : [];
    if (!f) console.log(`${label}: interop suite ${file} did not run`);
    else if (f.assertionResults.length === 0 && f.status !== "failed") console.log(`${label}: interop suite ${file} ran no tests`);
    else if (notRun.length > 0) console.log(`${label}: interop suite ${file} skipped ${notRun.length} test(s): ${notRun.map((a) => a.fullName).join("; ")}`);
    else continue;
    failed += 1;
  }
}

const packageNames = new Map();
for (const root of ["packages", "apps", "tools"]) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const pkgFile = join(dir, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    packageNames.set(dir, pkg.name);
    if (pkg.scripts?.test) count(dir, "test-results.json", pkg.name);
  }
}
// The runs on other Node versions (test-other-nodes.sh): "report <package dir>/<file>" lines name the reports
// expected, "check <name> pass|fail" lines are checks such as a demo build.
const otherNodes = process.env.OTHER_NODE_RESULTS;
if (otherNodes) {
  const lines = existsSync(otherNodes) ? readFileSync(otherNodes, "utf8").split("\n").filter(Boolean) : [];
  if (lines.length === 0) {
    console.log(`other Node versions: no results in ${otherNodes}`);
    failed += 1;
  }
  for (const line of lines) {
    const [kind, what, result] = line.split(" ");
    if (kind === "report") {
      const dir = dirname(what);
      const version = basename(what).replace(/^test-results\.|\.json$/g, "");
      count(dir, basename(what), `${packageNames.get(dir) ?? dir} on ${version}`);
    } else if (result === "pass") passed += 1;
    else {
      console.log(`${what}: failed`);
      failed += 1;
    }
  }
}
// Static checks run by test-all.sh ("typecheck:pass lint:fail").
for (const check of (process.env.CHECKS ?? "").split(/\s+/).filter(Boolean)) {
  const [name, result] = check.split(":");
  if (result === "pass") passed += 1;
  else {
    console.log(`${name}: failed`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
