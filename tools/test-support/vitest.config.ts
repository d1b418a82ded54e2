import { defineConfig } from "vitest/config";

// One JSON report per package: tools/scripts/test-all.sh sums them into the CI's "N passed, N failed" line
// (TEST_REPORT names another file, for the runs on other Node versions).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: process.env.TEST_REPORT || "test-results.json" }]],
    testTimeout: 60_000,
  },
});
