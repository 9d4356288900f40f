/**
 * The soak's picture: staleness over time, one row of panels per chain, the soak and the
 * slow-node soak side by side (Vega-Lite compiled and rendered to SVG offline; PNG through resvg
 * on request).
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { SoakReport } from "./soak_report.ts";

const RUNS = ["soak", "paced chain's node 10x slower"];
const SERIES = ["p99", "p50", "p99 target"];

interface Point {
  chain: string;
  run: string;
  t_s: number;
  staleness_s: number;
  series: string;
}

/** The staleness bound the issue sets for a chain, or null. */
function bound(f: SoakReport["chains"][string]): number | null {
  if (f.mode === "multicall") return 60;
  if (f.max_rps !== null && f.requests_per_balance !== null) {
    return 1.25 * (f.rows * f.requests_per_balance / f.max_rps) + 30;
  }
  return null;
}

function points(report: SoakReport): Point[] {
  const out: Point[] = [];
  const runs = [[RUNS[0], report.raw.run], [RUNS[1], report.raw.slow_node_run]] as const;
  const from = report.raw.conditions.staleness_target_from_s;
  const end = report.minutes * 60;
  for (const [run, figures] of runs) {
    if (!figures) continue;
    for (const sample of figures.staleness_samples) {
      for (const [chain, f] of Object.entries(sample.chains)) {
        const t_s = sample.t_s;
        if (f.p99_s !== null) out.push({ chain, run, t_s, staleness_s: f.p99_s, series: "p99" });
        if (f.p50_s !== null) out.push({ chain, run, t_s, staleness_s: f.p50_s, series: "p50" });
      }
    }
    for (const [chain, f] of Object.entries(report.chains)) {
      const b = bound(f);
      if (b === null) continue;
      for (const t_s of [from, end]) {
        out.push({ chain, run, t_s, staleness_s: Math.round(b), series: "p99 target" });
      }
    }
  }
  return out;
}

export function chartSpec(report: SoakReport): vl.TopLevelSpec {
  const title = `Staleness of last_checked per chain: ${report.rows.toLocaleString("en")} rows, ` +
    `${report.minutes} min, one tick every ${report.raw.conditions.tick_s} s`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values: points(report) },
    facet: {
      row: { field: "chain", type: "nominal", title: null },
      column: { field: "run", type: "nominal", title: null, sort: RUNS },
    },
    resolve: { scale: { y: "shared" } },
    spec: {
      width: 380,
      height: 150,
      mark: { type: "line" },
      encoding: {
        x: {
          field: "t_s",
          type: "quantitative",
          title: "seconds since the run started",
          scale: { domain: [0, report.minutes * 60], nice: false },
        },
        y: { field: "staleness_s", type: "quantitative", title: "staleness (s)" },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: SERIES, range: ["#1f77b4", "#6baed6", "#d62728"] },
        },
        strokeDash: {
          field: "series",
          type: "nominal",
          scale: { domain: SERIES, range: [[1, 0], [4, 3], [2, 2]] },
        },
      },
    },
  } as vl.TopLevelSpec;
}

export async function renderChart(report: SoakReport, svgPath: string, png: boolean) {
  const compiled = vl.compile(chartSpec(report)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  await Deno.writeTextFile(svgPath, svg);
  if (png) {
    const { Resvg } = await import("@resvg/resvg-js");
    const image = new Resvg(svg, { fitTo: { mode: "zoom", value: 1.5 }, background: "white" })
      .render().asPng();
    await Deno.writeFile(svgPath.replace(/\.svg$/, "") + ".png", image);
  }
}
