/**
 * What the function's own log says about its runs, for the live view: every run (scheduled ones
 * that pg_cron started and forced ones, whoever sent them), the last run on each chain, and the
 * error class and run id of each failing row. The database does not keep these (yet); the view
 * reads them through the RunSource interface so that another source can replace this one.
 */

export interface ChainRunSummary {
  rows?: number;
  synced?: number;
  failed?: number;
  block?: string | null;
  mode?: string | null;
  rpc_requests?: number;
  errors_by_class?: Record<string, number>;
}

export interface RunRecord {
  runId: string;
  kind: "scheduled" | "forced";
  /** When the run finished (its summary line's time). */
  at: Date;
  claimed: number;
  synced: number;
  failed: number;
  busy: number;
  durationMs: number | null;
  stopped: string | null;
  chains: Record<string, ChainRunSummary>;
}

export interface RowFailure {
  runId: string | null;
  errorClass: string | null;
  at: Date;
}

/** Where the view gets runs from. */
export interface RunSource {
  /** The last finished run of that kind. */
  lastRun(kind: "scheduled" | "forced"): RunRecord | null;
  /** Runs finished so far, by kind. */
  runCount(kind: "scheduled" | "forced"): number;
  /** The last run that read this chain, and what it did there. */
  lastOnChain(chainId: string): { run: RunRecord; chain: ChainRunSummary } | null;
  /** Why this row failed last, when it is failing. */
  rowFailure(rowId: string): RowFailure | null;
  /** The last warning or error the function logged. */
  lastProblem(): string | null;
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Reads the function's JSON log lines as they are written. */
export class FunctionLogRuns implements RunSource {
  #last = new Map<string, RunRecord>();
  #counts = new Map<string, number>();
  #chains = new Map<string, { run: RunRecord; chain: ChainRunSummary }>();
  #failures = new Map<string, RowFailure>();
  #problem: string | null = null;

  observe(line: string): void {
    if (!line.startsWith("{")) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (!entry || typeof entry !== "object") return;
    const at = typeof entry.time === "string" ? new Date(entry.time) : new Date();
    const runId = typeof entry.run_id === "string" ? entry.run_id : null;
    if (entry.level === "warn" || entry.level === "error") {
      this.#problem = `${entry.level}: ${entry.msg}${entry.error ? ` (${entry.error})` : ""}`;
    }
    const rowId = typeof entry.wallet_balance_id === "string" ? entry.wallet_balance_id : null;
    switch (entry.msg) {
      case "Wallet balance sync failed":
        if (rowId) {
          this.#failures.set(rowId, {
            runId,
            errorClass: typeof entry.error_class === "string" ? entry.error_class : null,
            at,
          });
        }
        break;
      case "Wallet balance synced successfully":
        if (rowId) this.#failures.delete(rowId);
        break;
      case "Balance sync run finished": {
        const kind = entry.kind === "forced" ? "forced" : "scheduled";
        const chains =
          (entry.chains && typeof entry.chains === "object" ? entry.chains : {}) as Record<
            string,
            ChainRunSummary
          >;
        const run: RunRecord = {
          runId: runId ?? "?",
          kind,
          at,
          claimed: num(entry.claimed),
          synced: num(entry.synced),
          failed: num(entry.failed),
          busy: num(entry.busy),
          durationMs: typeof entry.duration_ms === "number" ? entry.duration_ms : null,
          stopped: typeof entry.stopped === "string" ? entry.stopped : null,
          chains,
        };
        this.#last.set(kind, run);
        this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
        for (const [id, chain] of Object.entries(chains)) this.#chains.set(id, { run, chain });
        break;
      }
    }
  }

  lastRun(kind: "scheduled" | "forced"): RunRecord | null {
    return this.#last.get(kind) ?? null;
  }
  runCount(kind: "scheduled" | "forced"): number {
    return this.#counts.get(kind) ?? 0;
  }
  lastOnChain(chainId: string) {
    return this.#chains.get(chainId) ?? null;
  }
  rowFailure(rowId: string): RowFailure | null {
    return this.#failures.get(rowId) ?? null;
  }
  lastProblem(): string | null {
    return this.#problem;
  }
}
