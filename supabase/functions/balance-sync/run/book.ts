/**
 * The run's book: its summary (RunSummary, the answer and the log's last line) and, for a forced
 * run, its per-row report. The run's parts tell the book what happened (a row read, failed or
 * given back, a claim, a chain's lease) and the book keeps the figures; nothing else writes them.
 */
import type { ChainConfig, ChainFamily, ChainRead } from "../chains/types.ts";
import type { ErrorClass } from "../chains/errors.ts";
import type { Claim, ClaimedRow, RecordOutcome } from "../db/store.ts";
import type { Logger } from "../log.ts";

export interface ChainSummary {
  id: string;
  name: string;
  family: ChainFamily | null;
  rows: number;
  synced: number;
  failed: number;
  released: number;
  /** Latest block read at, as a decimal string. */
  block: string | null;
  rpc_requests: number;
  mode: string | null;
  read_ms: number;
  errors_by_class: Partial<Record<ErrorClass, number>>;
  /** Scheduled runs: why this chain's loop ended. */
  stopped?: StopReason;
  /**
   * Rate-limited chains: whether this run held the chain lease, another run did (busy), or this
   * run's lease ran out and claim or record said so (lost: the chain's loop stopped).
   */
  lease?: "held" | "busy" | "lost";
  note?: string;
}

export type RowStatus = "synced" | "failed" | "released" | "stale_rejected" | "lost";

/** One row of a forced run's answer. */
export interface RowReport {
  id: string;
  wallet_id: string | null;
  asset_on_chain_id: string;
  asset_id: string | null;
  chain_id: string;
  chain: string;
  asset_type: "native" | "token";
  address: string | null;
  contract_address: string | null;
  status: RowStatus;
  raw?: string;
  human?: string;
  block?: string | null;
  error?: string;
  error_class?: ErrorClass;
}

/**
 * unload: the worker is ending (the runtime's beforeunload, unload.ts); drained: no due rows
 * left; budget: the deadline; max_batches / rows_cap / cpu: the run's caps
 * (batches, the setting rows_per_run, BALANCE_SYNC_CPU_BUDGET_MS); chain_busy: another run
 * holds the rate-limited chain's lease; chain_lease_lost: this run's chain lease ran out while it
 * read (claim or record said so), so it stopped reading the chain; forced: a forced run's one
 * claim.
 */
export type StopReason =
  | "unload"
  | "drained"
  | "budget"
  | "max_batches"
  | "rows_cap"
  | "cpu"
  | "chain_busy"
  | "chain_lease_lost"
  | "forced";

/** When chains stop for different reasons, the run reports the most pressing one. */
export const STOP_ORDER: readonly StopReason[] = [
  "unload",
  // a run that overran its chain lease: rare, and the one to look into
  "chain_lease_lost",
  "budget",
  "cpu",
  "rows_cap",
  "max_batches",
  "chain_busy",
  "forced",
  "drained",
];

export interface RunSummary {
  run_id: string;
  kind: "scheduled" | "forced";
  /** A scheduled run of one chain (dispatch's POST); absent when the run covers every chain. */
  chain_id?: string;
  claimed: number;
  synced: number;
  failed: number;
  stale_rejected: number;
  released: number;
  lost: number;
  invalid: number;
  busy: number;
  duration_ms: number;
  batches: number;
  stopped: StopReason;
  /** CPU the process used while this run ran (cpu.ts); null where the runtime cannot tell. */
  cpu_ms: number | null;
  /** Rows this run could claim at most (the setting rows_per_run; forced: the most ids). */
  rows_cap: number;
  /** Per-row log lines left out past BALANCE_SYNC_MAX_ROW_LOG_LINES. */
  log_lines_omitted: number;
  chains: Record<string, ChainSummary>;
  /** Forced runs only. */
  busy_ids?: string[];
  /** Forced runs by wallet_balance_ids: the ids that match no row. */
  unknown_ids?: string[];
  rows?: RowReport[];
}

export const assetType = (row: ClaimedRow) =>
  (row.isNative ? "native" : "token") as "native" | "token";

/** The run's summary and, for a forced run, its per-row report, kept up to date as rows move. */
export class RunBook {
  readonly summary: RunSummary;
  readonly reports: RowReport[] = [];
  readonly #log: Logger;

