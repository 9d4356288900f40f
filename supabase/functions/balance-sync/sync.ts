import type {
  BalanceQuery,
  ChainConfig,
  ChainFamily,
  ChainRead,
  ChainReader,
} from "./chains/types.ts";
import type { ErrorClass } from "./chains/errors.ts";
import type { Logger } from "./log.ts";
import type { ForcedFilter } from "./request.ts";
import type { Claim, ClaimedRow, RowResult, Store } from "./store.ts";

/** Loads the reader of a family (lazily: tronweb is only imported when TRON rows exist). */
export type ReaderRegistry = (family: ChainFamily) => Promise<ChainReader>;

export interface SyncSettings {
  batchSize: number;
  leaseSeconds: number;
  budgetMs: number;
  maxBatches: number;
  minIntervalSeconds: number;
  maxForcedIds: number;
}

export interface SyncDeps {
  store: Store;
  readers: ReaderRegistry;
  log: Logger;
  /** Exact raw -> human conversion (amount.ts). */
  toHuman: (raw: bigint, decimals: number) => string;
  /** Function secrets, for the readers' API keys. */
  env?: (name: string) => string | undefined;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export interface RunInput {
  runId: string;
  filter?: ForcedFilter | null;
}

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

export type StopReason = "drained" | "budget" | "max_batches" | "forced";

export interface RunSummary {
  run_id: string;
  kind: "scheduled" | "forced";
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
  chains: Record<string, ChainSummary>;
  /** Forced runs only. */
  busy_ids?: string[];
  /** Forced runs by wallet_balance_ids: the ids that match no row. */
  unknown_ids?: string[];
  rows?: RowReport[];
}

const DEADLINE = Symbol("deadline");

const assetType = (row: ClaimedRow) => (row.isNative ? "native" : "token") as "native" | "token";

/** Why a claimed row cannot be read at all, checked before any RPC. */
function configurationProblem(row: ClaimedRow, claim: Claim): string | null {
  if (row.configError) return row.configError;
  const chainError = claim.chainErrors.get(row.chainId);
  if (chainError) return chainError;
  if (!claim.chains.has(row.chainId)) return `chain ${row.chainId} is missing from the claim`;
  if (!row.address) return "wallet has no active address on this chain";
  if (!row.isNative && !row.contractAddress) return "token asset has no contract_address";
  if (row.decimals === null || !Number.isInteger(row.decimals)) {
    return "asset has no valid decimals";
  }
  return null;
}

export async function runSync(
  deps: SyncDeps,
  settings: SyncSettings,
  input: RunInput,
): Promise<RunSummary> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const worker = input.runId;
  const forced = Boolean(input.filter);
  const log = deps.log;

