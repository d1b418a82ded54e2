import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One JSON report per package: tools/scripts/test-all.sh sums them into the CI's "N passed, N failed" line
// (TEST_REPORT names another file, for the runs on other Node versions).
export default defineConfig({
  resolve: {
    // Test against tiledb-ts sources, so a stale or missing dist of the sibling package cannot mask a change.
    alias: [
      { find: /^@census-cube\/tiledb-ts$/, replacement: fileURLToPath(new URL("../tiledb-ts/src/index.ts", import.meta.url)) },
      { find: /^@census-cube\/tiledb-ts\/(format|arrow)$/, replacement: fileURLToPath(new URL("../tiledb-ts/src/$1.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: process.env.TEST_REPORT || "test-results.json" }]],
    testTimeout: 60_000,
  },
});
