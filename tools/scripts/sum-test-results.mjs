// Sums the per-package vitest JSON reports into the single "N passed, N failed, N skipped" line that CI reads
// (skipped counts skipped and todo tests).
// A package with a test script but no report (it crashed before reporting) counts as one failure.
//
// Interop suites must run in full: an interop suite is a test file whose name contains "interop" or "parity"
// (`test/**/*interop*.test.ts`, `test/**/*parity*.test.ts`): the files that judge our output with the real
// TileDB stack (Python tiledb / tiledbsoma) or against the reference builder's cubes. A skipped or todo test in
// one, or an interop file that the package's run did not report at all, counts as a failure.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";

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
for (const root of ["packages", "apps", "tools"]) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    const pkgFile = join(dir, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    if (!pkg.scripts?.test) continue;
    const report = join(dir, "test-results.json");
    if (!existsSync(report)) {
      console.log(`${pkg.name}: no test report (the test run crashed)`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(report, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // Name every failure on the summary's side of the log: CI logs are often cut to their last lines.
    for (const f of r.testResults ?? []) {
      for (const a of f.assertionResults.filter((t) => t.status === "failed")) {
        console.log(`${pkg.name}: FAILED ${relative(resolve(dir), resolve(f.name))} > ${a.fullName}: ${String(a.failureMessages?.[0] ?? "").split("\n")[0]}`);
      }
      if (f.status === "failed" && f.assertionResults.length === 0) console.log(`${pkg.name}: FAILED to load ${relative(resolve(dir), resolve(f.name))}: ${String(f.message ?? "").split("\n")[0]}`);
    }
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    const files = r.testResults ?? [];
    // A file that fails to load reports no tests but is still a failure.
    failed += files.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;

    const reported = new Map(files.map((f) => [relative(resolve(dir), resolve(f.name)), f]));
    for (const file of testFiles(dir).filter((f) => INTEROP_FILE.test(f))) {
      const f = reported.get(file);
      const notRun = f ? f.assertionResults.filter((a) => a.status !== "passed" && a.status !== "failed") : [];
      if (!f) console.log(`${pkg.name}: interop suite ${file} did not run`);
      else if (f.assertionResults.length === 0 && f.status !== "failed") console.log(`${pkg.name}: interop suite ${file} ran no tests`);
      else if (notRun.length > 0) console.log(`${pkg.name}: interop suite ${file} skipped ${notRun.length} test(s): ${notRun.map((a) => a.fullName).join("; ")}`);
      else continue;
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