  constructor(
    runId: string,
    readonly forced: boolean,
    scope: { chainId: string | null; rowsCap: number },
    /** The run's log, for what the book is the first to know (a chain lease lost). */
    log: Logger,
  ) {
    this.#log = log;
    this.summary = {
      run_id: runId,
      kind: forced ? "forced" : "scheduled",
      claimed: 0,
      synced: 0,
      failed: 0,
      stale_rejected: 0,
      released: 0,
      lost: 0,
      invalid: 0,
      busy: 0,
      duration_ms: 0,
      batches: 0,
      stopped: "drained",
      cpu_ms: null,
      rows_cap: scope.rowsCap,
      log_lines_omitted: 0,
      chains: {},
    };
    if (scope.chainId) this.summary.chain_id = scope.chainId;
  }

  /** The chain's entry (created on first mention; a later mention with its config names it). */
  chain(chainId: string, chain?: ChainConfig): ChainSummary {
    let entry = this.summary.chains[chainId];
    if (!entry) {
      entry = this.summary.chains[chainId] = {
        id: chainId,
        name: chain?.name ?? chainId,
        family: chain?.family ?? null,
        rows: 0,
        synced: 0,
        failed: 0,
        released: 0,
        block: null,
        rpc_requests: 0,
        mode: null,
        read_ms: 0,
        errors_by_class: {},
      };
    } else if (chain && entry.family === null) {
      entry.name = chain.name;
      entry.family = chain.family;
    }
    return entry;
  }

  /** The name due chains list a chain by (before its rows are claimed). */
  chainNamed(chainId: string, name: string): void {
    this.chain(chainId).name = name;
  }

  /** Why the chain's figures look as they do (a read that did not end, an unknown chain, ...). */
  chainNote(chainId: string, note: string): void {
    this.chain(chainId).note = note;
  }

  /** The chain's loop ended, for `reason`. */
  chainStopped(chainId: string, reason: StopReason): StopReason {
    return this.chain(chainId).stopped = reason;
  }

  /** Another run holds the rate-limited chain's lease: this run reads none of its rows. */
  chainBusy(chain: { id: string; config?: ChainConfig }, note: string): void {
    const entry = this.chain(chain.id, chain.config);
    entry.lease = "busy";
    entry.note = note;
  }

  /** This run held the chain's lease to the end (a lease reported lost stays lost). */
  chainLeaseHeld(chainId: string): void {
    const entry = this.chain(chainId);
    if (entry.lease !== "lost") entry.lease = "held";
  }

