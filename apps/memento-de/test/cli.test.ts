/**
 * The command as users run it: output formats (TSV, Arrow IPC, Parquet read back by pyarrow), feature lists,
 * control/case, the report files, and clear errors with exit code 1 for bad input, leaving existing files alone.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mementoDe, readDelimited, referenceCubes, runPython, tempDir } from "./helpers.js";

const tmp = tempDir("memento-de-cli-");
afterAll(() => tmp.remove());
const cube = join(referenceCubes, "sparse-many-groups/cube");
const base = ["--cube-uri", cube, "--treatment", "sex_ontology_term_id", "--control", "PATO:0000383", "--case", "PATO:0000384", "--covariates", "dataset_id"];
const at = (name: string) => join(tmp.path, name);

function ok(args: string[]) {
  const r = mementoDe(args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function fails(args: string[], code: string, message: string | RegExp) {
  const r = mementoDe(args);
  expect(r.status, r.stdout).toBe(1);
  const line = r.stderr.trim().split("\n").map((l) => JSON.parse(l)).find((l) => l.level === 50);
  expect(line?.code).toBe(code);
  expect(line?.msg).toMatch(message);
}

// Each case runs the command a dozen times in fresh processes: minutes on a loaded machine.
describe("memento-de", () => {
  it("writes the same table as TSV, Arrow IPC and Parquet, and the report with its SVG", () => {
    const summary = ok([...base, "--output", at("r.tsv"), "--report", at("r.html"), "--max-workers", "2"]);
    expect(summary).toMatchObject({ features: 77, dropped: 3, control: "PATO:0000383", case: "PATO:0000384", obsGroups: 157 });
    ok([...base, "--output", at("r.arrow"), "--max-workers", "1"]);
    ok([...base, "--output", at("r.parquet"), "--max-workers", "1"]);
    const tsv = readDelimited(at("r.tsv"), "\t");
    expect(Object.keys(tsv[0])).toEqual(["feature_id", "coef", "se", "z", "pval", "padj", "mean_control", "mean_case"]);
    // ordered by p-value; adjusted p-values are monotone in that order
    for (let i = 1; i < tsv.length; i++) {
      expect(Number(tsv[i].pval)).toBeGreaterThanOrEqual(Number(tsv[i - 1].pval));
      expect(Number(tsv[i].padj)).toBeGreaterThanOrEqual(Number(tsv[i - 1].padj));
    }
    const read = `
import json, sys, pyarrow.feather as f, pyarrow.parquet as pq, pyarrow.ipc as ipc
a = ipc.open_file(sys.argv[1]).read_all(); p = pq.read_table(sys.argv[2])
print(json.dumps({"arrow": a.to_pylist(), "parquet": p.to_pylist(), "meta": {k.decode(): v.decode() for k, v in (p.schema.metadata or {}).items() if not k.startswith(b"ARROW")},
  "types": [str(t) for t in a.schema.types]}))`;
    const got = JSON.parse(runPython("-c", [read, at("r.arrow"), at("r.parquet")]));
    const want = tsv.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === "feature_id" ? v : Number(v)])));
    expect(got.arrow).toEqual(want);
    expect(got.parquet).toEqual(want);
    expect(got.types).toEqual(["string", "double", "double", "double", "double", "double", "double", "double"]);
    expect(got.meta).toMatchObject({ treatment: "sex_ontology_term_id", control: "PATO:0000383", case: "PATO:0000384", covariates: "dataset_id" });

    const html = readFileSync(at("r.html"), "utf8");
    const svg = readFileSync(at("r.svg"), "utf8");
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(html).toContain(svg);
    // self-contained: nothing fetched from anywhere
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain(`<td data-v="${tsv[0].feature_id}">`);
    expect(svg).toContain(tsv[0].feature_id); // the top gene is labelled in the plot
  }, 300_000);

  it("tests only the given features (a list or a file), and reports case against control", () => {
    const all = readDelimited(at("r.tsv"), "\t");
    const pick = [all[0].feature_id, all[5].feature_id, all[40].feature_id];
    ok([...base, "--features", pick.join(","), "--output", at("f.tsv"), "--max-workers", "1"]);
    writeFileSync(at("features.txt"), `${pick.join("\n")}\n`);
    ok([...base, "--features", at("features.txt"), "--output", at("f2.tsv"), "--max-workers", "1"]);
    const some = readDelimited(at("f.tsv"), "\t");
    expect(readDelimited(at("f2.tsv"), "\t")).toEqual(some);
    expect(some.map((r) => r.feature_id).sort()).toEqual([...pick].sort());
    for (const r of some) {
      const full = all.find((x) => x.feature_id === r.feature_id)!;
      for (const k of ["coef", "se", "z", "pval", "mean_control", "mean_case"]) expect(r[k]).toBe(full[k]);
    }
    // control and case swapped: the effect changes sign, the test does not
    const swapped = ["--cube-uri", cube, "--treatment", "sex_ontology_term_id", "--control", "PATO:0000384", "--case", "PATO:0000383", "--covariates", "dataset_id"];
    ok([...swapped, "--features", pick.join(","), "--output", at("s.tsv"), "--max-workers", "1"]);
    for (const r of readDelimited(at("s.tsv"), "\t")) {
      const f = some.find((x) => x.feature_id === r.feature_id)!;
      expect(Number(r.coef)).toBe(-Number(f.coef));
      expect(Number(r.z)).toBe(-Number(f.z));
      expect(r.pval).toBe(f.pval);
      expect(r.mean_control).toBe(f.mean_case);
    }
  }, 300_000);

  it("names what is wrong and exits 1; existing files are kept", () => {
    const t = ["--cube-uri", cube, "--output", at("e.tsv")];
    fails([...t, "--treatment", "tissue"], "E_INVALID_ARGUMENT", /--treatment: "tissue" is not an obs_groups label column/);
    fails([...t, "--treatment", "sex_ontology_term_id"], "E_TREATMENT", /3 distinct value\(s\): "PATO:0000383", "PATO:0000384", "unknown"; need exactly 2/);
    fails([...t, "--treatment", "sex_ontology_term_id", "--control", "PATO:0000383"], "E_INVALID_ARGUMENT", /--control and --case go together/);
    fails([...t, "--treatment", "sex_ontology_term_id", "--control", "PATO:0000383", "--case", "female"], "E_TREATMENT", /--case: no obs group has sex_ontology_term_id "female"/);
    fails([...base, "--output", at("e.tsv"), "--features", "ENSG00000000177,NOPE1"], "E_UNKNOWN_FEATURE", /NOPE1/);
    fails([...base, "--output", at("e.tsv"), "--filter", "n_obs > 100000"], "E_NO_GROUPS", /no obs groups among the obs groups selected by --filter "n_obs > 100000"/);
    fails([...base, "--output", at("e.tsv"), "--filter", "tissue == 'lung'"], "E_BAD_FILTER", /column 'tissue' does not exist/);
    fails([...base, "--output", at("e.csv")], "E_OUTPUT_FORMAT", /must end in .tsv, .arrow or .parquet/);
    fails([...base], "E_INVALID_ARGUMENT", /nothing to write/);
    fails(["--cube-uri", tmp.path, "--treatment", "sex_ontology_term_id", "--output", at("e.tsv")], "E_NOT_CUBE", /feature_ids.json is missing/);
    expect(existsSync(at("e.tsv"))).toBe(false);
    const before = readFileSync(at("r.tsv"));
    fails([...base, "--output", at("r.tsv")], "E_OUTPUT_EXISTS", /--output .*r\.tsv exists; pass --overwrite/);
    fails([...base, "--output", at("new.tsv"), "--report", at("r.html")], "E_OUTPUT_EXISTS", /--report .*r\.html exists/);
    expect(readFileSync(at("r.tsv"))).toEqual(before);
    expect(existsSync(at("new.tsv"))).toBe(false);
    const r = mementoDe([...base, "--output", at("x.tsv"), "--max-workers", "0"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--max-workers must be a positive integer/);
  }, 300_000);
});
