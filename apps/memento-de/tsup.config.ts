import { defineConfig } from "tsup";

export default defineConfig({
  // The task module is its own entry: executor workers import it by path.
  entry: ["src/index.ts", "src/cli.ts", "src/de-tasks.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
});
