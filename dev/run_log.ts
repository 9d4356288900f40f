/**
 * Runs as the live view shows them, and what only the function's log says about them.
 * The runs themselves come from the database (balance_sync.run_history, read by
 * dev/live_view.ts). The log adds what the history does not keep: which run failed a given row
 * (the history has its error class, not the run) and the last warning the function logged. The
 * view reads those through the RunFacts interface so that another source can replace this one.
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
  /** running, finished, failed or abandoned (balance_sync.run_history). */
  status: string;
  startedAt: Date;
  /** When the run finished (when it started while it is running). */
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

/** What the view takes from the function's log. */
export interface RunFacts {
  /** Why this row failed last, when it is failing: the run and the error class. */
  rowFailure(rowId: string): RowFailure | null;
  /** The last warning or error the function logged. */
  lastProblem(): string | null;
}

/** Reads the function's JSON log lines as they are written. */
export class FunctionLogFacts implements RunFacts {
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
    }
  }

  rowFailure(rowId: string): RowFailure | null {
    return this.#failures.get(rowId) ?? null;
  }
  lastProblem(): string | null {
    return this.#problem;
  }
}
