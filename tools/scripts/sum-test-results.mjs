// Sums the per-package vitest JSON reports into the single "N passed, N failed" line that CI reads.
// A package with a test script but no report (it crashed before reporting) counts as one failure.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

let passed = 0;
let failed = 0;
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
    // A file that fails to load reports no tests but is still a failure.
    failed += (r.testResults ?? []).filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
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
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