  /**
   * This run's lease of a rate-limited chain ran out while it read the chain (it overran: a
   * stalled worker, a slow database), as claim or record reported. Another run may read the chain
   * now, so this one reads no more of it: the chain's loop ends with `chain_lease_lost`. Noted and
   * said in the log once per chain.
   */
  chainLeaseLost(
    chainId: string,
    holder: { by: string | null; until: string | null } | null = null,
  ): void {
    const entry = this.chain(chainId);
    if (entry.lease === "lost") return;
    entry.lease = "lost";
    entry.note = "this run's lease of the rate-limited chain ran out" +
      (holder?.by ? ` and run ${holder.by} holds it until ${holder.until ?? "unknown"}` : "") +
      "; this run stopped reading the chain (its rows already read were recorded)";
    this.#log.warn("Chain lease lost; this run stops reading the chain", {
      chain_id: chainId,
      holder: holder?.by ?? null,
      locked_until: holder?.until ?? null,
    });
  }

  /** A claim handed these rows out: one more batch. */
  claimed(rows: number): void {
    this.summary.batches++;
    this.summary.claimed += rows;
  }

  /** Rows the claim picked but the database refused to lease: failed in this run. */
  claimRefused(rows: number): void {
    this.summary.failed += rows;
  }

  /** A forced run's rows that another run holds. */
  busy(ids: string[]): void {
    this.summary.busy += ids.length;
    this.summary.busy_ids = [...(this.summary.busy_ids ?? []), ...ids];
  }

  /** A forced run's ids that match no row. */
  unknown(ids: string[]): void {
    this.summary.unknown_ids = ids;
  }

  /** A claimed row goes into a batch. */
  rowClaimed(row: ClaimedRow, claim: Claim): void {
    this.chain(row.chainId, claim.chains.get(row.chainId)).rows++;
  }

  /** A row that could not be read (or converted): recorded as its error. */
  rowFailed(row: ClaimedRow, claim: Claim, errorClass: ErrorClass, message: string): void {
    const chain = this.chain(row.chainId, claim.chains.get(row.chainId));
    chain.failed++;
    chain.errors_by_class[errorClass] = (chain.errors_by_class[errorClass] ?? 0) + 1;
    this.#report(row, claim, { status: "failed", error: message, error_class: errorClass });
  }

  /** A row left unread (the deadline): given back, to be read by a later run. */
  rowUnread(row: ClaimedRow, claim: Claim): void {
    this.chain(row.chainId).released++;
    this.#report(row, claim, { status: "released" });
  }

  /** A balance read, to be recorded. */
  rowRead(
    row: ClaimedRow,
    claim: Claim,
    balance: { raw: string; human: string; block: string },
  ): void {
    this.chain(row.chainId).synced++;
    this.#report(row, claim, { status: "synced", ...balance });
  }

  /** Time spent in the chain's reader. */
  readTime(chain: ChainConfig, ms: number): void {
    this.chain(chain.id, chain).read_ms += ms;
  }

  /** What a read of the chain said of itself: its requests, mode, note and block. */
  chainRead(chain: ChainConfig, read: ChainRead): void {
    const entry = this.chain(chain.id, chain);
    entry.rpc_requests += read.requests;
    entry.mode = read.mode;
    if (read.note) entry.note = read.note;
    if (read.block !== null) {
      const previous = entry.block === null ? null : BigInt(entry.block);
      if (previous === null || read.block > previous) entry.block = read.block.toString();
    }
  }

  /** What record did with the batch's results, in counts. */
  recorded(outcome: RecordOutcome): void {
    const summary = this.summary;
    summary.synced += outcome.applied;
    summary.failed += outcome.errored;
    summary.stale_rejected += outcome.staleRejected;
    summary.lost += outcome.lost;
    summary.invalid += outcome.invalid.length;
  }

  /**
   * The database refused a result (and recorded the refusal as the row's error): failed, and
   * when the row had been read, no longer synced in its chain's figures.
   */
  recordRefused(row: ClaimedRow | undefined, claim: Claim, wasRead: boolean): void {
    this.summary.failed++;
    if (!row || !wasRead) return;
    const chain = this.chain(row.chainId, claim.chains.get(row.chainId));
    chain.synced--;
    chain.failed++;
    chain.errors_by_class.permanent = (chain.errors_by_class.permanent ?? 0) + 1;
  }

  /** Rows given back to the queue. */
  released(rows: number): void {
    this.summary.released += rows;
  }

  /** Why the run stopped claiming. */
  stop(reason: StopReason): void {
    this.summary.stopped = reason;
  }

  /** The run's end: its duration, the CPU it used and the row lines left out. */
  finish(end: { durationMs: number; cpuMs: number | null; logLinesOmitted: number }): void {
    this.summary.duration_ms = end.durationMs;
    this.summary.cpu_ms = end.cpuMs;
    this.summary.log_lines_omitted = end.logLinesOmitted;
  }

  /** The run's answer: the summary, with a forced run's per-row report. */
  answer(): RunSummary {
    if (this.forced) this.summary.rows = this.reports;
    return this.summary;
  }

  #report(row: ClaimedRow, claim: Claim, rest: Partial<RowReport> & { status: RowStatus }): void {
    if (!this.forced) return;
    this.reports.push({
      id: row.id,
      wallet_id: row.walletId,
      asset_on_chain_id: row.assetOnChainId,
      asset_id: row.assetId,
      chain_id: row.chainId,
      chain: claim.chains.get(row.chainId)?.name ?? row.chainId,
      asset_type: assetType(row),
      address: row.address,
      contract_address: row.contractAddress,
      ...rest,
    });
  }

  /** Updates the report of rows whose recorded status differs from what the read found. */
  amend(changes: Map<string, Partial<RowReport>>): void {
    if (!this.forced || changes.size === 0) return;
    for (const rowReport of this.reports) {
      const change = changes.get(rowReport.id);
      if (change) Object.assign(rowReport, change);
    }
  }
}

/** The fields that name a row in log lines (the seed's field names). */
export const rowFields = (row: ClaimedRow, claim: Claim) => ({
  wallet_balance_id: row.id,
  wallet_id: row.walletId,
  asset_type: assetType(row),
  asset_on_chain_id: row.assetOnChainId,
  asset_id: row.assetId,
  contract_address: row.contractAddress,
  chain: claim.chains.get(row.chainId)?.name ?? row.chainId,
  chain_id: row.chainId,
});
