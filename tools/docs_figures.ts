/**
 * Writes every benchmark figure of README.md and docs/*.md from the committed bench/*.json, so
 * that no figure in the docs can differ from the measurement it quotes.
 *
 * A generated block sits between `<!-- figures:<name> begin -->` and `<!-- figures:<name> end -->`;
 * everything between the markers is replaced by what BLOCKS[name] renders, then the file is
 * formatted with `deno fmt` (the docs are formatted that way, so the check below compares like
 * with like). `deno task docs` rewrites the files; tests/unit/docs_figures.test.ts fails while a
 * block differs from what this prints now.
 */
import type { Results } from "../bench/report.ts";
import { tableLines } from "../bench/results_table.ts";
import { formatMarkdown } from "./markdown_fmt.ts";
import {
  markdownTable,
  type ScaleJson,
  scaleTableLines,
  type SoakJson,
  soakTableLines,
} from "../bench/soak_tables.ts";

export const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = decodeURIComponent(ROOT.pathname);

/** The machine the committed benchmarks ran on, when the JSON does not record it. */
const TEST_MACHINE = "this project's 2-core Linux test machine (shared with other jobs)";

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as T;
}

/** A clone without history dates every file by its one commit: the dates say nothing there. */
export async function shallowClone(): Promise<boolean> {
  const out = await new Deno.Command("git", {
    args: ["-C", ROOT_PATH, "rev-parse", "--is-shallow-repository"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim() === "true";
}

/** The day a file was last committed (YYYY-MM-DD), the date of a JSON that records none. */
async function commitDate(path: string): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-C", ROOT_PATH, "log", "-1", "--format=%cs", "--", path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const date = new TextDecoder().decode(out.stdout).trim();
  return out.success && date ? date : "an uncommitted run";
}

interface Source {
  /** Repository path of the JSON. */
  file: string;
  /** The command that wrote it. */
  command: string;
  /** The date the JSON records (ISO), if any. */
  date?: string;
  /** The machine the JSON records, if any. */
  machine?: string;
  /** Why the figures are from earlier code, when they are. */
  stale?: string;
}

/** The line above every generated table: where the figures come from, when and where. */
async function sourceLine(s: Source): Promise<string> {
  const date = s.date ? s.date.slice(0, 10) : await commitDate(s.file);
  const when = s.date ? `measured on ${date}` : `committed on ${date}`;
  const stale = s.stale ? ` **Stale:** ${s.stale}.` : "";
  return `_From \`${s.file}\` (\`${s.command}\`), ${when} on ${
    s.machine ?? TEST_MACHINE
  }._${stale}`;
}

const fixed = (n: number, digits: number) => n.toFixed(digits);
const count = (n: number) => n.toLocaleString("en-US");

interface RecordCostJson {
  rows: number;
  changed: number;
  rounds: number;
  baseline_rev: string;
  webhook_endpoints?: number;
  scenarios: {
    label: string;
    changed: number;
    db_ms_median: number;
    db_ms_p90: number;
    round_trip_ms_median: number;
  }[];
  ratios: {
    changes_vs_no_changes_with_log: number;
    no_changes_with_log_vs_without: number;
    changes_with_log_vs_without: number;
  };
  noise: { no_changes_without_log_p90_over_median: number };
}

const scenario = (r: RecordCostJson, label: string) => {
  const s = r.scenarios.find((x) => x.label === label);
  if (!s) throw new Error(`record cost JSON has no scenario ${label}`);
  return s;
};

type Block = () => Promise<string[]>;

/** Every generated block, by the name its markers carry. */
export const BLOCKS: Record<string, Block> = {
  async results() {
    const r = await readJson<Results>("bench/results.json");
    const m = r.machine;
    return [
      await sourceLine({
        file: "bench/results.json",
        command: "deno task bench",
        date: m.date,
        machine: `${m.cores} cores, ${m.arch}, ${m.cpu_model}, Deno ${m.deno}, ${m.os}`,
      }),
      "",
      ...tableLines(r),
    ];
  },

  async headline() {
    const r = await readJson<Results>("bench/results.json");
    const mc = r.project_multicall_chains_only;
    return [
      await sourceLine({
        file: "bench/results.json",
        command: "deno task bench",
        date: r.machine.date,
        machine: `${r.machine.cores} cores`,
      }),
      "",
      `- ${count(r.rows)} rows: ${
        r.config.mix_evm_tron_multicall_tron_plain.join(" / ")
      } % EVM / ` +
      `TRON with Multicall3 / TRON without it, paced at ${r.config.tron_max_rps} requests/s;`,
      `- RPC requests per balance: ${r.project.evm_rpc_requests_per_balance} on EVM, ` +
      `${r.project.tron_multicall_rpc_requests_per_balance} on TRON with Multicall3 ` +
      `(the seed strategy: 1);`,
      ...(mc
        ? [
          `- on the multicall chains, ${mc.warm.balances_per_s} balances/s and ` +
          `${mc.warm.cpu_ms_per_1000_balances} CPU ms per 1,000 balances in a warm isolate;`,
        ]
        : []),
      `- ${r.project.wrong_balances} wrong balances of ${count(r.project.synced)} ` +
      `(the seed strategy: ${r.seed_strategy.wrong_balances} of ${count(r.seed_strategy.synced)}).`,
    ];
  },

  async soak() {
    const soak = await readJson<SoakJson>("bench/soak.json");
    return [
      await sourceLine({
        file: "bench/soak.json",
        command: "deno task bench -- --soak --png",
      }),
      "",
      ...soakTableLines(soak),
    ];
  },

  async scale() {
    const scale = await readJson<ScaleJson>("bench/scale.json");
    return [
      await sourceLine({
        file: "bench/scale.json",
        command: `deno task bench -- --soak --rows ${scale.rows} --minutes ${scale.minutes}`,
        stale: "measured on the code before the thread CPU clock and the answer-based pacer " +
          "(commit d1b99f4) and not run again since",
      }),
      "",
      ...scaleTableLines(scale),
    ];
  },

  async "claim-scale"() {
    const c = await readJson<{
      rows: number;
      chains: number;
      rows_in_backoff: number;
      repetitions: number;
      generate_s: number;
      healthy: Record<
        string,
        { median_ms: number; p90_ms: number; server_median_ms: number }
      >;
      backoff: Record<
        string,
        { median_ms: number; p90_ms: number; server_median_ms: number }
      >;
      side_by_side: {
        claim: string;
        healthy_server_ms: number;
        backoff_server_ms: number;
        ratio: number;
        healthy_round_trip_ms: number;
        backoff_round_trip_ms: number;
        within_1_5x: boolean;
      }[];
      hosted_statement_timeout: {
        status_snapshot_refresh_ms: number;
        statement_timeout_ms: number;
        server_median_ms: Record<string, number>;
        share_of_timeout: Record<string, number>;
      };
    }>("bench/claim_scale.json");
    const h = c.hosted_statement_timeout;
    return [
      await sourceLine({
        file: "bench/claim_scale.json",
        command: "deno task bench -- --claim-scale",
      }),
      "",
      `${count(c.rows)} rows over ${c.chains} chains (generated in ${c.generate_s} s), ` +
      `${count(c.rows_in_backoff)} of them in backoff for the second column; median of ` +
      `${c.repetitions}, in the database (the round trip beside it). Target: backoff within 1.5× ` +
      `of healthy.`,
      "",
      ...markdownTable(
        [
          "claim",
          "healthy ms",
          "in backoff ms",
          "ratio",
          "round trip ms",
          "p90 ms",
          "target",
        ],
        c.side_by_side.map((s) => [
          `\`${s.claim}\``,
          String(s.healthy_server_ms),
          String(s.backoff_server_ms),
          String(s.ratio),
          `${s.healthy_round_trip_ms} / ${s.backoff_round_trip_ms}`,
          `${c.healthy[s.claim]?.p90_ms} / ${c.backoff[s.claim]?.p90_ms}`,
          s.within_1_5x ? "MET" : "MISSED",
        ]),
      ),
      "",
      `The RPCs against hosted Supabase's \`statement_timeout\` of ${h.statement_timeout_ms} ms ` +
      `(median in the database; target: each ≤ 25 % of the timeout):`,
      "",
      ...markdownTable(
        ["call", "ms", "share of the timeout", "target"],
        Object.entries(h.server_median_ms).map(([k, ms]) => [
          k,
          String(ms),
          `${fixed(h.share_of_timeout[k] * 100, 1)} %`,
          h.share_of_timeout[k] <= 0.25 ? "MET" : "MISSED",
        ]),
      ),
      "",
      `The \`balance-sync-status\` job's snapshot, which \`/metrics\` reads at this size, took ` +
      `${Math.round(h.status_snapshot_refresh_ms)} ms, in pg_cron, outside the API timeout.`,
    ];
  },

  async "cold-start"() {
    const c = await readJson<{
      measured_at: string;
      deno: string;
      baseline_rev: string;
      results: {
        shape: string;
        rounds: number;
        listening_ms_median: number;
        first_answer_ms_median: number;
        first_answer_ms_min: number;
        first_answer_ms_max: number;
      }[];
    }>("bench/cold_start.json");
    return [
      await sourceLine({
        file: "bench/cold_start.json",
        command: "deno task bench:cold-start",
        date: c.measured_at,
        machine: `${TEST_MACHINE}, Deno ${c.deno}`,
      }),
      "",
      `Medians of ${c.results[0]?.rounds} rounds; \`before\` is the folder at commit ` +
      `${c.baseline_rev}.`,
      "",
      ...markdownTable(
        ["shape", 'until "Listening"', "first answer (min–max)"],
        c.results.map((r) => [
          r.shape,
          `${r.listening_ms_median} ms`,
          `${r.first_answer_ms_median} ms (${r.first_answer_ms_min}–${r.first_answer_ms_max} ms)`,
        ]),
      ),
    ];
  },

  async "record-cost"() {
    const r = await readJson<RecordCostJson>("bench/record_cost.json");
    const label = (l: string) =>
      l.startsWith("nolog") ? "without (before the change log)" : "with the change log";
    return [
      await sourceLine({
        file: "bench/record_cost.json",
        command: `deno task bench:record -- --rounds ${r.rounds} --baseline-rev ${r.baseline_rev}`,
        machine: `${TEST_MACHINE}, PostgreSQL 15`,
      }),
      "",
      ...markdownTable(
        [
          `\`balance_sync_record\`, ${count(r.rows)} results`,
          "changed",
          "median ms",
          "p90 ms",
          "round trip ms",
        ],
        r.scenarios.map((s) => [
          label(s.label),
          String(s.changed),
          fixed(s.db_ms_median, 2),
          fixed(s.db_ms_p90, 2),
          fixed(s.round_trip_ms_median, 2),
        ]),
      ),
      "",
      `- ${Math.round((r.changed / r.rows) * 100)} % changed vs none, with the change log: ` +
      `**${fixed(r.ratios.changes_vs_no_changes_with_log, 2)}×** (target ≤ 1.25×).`,
      `- No change, with vs without the change log: ` +
      `**${fixed(r.ratios.no_changes_with_log_vs_without, 2)}×**; the baseline's own p90 is ` +
      `${fixed(r.noise.no_changes_without_log_p90_over_median, 2)}× its median in the same run.`,
    ];
  },

  async "record-cost-webhooks"() {
    const none = await readJson<RecordCostJson>(
      "bench/record_cost_webhooks_0.json",
    );
    const three = await readJson<RecordCostJson>(
      "bench/record_cost_webhooks_3.json",
    );
    const ratio = (label: string) => {
      const a = scenario(three, label).db_ms_median;
      const b = scenario(none, label).db_ms_median;
      return `${fixed(a, 2)} / ${fixed(b, 2)} ms = ${fixed(a / b, 2)}×`;
    };
    return [
      "- " + await sourceLine({
        file: "bench/record_cost_webhooks_0.json",
        command: `deno task bench:record -- --rounds ${none.rounds} --webhook-endpoints 0 ` +
          `--out bench/record_cost_webhooks_0.json`,
      }),
      "- " + await sourceLine({
        file: "bench/record_cost_webhooks_3.json",
        command: `deno task bench:record -- --rounds ${three.rounds} --webhook-endpoints 3 ` +
          `--out bench/record_cost_webhooks_3.json`,
      }),
      "",
      `Median DB time of one \`record\` of ${count(none.rows)} results, with the change log, ` +
      `3 endpoints vs none: ${ratio("log-0")} with no balance changed, ${ratio("log-100")} with ` +
      `${Math.round((none.changed / none.rows) * 100)} % changed (target ≤ 1.1×). The baseline ` +
      `function, which webhooks do not touch, moved by ${ratio("nolog-0")} between the two runs: ` +
      `the noise of this machine.`,
    ];
  },

  async "webhook-latency"() {
    const w = await readJson<Record<string, number>>(
      "bench/webhook_latency.json",
    );
    return [
      await sourceLine({
        file: "bench/webhook_latency.json",
        command: "deno task bench:webhook-latency",
      }),
      "",
      ...markdownTable(
        [
          "tick s",
          "duration s",
          "ticks",
          "changes",
          "deliveries",
          "latency p50 s",
          "p99 s",
          "max s",
          "target p99 ≤ 35 s",
        ],
        [[
          String(w.tick_seconds),
          String(w.duration_seconds),
          String(w.ticks),
          String(w.changes),
          String(w.deliveries),
          String(w.latency_p50_seconds),
          String(w.latency_p99_seconds),
          String(w.latency_max_seconds),
          w.latency_p99_seconds <= 35 ? "MET" : "MISSED",
        ]],
      ),
    ];
  },

  async "pacer-cpu"() {
    const p = await readJson<{
      command: string;
      deno: string;
      load_average: number[];
      runs: {
        max_rps: number | null;
        rows: number;
        reads: number;
        requests_per_read: number;
        wall_s: number;
        cpu_ms_per_request: number;
        rps_utilization: number | null;
        busiest_sliding_1s: number;
      }[];
    }>("bench/pacer_cpu.json");
    return [
      await sourceLine({
        file: "bench/pacer_cpu.json",
        command: p.command,
        machine: `${TEST_MACHINE}, Deno ${p.deno}, load average ${p.load_average.join(" / ")}`,
      }),
      "",
      ...markdownTable(
        [
          "pace",
          "requests per read",
          "wall s",
          "process CPU ms per request (median of reads)",
          "share of max_rps used",
          "busiest sliding 1 s at the node",
        ],
        p.runs.map((r) => [
          r.max_rps === null ? "unpaced (the floor)" : `max_rps ${r.max_rps}`,
          String(r.requests_per_read),
          String(r.wall_s),
          String(r.cpu_ms_per_request),
          r.rps_utilization === null ? "—" : `${fixed(r.rps_utilization * 100, 1)} %`,
          String(r.busiest_sliding_1s),
        ]),
      ),
    ];
  },

  async limits() {
    const l = await readJson<{
      balances: number;
      limits: {
        max_batch: number;
        gas_cap: string;
        max_response_bytes: number;
        calls_per_aggregate_under_gas_cap: number;
        aggregates_per_request: number;
      };
      best_requests: number;
      best_requests_per_balance: number;
      runs: {
        run: number;
        sizes_used: { multicall: number; batch: number; response: number };
        requests: number;
        failed_requests: number;
        requests_per_balance: number;
      }[];
      second_run_vs_best: number;
    }>("bench/limits.json");
    return [
      await sourceLine({
        file: "bench/limits.json",
        command: "deno task bench:limits",
      }),
      "",
      `${
        count(l.balances)
      } balances against a provider with batch ≤ ${l.limits.max_batch}, a gas ` +
      `cap of ${l.limits.gas_cap} (about ${l.limits.calls_per_aggregate_under_gas_cap} ` +
      `\`balanceOf\` calls) and answers ≤ ${count(l.limits.max_response_bytes)} bytes; the best ` +
      `possible is ${l.best_requests} requests (${fixed(l.best_requests_per_balance, 4)} per ` +
      `balance).`,
      "",
      ...markdownTable(
        [
          "run",
          "calls per aggregate",
          "calls per batch",
          "answer bytes",
          "requests",
          "refused",
        ],
        l.runs.map((r) => [
          String(r.run),
          String(r.sizes_used.multicall),
          String(r.sizes_used.batch),
          count(r.sizes_used.response),
          String(r.requests),
          String(r.failed_requests),
        ]),
      ),
      "",
      `Second run vs the best: **${fixed(l.second_run_vs_best, 2)}×** (target ≤ 1.2: ${
        l.second_run_vs_best <= 1.2 ? "met" : "missed"
      }).`,
    ];
  },

  async "upgrade-locks"() {
    type Side = {
      rows: number;
      rows_in_backoff: number;
      updates: number;
      longest_wait_ms: number;
      longest_wait_phase: string;
      p99_ms: number;
      push_s: number;
      after_push_s: number;
      backfills: { batches: number; rows_updated: string }[];
      postgres_major: number;
      measured_at: string;
    };
    const u = await readJson<{ current: Side; landed: Side }>(
      "bench/upgrade_locks.json",
    );
    const row = (label: string, s: Side) => [
      label,
      count(s.rows),
      `${s.longest_wait_ms} ms (${s.longest_wait_phase})`,
      String(s.p99_ms),
      count(s.updates),
      String(s.push_s),
      s.backfills.length
        ? s.backfills.map((b) =>
          `${count(Number(b.rows_updated))} rows in ${b.batches} batches, ` +
          `done ${s.after_push_s} s after the push`
        ).join("; ")
        : "none",
      s.longest_wait_ms <= 1000 ? "MET" : "MISSED",
    ];
    return [
      await sourceLine({
        file: "bench/upgrade_locks.json",
        command: "deno task bench:upgrade",
        date: u.current.measured_at,
        machine: `${TEST_MACHINE}, PostgreSQL ${u.current.postgres_major}`,
        stale: "measured on the migration files of that day, before later migrations landed; " +
          "`deno task bench:upgrade` has not been run on the current files since",
      }),
      "",
      ...markdownTable(
        [
          "files",
          "rows",
          "longest wait of one UPDATE",
          "p99 ms",
          "updates",
          "push s",
          "backfill",
          "target ≤ 1 s",
        ],
        [row("current", u.current), row("as landed", u.landed)],
      ),
    ];
  },
};

const BLOCK = /<!-- figures:([a-z0-9-]+) begin -->\n[\s\S]*?<!-- figures:\1 end -->/g;

/** The markdown files that may hold generated blocks. */
export async function docFiles(): Promise<string[]> {
  const files = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  return files.sort();
}

/** The file's text with every block rendered anew, formatted. Names no block renders throw. */
export async function renderFile(text: string, path: string): Promise<string> {
  const names = [...text.matchAll(BLOCK)].map((m) => m[1]);
  const rendered = new Map<string, string>();
  for (const name of names) {
    const block = BLOCKS[name];
    if (!block) {
      throw new Error(
        `${path}: unknown figures block "${name}" (see tools/docs_figures.ts)`,
      );
    }
    rendered.set(name, (await block()).join("\n"));
  }
  const replaced = text.replace(
    BLOCK,
    (_, name: string) =>
      `<!-- figures:${name} begin -->\n\n${rendered.get(name)}\n\n<!-- figures:${name} end -->`,
  );
  return await formatMarkdown(replaced);
}

if (import.meta.main) {
  let changed = 0;
  for (const path of await docFiles()) {
    const url = new URL(path, ROOT);
    const text = await Deno.readTextFile(url);
    const next = await renderFile(text, path);
    if (next !== text) {
      await Deno.writeTextFile(url, next);
      changed++;
      console.log(`rewrote the figures of ${path}`);
    }
  }
  console.log(
    changed ? `${changed} file(s) updated` : "every figure is up to date",
  );
}
