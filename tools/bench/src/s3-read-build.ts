/**
 * Reading and building through S3 against local disk, side by side in one run: the experiment is uploaded to
 * moto's S3 server on loopback, reached through Toxiproxy adding `--latency-ms` (default 30) to every
 * response; a full X read (read-x-tiledb-ts.ts) and a full cube build (cube-builder, cube written locally)
 * run from local disk and from S3 at the default S3 concurrency and at 2x and 4x it, alternating local and S3
 * runs. Also from S3 without added latency, to separate the server's own cost from the latency's.
 *
 *   tsx src/s3-read-build.ts [--experiment DIR] [--latency-ms 30] [--rounds 1] [--max-workers 2] [--only read|build]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMoto, startToxiproxy, uploadTree } from "@census-cube/s3-test-servers";
import { S3_DEFAULT_CONCURRENCY, S3VFS } from "@census-cube/tiledb-ts";
import { benchArgs, repoRoot } from "./lib/args.js";
import { machineFacts, type Measurement, measure } from "./lib/measure.js";

const here = dirname(fileURLToPath(import.meta.url));
const cubeBuilder = join(repoRoot, "apps/cube-builder/dist/cli.js");
const tsx = join(repoRoot, "tools/bench/node_modules/.bin/tsx");

interface Row {
  what: string;
  source: string;
  concurrency: number | null;
  m: Measurement;
}

async function main(): Promise<void> {
  const a = benchArgs({
    experiment: { type: "string", default: "/work/data/presets/small" },
    "latency-ms": { type: "string", default: "30" },
    rounds: { type: "string", default: "1" },
    "max-workers": { type: "string", default: "2" },
    only: { type: "string", default: "" },
  });
  const experiment = a.experiment;
  const latency = Number(a["latency-ms"]);
  const rounds = Number(a.rounds);
  const workers = a["max-workers"];
  const only = a.only;
  if (!Number.isInteger(latency) || latency < 0 || !Number.isInteger(rounds) || rounds < 1) throw new Error("--latency-ms and --rounds must be non-negative / positive integers");
  if (!["", "read", "build"].includes(only)) throw new Error(`--only: "${only}" must be read or build`);
  const moto = await startMoto();
  const proxy = await startToxiproxy(`127.0.0.1:${moto.port}`);
  const tmp = mkdtempSync(join(tmpdir(), "s3-bench-"));
  try {
    await moto.createBucket("bench");
    const s3 = new S3VFS({ endpoint: moto.endpoint, credentials: moto.credentials });
    const t0 = Date.now();
    const bytes = await uploadTree(experiment, "s3://bench/exp", (u, d) => s3.write(u, d));
    console.log(`uploaded ${(bytes / 2 ** 20).toFixed(1)} MiB of ${experiment} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await proxy.add({ type: "latency", attributes: { latency } });
    const env = (endpoint: string) => ({ ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_S3: endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
    const xLocal = join(experiment, "ms/RNA/X/raw");
    const xS3 = "s3://bench/exp/ms/RNA/X/raw";
    const rows: Row[] = [];
    const concurrencies = [S3_DEFAULT_CONCURRENCY, 2 * S3_DEFAULT_CONCURRENCY, 4 * S3_DEFAULT_CONCURRENCY];

    const read = async (source: string, uri: string, endpoint: string, c: number | null) => {
      const extra = c === null ? [] : ["--s3-concurrency", String(c)];
      const m = await measure(`read ${source}`, [tsx, join(here, "read-x-tiledb-ts.ts"), uri, "--budget-bytes", String(256 * 2 ** 20), ...extra], { env: env(endpoint) });
      if (m.exitCode !== 0) throw new Error(`${m.label} failed`);
      rows.push({ what: "full X read", source, concurrency: c, m });
      console.log(`${m.label} (concurrency ${c ?? "-"}): ${m.wallSeconds.toFixed(2)} s`);
    };
    const build = async (source: string, uri: string, endpoint: string, c: number | null) => {
      const cube = join(tmp, `cube-${rows.length}`);
      const extra = c === null ? [] : ["--s3-endpoint", endpoint, "--s3-concurrency", String(c)];
      const m = await measure(`build ${source}`, [process.execPath, cubeBuilder, "build", "--experiment-uri", uri, "--cube-uri", cube, "--max-workers", workers, "--log-level", "warn", ...extra], { env: env(endpoint) });
      if (m.exitCode !== 0) throw new Error(`${m.label} failed`);
      rows.push({ what: "full build", source, concurrency: c, m });
      console.log(`${m.label} (concurrency ${c ?? "-"}): ${m.wallSeconds.toFixed(2)} s`);
      rmSync(cube, { recursive: true, force: true });
    };

    for (let r = 0; r < rounds; r++) {
      for (const c of only === "build" ? [] : concurrencies) {
        await read("local disk", xLocal, proxy.endpoint, null);
        await read(`S3 +${latency} ms`, xS3, proxy.endpoint, c);
      }
      if (only !== "build") await read("S3 +0 ms", xS3, moto.endpoint, S3_DEFAULT_CONCURRENCY);
      for (const c of only === "read" ? [] : concurrencies) {
        await build("local disk", experiment, proxy.endpoint, null);
        await build(`S3 +${latency} ms`, "s3://bench/exp", proxy.endpoint, c);
      }
      if (only !== "read") await build("S3 +0 ms", "s3://bench/exp", moto.endpoint, S3_DEFAULT_CONCURRENCY);
    }

    const facts = machineFacts();
    console.log(`\n${experiment}: ${facts.cpus} CPUs ${facts.cpuModel}, Node ${facts.node}; moto + Toxiproxy on loopback`);
    console.log("| run | source | S3 concurrency | wall s | ratio to the local run before it |");
    console.log("|---|---|---|---|---|");
    let lastLocal = 0;
    for (const row of rows) {
      if (row.source === "local disk") lastLocal = row.m.wallSeconds;
      const ratio = row.source === "local disk" ? "" : `${(row.m.wallSeconds / lastLocal).toFixed(2)}x`;
      console.log(`| ${row.what} | ${row.source} | ${row.concurrency ?? ""} | ${row.m.wallSeconds.toFixed(2)} | ${ratio} |`);
    }
  } finally {
    await proxy.stop();
    await moto.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
