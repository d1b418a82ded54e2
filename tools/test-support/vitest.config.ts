import { defineConfig } from "vitest/config";

// One JSON report per package: tools/scripts/test-all.sh sums them into the CI's "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 60_000,
  },
});
