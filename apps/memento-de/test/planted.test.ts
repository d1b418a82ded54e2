/**
 * Planted effects, end to end: synth-census plants known DE genes between two cell types, cube-builder builds the
 * cube, memento-de tests the two cell types, and its HTML report is opened in a real headless browser (Debian's
 * chromium): the page renders (the screenshot is not blank) and its table lists the planted genes first.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCube, mementoDe, readDelimited, runCli, synthCensusCli, tempDir } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const tmp = tempDir("memento-de-planted-");
afterAll(() => tmp.remove());
const at = (name: string) => join(tmp.path, name);

/** Runs in the page (browser code, kept as text: this package compiles without DOM types). */
const COUNT_PIXELS = `async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height).data;
  let nonWhite = 0, red = 0, blue = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) nonWhite++;
    if (d[i] - d[i + 1] > 60 && d[i] - d[i + 2] > 60) red++;
    if (d[i + 2] - d[i] > 60) blue++;
  }
  return { total: d.length / 4, nonWhite, red, blue };
}`;

interface Planted {
  column: string;
  control: string;
  case: string;
  genes: Array<{ feature_id: string; factor: number }>;
}
let planted: Planted;
let results: Record<string, string>[];

beforeAll(() => {
  const r = runCli(synthCensusCli, ["--out", at("exp"), "--preset", "demo", "--seed", "3", "--cells", "8000", "--genes", "600", "--planted-de", "20", "--planted-fold", "2"]);
  expect(r.status, r.stderr).toBe(0);
  planted = JSON.parse(readFileSync(at("exp/planted_de.json"), "utf8"));
  expect(JSON.parse(r.stdout).planted).toEqual(planted);
  buildCube(at("exp"), at("cube"));
  const de = mementoDe([
    ...["--cube-uri", at("cube"), "--treatment", planted.column, "--control", planted.control, "--case", planted.case],
    ...["--output", at("de.tsv"), "--report", at("report.html"), "--top-genes", "40"],
  ]);
  expect(de.status, de.stderr).toBe(0);
  results = readDelimited(at("de.tsv"), "\t");
}, 600_000);

describe("planted effects", () => {
  it("are recovered: power and false discovery rate at BH-adjusted p < 0.05, planted genes ranked first", () => {
    const truth = new Map(planted.genes.map((g) => [g.feature_id, g.factor]));
    expect(truth.size).toBe(20);
    const calls = results.filter((r) => Number(r.padj) < 0.05);
    const truePositives = calls.filter((r) => truth.has(r.feature_id));
    const power = truePositives.length / truth.size;
    const fdr = (calls.length - truePositives.length) / calls.length;
    console.log(`planted: ${truth.size} genes, ${results.length} tested, ${calls.length} calls at FDR 0.05: power ${power}, false discovery rate ${fdr.toFixed(3)}`);
    expect(power).toBe(1);
    // Measured 8 false of 28 calls (0.29): the reference method's statistics, not BH's nominal 0.05 (see README).
    expect(fdr).toBeLessThan(0.35);
    expect(new Set(results.slice(0, truth.size).map((r) => r.feature_id))).toEqual(new Set(truth.keys()));
    // every planted gene moves in its planted direction
    for (const r of truePositives) expect(Math.sign(Number(r.coef))).toBe(Math.sign(Math.log(truth.get(r.feature_id)!)));
  });

  it("the report renders in headless Chromium: not blank, the planted genes first in its table, sortable", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm run setup installs Debian's chromium`).toBe(true);
    // a fresh profile directory every run (playwright passes it as --user-data-dir)
    const profile = tempDir("memento-de-chromium-");
    const browser = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      viewport: { width: 1100, height: 900 },
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (req) => {
        if (!req.url().startsWith("file:")) requests.push(req.url());
      });
      await page.goto(`file://${at("report.html")}`);
      const shot = await page.locator("#volcano").screenshot();
      // Not blank: decode the screenshot in the page's own canvas and count coloured and non-white pixels.
      const pixels = (await page.evaluate(`(${COUNT_PIXELS})(${JSON.stringify(shot.toString("base64"))})`)) as {
        total: number;
        nonWhite: number;
        red: number;
        blue: number;
      };
      expect(pixels.total).toBeGreaterThan(100_000);
      expect(pixels.nonWhite / pixels.total).toBeGreaterThan(0.01);
      expect(pixels.red, "up-regulated points drawn").toBeGreaterThan(50);
      expect(pixels.blue, "down-regulated points drawn").toBeGreaterThan(50);
      expect(await page.locator("#volcano svg circle, #volcano svg path.mark-symbol, #volcano svg .mark-symbol path").count()).toBeGreaterThan(0);

      const ids = () => page.locator("#top-genes tbody tr td:nth-child(2)").allTextContents();
      const shown = await ids();
      expect(shown.length).toBe(40);
      const truth = new Set(planted.genes.map((g) => g.feature_id));
      expect(new Set(shown.slice(0, truth.size))).toEqual(truth);
      // sorting by a click on the header, then back
      await page.locator('#top-genes th[data-col="feature_id"]').click();
      expect(await ids()).toEqual([...shown].sort());
      await page.locator('#top-genes th[data-col="rank"]').click();
      expect(await ids()).toEqual(shown);
      await page.locator('#top-genes th[data-col="rank"]').click();
      expect(await ids()).toEqual([...shown].reverse());
      expect(requests, "the report fetches nothing").toEqual([]);
    } finally {
      await browser.close();
      profile.remove();
    }
  });
});
