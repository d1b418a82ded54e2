import { defineConfig } from "tsup";

// worker-entry is the script each worker process runs; the executor finds it next to index.js.
export default defineConfig({
  entry: ["src/index.ts", "src/worker-entry.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
});