  const summary: RunSummary = {
    run_id: input.runId,
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
    chains: {},
  };
  const reports: RowReport[] = [];

  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException("run budget exhausted", "TimeoutError")),
    settings.budgetMs,
  );
  const deadlineReached = new Promise<typeof DEADLINE>((resolve) => {
    deadline.signal.addEventListener("abort", () => resolve(DEADLINE), { once: true });
  });

  // Rows this run holds a lease on and has neither recorded nor released.
  const pending = new Set<string>();

  const chainSummary = (chainId: string, chain?: ChainConfig): ChainSummary => {
    let entry = summary.chains[chainId];
    if (!entry) {
      entry = summary.chains[chainId] = {
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
    }
    return entry;
  };

  const rowFields = (row: ClaimedRow, claim: Claim) => ({
    wallet_balance_id: row.id,
    wallet_id: row.walletId,
    asset_type: assetType(row),
    asset_on_chain_id: row.assetOnChainId,
    asset_id: row.assetId,
    contract_address: row.contractAddress,
    chain: claim.chains.get(row.chainId)?.name ?? row.chainId,
    chain_id: row.chainId,
  });

  const report = (
    row: ClaimedRow,
    claim: Claim,
    rest: Partial<RowReport> & { status: RowStatus },
  ) => {
    if (!forced) return;
    reports.push({
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
  };

  const processBatch = async (claim: Claim) => {
    const results: RowResult[] = [];
    const successes: ClaimedRow[] = [];
    const unread: string[] = [];

    const fail = (row: ClaimedRow, errorClass: ErrorClass, message: string) => {
      results.push({ id: row.id, error: message, error_class: errorClass });
      const chain = chainSummary(row.chainId, claim.chains.get(row.chainId));
      chain.failed++;
      chain.errors_by_class[errorClass] = (chain.errors_by_class[errorClass] ?? 0) + 1;
      log.warn("Wallet balance sync failed", {
        ...rowFields(row, claim),
        error_class: errorClass,
        error: message,
      });
      report(row, claim, { status: "failed", error: message, error_class: errorClass });
    };

    const groups = new Map<string, ClaimedRow[]>();
    for (const row of claim.rows) {
      chainSummary(row.chainId, claim.chains.get(row.chainId)).rows++;
      const problem = configurationProblem(row, claim);
      if (problem) {
        fail(row, "configuration", problem);
        continue;
      }
      const group = groups.get(row.chainId);
      if (group) group.push(row);
      else groups.set(row.chainId, [row]);
    }

    const readChain = async (chain: ChainConfig, rows: ClaimedRow[]) => {
      const summaryEntry = chainSummary(chain.id, chain);
      const queries: BalanceQuery[] = rows.map((row) => ({
        key: row.id,
        address: row.address!,
        token: row.isNative ? null : row.contractAddress,
      }));
      const readStarted = now();
      let read: ChainRead | typeof DEADLINE;
      try {
        const reading = deps.readers(chain.family).then((reader) =>
          reader(chain, queries, { signal: deadline.signal, env: deps.env })
        );
        read = deadline.signal.aborted ? DEADLINE : await Promise.race([reading, deadlineReached]);
      } catch (error) {
        // A reader that cannot load, or that broke its never-reject contract, fails its chain only.
        const message = `${chain.family} reader failed: ${(error as Error)?.message ?? error}`;
        for (const row of rows) fail(row, "transient", message);
        return;
      } finally {
        summaryEntry.read_ms += Math.round(now() - readStarted);
      }

      if (read === DEADLINE) {
        summaryEntry.note = "run budget ran out before this chain answered";
        for (const row of rows) {
          unread.push(row.id);
          summaryEntry.released++;
          report(row, claim, { status: "released" });
        }
        return;
      }

      summaryEntry.rpc_requests += read.requests;
      summaryEntry.mode = read.mode;
      if (read.note) summaryEntry.note = read.note;
      if (read.block !== null) {
        const previous = summaryEntry.block === null ? null : BigInt(summaryEntry.block);
        if (previous === null || read.block > previous) summaryEntry.block = read.block.toString();
      }
      const block = read.block === null ? null : read.block.toString();
      // The database refuses a balance without its block; a reader that lost it fails its rows.
      const blockless = "reader reported no block for this read; the balance is not recorded";
      const outcomes = new Map(read.outcomes.map((o) => [o.key, o]));
      // After the deadline a failure may be our own abort, not the chain's: retry those later.
      const aborted = deadline.signal.aborted;

      for (const row of rows) {
        const outcome = outcomes.get(row.id);
        if (!outcome || !outcome.ok) {
          if (aborted) {
            unread.push(row.id);
            summaryEntry.released++;
            report(row, claim, { status: "released" });
          } else if (!outcome) {
            fail(row, "transient", "reader returned no outcome for this row");
          } else {
            fail(row, outcome.error.errorClass, outcome.error.message);
          }
          continue;
        }
        if (block === null) {
          fail(row, "transient", blockless);
          continue;
        }
        let human: string;
        try {
          human = deps.toHuman(outcome.raw, row.decimals!);
        } catch (error) {
          fail(row, "configuration", `cannot convert balance: ${(error as Error).message}`);
          continue;
        }
        const raw = outcome.raw.toString();
        results.push({ id: row.id, raw, human, block });
        successes.push(row);
        summaryEntry.synced++;
        log.info(row.isNative ? "Fetched native asset balance" : "Fetched token asset balance", {
          ...rowFields(row, claim),
          raw,
          human,
          block,
        });
        report(row, claim, { status: "synced", raw, human, block });
      }
    };

    await Promise.all(
      [...groups].map(([chainId, rows]) => readChain(claim.chains.get(chainId)!, rows)),
    );

    if (results.length > 0) {
      const outcome = await deps.store.record(worker, results);
      const refused = new Set(outcome.invalid.map((entry) => results[entry.index]?.id));
      // Refused entries keep their lease until released below (or by the run's final release).
      for (const r of results) if (!refused.has(r.id)) pending.delete(r.id);
      summary.synced += outcome.applied;
      summary.failed += outcome.errored;
      summary.stale_rejected += outcome.staleRejected;
      summary.lost += outcome.lost;
      summary.invalid += outcome.invalid.length;
      const notApplied = new Map<string, Partial<RowReport> & { status: RowStatus }>([
        ...outcome.staleIds.map((id) => [id, { status: "stale_rejected" as const }] as const),
        ...outcome.lostIds.map((id) => [id, { status: "lost" as const }] as const),
      ]);
      // The database refused these entries and kept their leases: give them back now.
      for (const entry of outcome.invalid) {
        const id = results[entry.index]?.id;
        if (!id) continue;
        unread.push(id);
        notApplied.set(id, {
          status: "released",
          error: `refused by the database: ${entry.reason}`,
        });
      }
      // The database refused these rows (a legacy column, a trigger, ...) and recorded the refusal as
      // each row's error, with its backoff; the rest of the batch applied.
      for (const entry of outcome.refused) {
        const result = results[entry.index];
        if (!result) continue;
        summary.failed++;
        notApplied.set(result.id, {
          status: "failed",
          error: entry.reason,
          error_class: "permanent",
          raw: undefined,
          human: undefined,
          block: undefined,
        });
        const row = claim.rows.find((r) => r.id === result.id);
        if (row && "raw" in result) {
          const chain = chainSummary(row.chainId, claim.chains.get(row.chainId));
          chain.synced--;
          chain.failed++;
          chain.errors_by_class.permanent = (chain.errors_by_class.permanent ?? 0) + 1;
        }
      }
      for (const row of successes) {
        const status = notApplied.get(row.id)?.status;
        if (status === "failed") {
          log.warn("Wallet balance not written: the database refused it", {
            ...rowFields(row, claim),
            error: notApplied.get(row.id)?.error,
          });
        } else if (status === undefined) {
          log.info("Wallet balance synced successfully", rowFields(row, claim));
        } else if (status !== "released") {
          log.warn(
            status === "lost"
              ? "Wallet balance not written: another run holds it now"
              : "Wallet balance not written: a higher block was already recorded",
            rowFields(row, claim),
          );
        }
      }
      if (notApplied.size > 0) {
        log.warn("Not every result was applied", {
          applied: outcome.applied,
          errored: outcome.errored,
          stale_rejected: outcome.staleRejected,
          lost: outcome.lost,
          invalid: outcome.invalid,
          refused: outcome.refused,
        });
      }
      if (forced && notApplied.size > 0) {
        for (const rowReport of reports) {
          const change = notApplied.get(rowReport.id);
          if (change) Object.assign(rowReport, change);
        }
      }
    }
    if (unread.length > 0) {
      summary.released += await deps.store.release(worker, unread);
      for (const id of unread) pending.delete(id);
    }
  };

  log.info("Balance sync run started", {
    kind: summary.kind,
    filter: input.filter ?? null,
    budget_ms: settings.budgetMs,
    batch_size: settings.batchSize,
  });

  let slowestBatch = 0;
  try {
    while (true) {
      if (summary.batches >= settings.maxBatches) {
        summary.stopped = "max_batches";
        break;
      }
      const remaining = settings.budgetMs - (now() - started);
      if (deadline.signal.aborted || remaining <= 0 || remaining < slowestBatch) {
        summary.stopped = "budget";
        break;
      }
      const batchStarted = now();
      const limit = forced ? settings.maxForcedIds : settings.batchSize;
      const claim = await deps.store.claim({
        worker,
        limit,
        leaseSeconds: settings.leaseSeconds,
        minIntervalSeconds: settings.minIntervalSeconds,
        filter: input.filter ?? null,
      });
      for (const row of claim.rows) pending.add(row.id);
      if (forced) {
        summary.busy += claim.busy.length;
        summary.busy_ids = [...(summary.busy_ids ?? []), ...claim.busy];
        for (const id of claim.busy) {
          log.info("Wallet balance is busy in another run", { wallet_balance_id: id });
        }
        if (claim.unknownIds?.length) {
          summary.unknown_ids = claim.unknownIds;
          log.warn("Force-sync named ids that match no row", {
            unknown: claim.unknownIds.length,
            unknown_ids: claim.unknownIds.slice(0, 20),
          });
        }
      }
      if (claim.rows.length === 0) {
        summary.stopped = forced ? "forced" : "drained";
        break;
      }
      summary.batches++;
      summary.claimed += claim.rows.length;
      await processBatch(claim);
      slowestBatch = Math.max(slowestBatch, now() - batchStarted);
      if (deadline.signal.aborted) {
        summary.stopped = "budget";
        break;
      }
      if (forced) {
        summary.stopped = "forced";
        break;
      }
      if (claim.rows.length < limit) {
        summary.stopped = "drained";
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    if (pending.size > 0) {
      // Whatever went wrong, give the rows back now instead of leaving them to the lease.
      const ids = [...pending];
      try {
        summary.released += await deps.store.release(worker, ids);
      } catch (error) {
        log.error("Could not release claimed rows; their lease will expire", {
          rows: ids.length,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
    summary.duration_ms = Math.round(now() - started);
  }

  if (forced) summary.rows = reports;
  const { rows: _rows, busy_ids: _busyIds, unknown_ids: _unknownIds, ...line } = summary;
  log.notice("Balance sync run finished", line);
  return summary;
}
