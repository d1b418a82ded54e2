/**
 * The HTML report: a volcano plot (Vega-Lite, rendered to SVG by vega's headless view, no browser) and a
 * sortable table of the top genes, in one page that needs no network to open.
 */
import type { TopLevelSpec } from "vega-lite";
import type { DePlan } from "./query.js";
import type { DeResults } from "./run.js";

export interface ReportInput {
  results: DeResults;
  plan: DePlan;
  cubeUri: string;
  filter?: string;
  /** Features with no valid estimate, left out. */
  dropped: number;
  /** Genes in the table (default 100) and labelled in the plot (default 10), by p-value. */
  topGenes?: number;
  labelGenes?: number;
  /** Adjusted p-value under which a gene counts as significant (default 0.05). */
  alpha?: number;
}

/** −log10 p for the plot: p-values that underflow to 0 are drawn at the double's smallest positive. */
function negLog10(p: number): number {
  return -Math.log10(Math.max(p, Number.MIN_VALUE));
}

export function volcanoSpec(input: ReportInput): TopLevelSpec {
  const { results: r, plan } = input;
  const alpha = input.alpha ?? 0.05;
  const nLabels = input.labelGenes ?? 10;
  const values = [];
  for (let i = 0; i < r.featureId.length; i++) {
    if (Number.isNaN(r.pval[i])) continue;
    const significant = r.padj[i] < alpha;
    values.push({
      feature_id: r.featureId[i],
      coef: r.coef[i],
      neglog10p: negLog10(r.pval[i]),
      class: significant ? (r.coef[i] > 0 ? "up" : "down") : "not significant",
      // results come ordered by p-value: the first ones are the top genes
      label: i < nLabels ? r.featureId[i] : "",
    });
  }
  const x = { field: "coef", type: "quantitative", title: `coef: log fold change, ${plan.case} vs ${plan.control}` } as const;
  const y = { field: "neglog10p", type: "quantitative", title: "−log10 p" } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `Memento DE of ${plan.treatment}`, subtitle: `${r.featureId.length} features, ${plan.groups.obsGroupJoinid.length} obs groups` },
    width: 640,
    height: 420,
    background: "white",
    data: { values },
    layer: [
      {
        mark: { type: "circle", size: 16, opacity: 0.7 },
        encoding: {
          x,
          y,
          color: {
            field: "class",
            type: "nominal",
            scale: { domain: ["up", "down", "not significant"], range: ["#c0392b", "#2471a3", "#b3b6b7"] },
            legend: { title: `BH-adjusted p < ${alpha}` },
          },
          tooltip: [{ field: "feature_id" }, { field: "coef", format: ".3f" }, { field: "neglog10p", format: ".2f" }],
        },
      },
      {
        transform: [{ filter: "datum.label != ''" }],
        mark: { type: "text", dy: -9, fontSize: 10 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
}

/** The volcano plot as SVG text. */
export async function renderVolcanoSvg(input: ReportInput): Promise<string> {
  // loaded on use: a run without a report does not pay for the plotting libraries' start-up
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(volcanoSpec(input)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function fmt(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? v.toPrecision(4) : v.toExponential(3);
}

/** The report page, with the plot's SVG inline. */
export function reportHtml(input: ReportInput, svg: string): string {
  const { results: r, plan } = input;
  const alpha = input.alpha ?? 0.05;
  const top = Math.min(input.topGenes ?? 100, r.featureId.length);
  let significant = 0;
  for (let i = 0; i < r.padj.length; i++) if (r.padj[i] < alpha) significant++;
  const cols = [
    ["rank", "rank"],
    ["feature_id", "feature"],
    ["coef", "coef (log FC)"],
    ["se", "se"],
    ["z", "z"],
    ["pval", "p"],
    ["padj", "BH-adjusted p"],
    ["mean_control", `mean ${plan.control}`],
    ["mean_case", `mean ${plan.case}`],
  ] as const;
  const rows: string[] = [];
  for (let i = 0; i < top; i++) {
    const v = [r.coef[i], r.se[i], r.z[i], r.pval[i], r.padj[i], r.meanControl[i], r.meanCase[i]];
    const cells = [`<td data-v="${i + 1}">${i + 1}</td>`, `<td data-v="${escapeHtml(r.featureId[i])}">${escapeHtml(r.featureId[i])}</td>`];
    for (const x of v) cells.push(`<td data-v="${x}">${fmt(x)}</td>`);
    rows.push(`<tr>${cells.join("")}</tr>`);
  }
  const facts: Array<[string, string]> = [
    ["cube", input.cubeUri],
    ["filter", input.filter ?? "(none: every obs group)"],
    ["treatment", `${plan.treatment}: case "${plan.case}" (${plan.cells[1]} cells) vs control "${plan.control}" (${plan.cells[0]} cells)`],
    ["covariates", plan.covariates.join(", ") || "(none)"],
    ["obs groups", String(plan.groups.obsGroupJoinid.length)],
    ["features tested", `${r.featureId.length} (${input.dropped} left out: no valid estimate in any selected group)`],
    [`significant (BH-adjusted p < ${alpha})`, String(significant)],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Memento DE: ${escapeHtml(plan.treatment)} ${escapeHtml(plan.case)} vs ${escapeHtml(plan.control)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
td:nth-child(2), th:nth-child(2) { text-align: left; font-family: monospace; }
th { cursor: pointer; background: #f2f3f4; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; }
dt { font-weight: 600; }
</style>
</head>
<body>
<h1>Memento differential expression</h1>
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>
<figure id="volcano">${svg}</figure>
<h2>Top ${top} genes by p-value</h2>
<p>Click a column header to sort.</p>
<table id="top-genes">
<thead><tr>${cols.map(([k, label]) => `<th data-col="${k}">${escapeHtml(label)}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<script>
(() => {
  const table = document.getElementById("top-genes");
  const body = table.tBodies[0];
  table.querySelectorAll("th").forEach((th, col) => {
    th.addEventListener("click", () => {
      const dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", dir);
      const key = (tr) => tr.cells[col].dataset.v;
      const rows = Array.from(body.rows);
      const numeric = rows.every((tr) => !Number.isNaN(Number(key(tr))));
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const c = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
        return dir === "ascending" ? c : -c;
      });
      for (const tr of rows) body.appendChild(tr);
    });
  });
})();
</script>
</body>
</html>
`;
}
