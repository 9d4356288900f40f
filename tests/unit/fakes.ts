/** In-memory stand-ins for the DB contract and the chain readers, for the run's unit tests. */
import type {
  BalanceQuery,
  ChainConfig,
  ChainFamily,
  ChainRead,
  ChainReader,
  ReadMode,
  ReadOptions,
} from "../../supabase/functions/balance-sync/chains/types.ts";
import { ReadError } from "../../supabase/functions/balance-sync/chains/errors.ts";
import { neverRejecting } from "../../supabase/functions/balance-sync/chains/readers.ts";
import { chainConfig } from "../support/chain_reads.ts";
import type { LogLevel } from "../../supabase/functions/balance-sync/log.ts";
import { createLogger, type Logger } from "../../supabase/functions/balance-sync/log.ts";
import { DEFAULTS, loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { createHandler } from "../../supabase/functions/balance-sync/http/handler.ts";
import type { InFlightRuns } from "../../supabase/functions/balance-sync/run/unload.ts";
import {
  type ReaderRegistry,
  type RunInput,
  type RunSummary,
  runSync,
  type SyncDeps,
  type SyncSettings,
} from "../../supabase/functions/balance-sync/run/mod.ts";
import type {
  CallOptions,
  ChainLease,
  Claim,
  ClaimedRow,
  ClaimOptions,
  DueChain,
  Operations,
  RecordOutcome,
  RowResult,
  RunSettings,
  Store,
} from "../../supabase/functions/balance-sync/db/store.ts";

export const chain = (
  id: string,
  family: ChainFamily,
  extra: Partial<ChainConfig> = {},
): ChainConfig => chainConfig({ id, name: id, family, rpcUrl: `http://${id}.invalid`, ...extra });

let counter = 0;
export const row = (chainId: string, extra: Partial<ClaimedRow> = {}): ClaimedRow => {
  counter++;
  const n = counter.toString(16).padStart(12, "0");
  return {
    id: `00000000-0000-4000-8000-${n}`,
    walletId: `10000000-0000-4000-8000-${n}`,
    assetOnChainId: `20000000-0000-4000-8000-${chainId.length.toString(16).padStart(12, "0")}`,
    assetId: "30000000-0000-4000-8000-000000000001",
    chainId,
    address: `addr-${n}`,
    contractAddress: null,
    decimals: 18,
    isNative: true,
    configError: null,
    ...extra,
  };
};

export interface FakeRow extends ClaimedRow {
  lockedBy: string | null;
  raw: string | null;
  human: string | null;
  block: string | null;
  syncCount: number;
  errorCount: number;
  lastError: string | null;
  /** Not due for scheduled runs (already synced within the interval). */
  fresh: boolean;
}

/**
 * Claims in line order, honours row and chain leases, counts every call. Due-ness is `fresh`
 * only: a recorded row (synced or failed) is not due again; a released row goes to the back of
 * the line, as next_sync_at = now puts it behind the rows already due.
 */
export class FakeStore implements Store {
  rows: FakeRow[];
  calls: { at?: number; op: string; args: unknown; timeoutMs?: number }[] = [];
  failOn: Partial<Record<"claim" | "record" | "release", Error>> = {};
  /** Chain leases of rate-limited chains: chain id -> holder. */
  chainLeases = new Map<string, string>();
  /** acquireChain answers the chain's max_rps (the real one does); off by default. */
  paceFromLease = false;
  /** Delay (ms) before each call of an operation answers; it honours the call's timeout. */
  delays: Partial<Record<string, number>> = {};
  /** balance_sync.settings as balance_sync_run_settings answers them (the database's defaults). */
  settings: RunSettings = { minIntervalSeconds: 30, rowsPerRun: 2000, pgNetTimeoutMs: 40_000 };
  /**
   * Chain leases that run out while their run reads (a run that overran): chain id -> the run
   * that takes the chain over at the holder's next claim or record.
   */
  leaseTakenOverBy = new Map<string, string>();

  #delay(op: string, call?: CallOptions): Promise<void> {
    const ms = this.delays[op];
    if (!ms) return Promise.resolve();
    const timeout = call?.timeoutMs ?? Infinity;
    return new Promise((resolve, reject) => {
      if (timeout < ms) {
        setTimeout(() => reject(new Error(`${op} timed out after ${timeout} ms`)), timeout);
      } else setTimeout(resolve, ms);
    });
  }

  /** Counts the call, waits its delay (if any), and fails it where `failOn` says so. */
  async #answer(op: string, args: unknown, call?: CallOptions): Promise<void> {
    this.calls.push({ at: performance.now(), op, args, timeoutMs: call?.timeoutMs });
    await this.#delay(op, call);
    const failure = this.failOn[op as keyof FakeStore["failOn"]];
    if (failure) throw failure;
  }

  /** Ids whose result record() refuses as invalid (changing nothing, as the real one does). */
  invalidIds = new Set<string>();
  /** Rows the database itself refuses (say, a legacy trigger): recorded as their error. */
  refusedIds = new Set<string>();
  /**
   * Rows whose lease the database refuses (a frozen-row trigger): claim parks them, as the real
   * one does, lists them in `refused`, and skips them while parked.
   */
  leaseRefusedIds = new Set<string>();
  parked = new Set<string>();
  /**
   * Rows whose balance another service changes under record's statement: reported lost while
   * this run still holds them, as the real record does.
   */
  changedUnderIds = new Set<string>();

  constructor(readonly chains: ChainConfig[], rows: ClaimedRow[]) {
    this.rows = rows.map((r) => ({
      ...r,
      lockedBy: null,
      raw: null,
      human: null,
      block: null,
      syncCount: 0,
      errorCount: 0,
      lastError: null,
      fresh: false,
    }));
  }

  lockedRows(): FakeRow[] {
    return this.rows.filter((r) => r.lockedBy !== null);
  }

  get(id: string): FakeRow {
    return this.rows.find((r) => r.id === id)!;
  }

  async runSettings(call?: CallOptions): Promise<RunSettings | null> {
    await this.#answer("run_settings", {}, call);
    return { ...this.settings };
  }

  /**
   * The chain-lease check of claim and record, as the real ones do: a lease set to be taken over
   * passes to its taker, and the former holder hears "lost".
   */
  #chainLease(runId: string, chainId: string): "held" | "lost" | undefined {
    const chain = this.chains.find((c) => c.id === chainId);
    if (!chain || chain.maxRps === null) return undefined;
    const taker = this.leaseTakenOverBy.get(chainId);
    if (taker !== undefined && this.chainLeases.get(chainId) === runId) {
      this.chainLeases.set(chainId, taker);
      this.leaseTakenOverBy.delete(chainId);
    }
    return this.chainLeases.get(chainId) === runId ? "held" : "lost";
  }

  async claim(options: ClaimOptions, call?: CallOptions): Promise<Claim> {
    await this.#answer("claim", options, call);
    const scheduled = (options.filter as { scheduled?: boolean } | null)?.scheduled === true;
    if (scheduled) {
      const chainId = (options.filter as { chain_id: string }).chain_id;
      if (this.#chainLease(options.runId, chainId) === "lost") {
        return {
          rows: [],
          chains: new Map(),
          chainErrors: new Map(),
          busy: [],
          refused: [],
          chainLease: "lost",
          chainLeaseHolder: this.chainLeases.get(chainId) ?? null,
          chainLeaseLockedUntil: null,
        };
      }
    }
    const f = scheduled ? null : options.filter as Record<string, unknown> | null | undefined;
    const scope = scheduled ? (options.filter as { chain_id: string }).chain_id : null;
    const leasedByOther = (r: FakeRow) =>
      (this.chainLeases.get(r.chainId) ?? options.runId) !== options.runId;
    const matches = (r: FakeRow) => {
      if (leasedByOther(r)) return false;
      if (!f) return !r.fresh && (scope === null || r.chainId === scope);
      if (f.wallet_id) return r.walletId === f.wallet_id;
      if (f.chain_id) return r.chainId === f.chain_id;
      if (f.asset_on_chain_id) return r.assetOnChainId === f.asset_on_chain_id;
      return (f.wallet_balance_ids as string[]).includes(r.id);
    };
    const candidates = this.rows.filter((r) => matches(r) && (f || !this.parked.has(r.id)));
    const busy = f ? candidates.filter((r) => r.lockedBy !== null).map((r) => r.id) : [];
    const chosen = candidates.filter((r) => r.lockedBy === null).slice(0, options.limit);
    const refused = chosen.filter((r) => this.leaseRefusedIds.has(r.id)).map((r) => ({
      id: r.id,
      reason: `row ${r.id} is frozen by another service`,
    }));
    for (const r of refused) this.parked.add(r.id);
    const picked = chosen.filter((r) => !this.leaseRefusedIds.has(r.id));
    for (const r of picked) r.lockedBy = options.runId;
    const chains = new Map<string, ChainConfig>();
    for (const r of picked) {
      const c = this.chains.find((c) => c.id === r.chainId);
      if (c) chains.set(c.id, c);
    }
    const rows = picked.map((
      {
        lockedBy: _l,
        raw: _r,
        human: _h,
        block: _b,
        syncCount: _s,
        errorCount: _e,
        lastError: _x,
        fresh: _f,
        ...rest
      },
    ) => rest);
    return Promise.resolve({ rows, chains, chainErrors: new Map(), busy, refused });
  }

  async record(runId: string, results: RowResult[], call?: CallOptions): Promise<RecordOutcome> {
    await this.#answer("record", { runId, results }, call);
    const outcome: RecordOutcome = {
      applied: 0,
      errored: 0,
      staleRejected: 0,
      lost: 0,
      staleIds: [],
      lostIds: [],
      invalid: [],
      refused: [],
      chainLeasesLost: [],
    };
    const chainIds = new Set(results.map((r) => this.rows.find((x) => x.id === r.id)?.chainId));
    for (const chainId of chainIds) {
      const state = chainId === undefined ? undefined : this.#chainLease(runId, chainId);
      if (state === undefined) continue;
      if (state === "lost") outcome.chainLeasesLost.push(chainId!);
      outcome.chainLease = outcome.chainLease === "lost" ? "lost" : state;
    }
    for (const [index, result] of results.entries()) {
      if (this.refusedIds.has(result.id)) {
        const r = this.get(result.id);
        const reason = "refused by the database: wallet is frozen";
        r.lockedBy = null;
        r.errorCount++;
        r.lastError = reason;
        outcome.refused.push({ index, id: result.id, reason });
        continue;
      }
      if (this.invalidIds.has(result.id)) {
        outcome.invalid.push({ index, id: result.id, reason: "human does not equal raw" });
        continue;
      }
      const r = this.get(result.id);
      if (r.lockedBy !== runId || this.changedUnderIds.has(result.id)) {
        outcome.lost++;
        outcome.lostIds.push(result.id);
        continue;
      }
      r.lockedBy = null;
      if ("error" in result) {
        r.errorCount++;
        r.lastError = result.error;
        r.fresh = true;
        outcome.errored++;
      } else {
        r.raw = result.raw;
        r.human = result.human;
        r.block = result.block;
        r.syncCount++;
        r.fresh = true;
        outcome.applied++;
      }
    }
    return Promise.resolve(outcome);
  }

  async release(runId: string, ids: string[], call?: CallOptions): Promise<number> {
    await this.#answer("release", { runId, ids }, call);
    let n = 0;
    for (const id of ids) {
      const r = this.get(id);
      if (r.lockedBy === runId) {
        r.lockedBy = null;
        // back of the line
        this.rows.splice(this.rows.indexOf(r), 1);
        this.rows.push(r);
        n++;
      }
    }
    return n;
  }

  async dueChains(minIntervalSeconds: number, call?: CallOptions): Promise<DueChain[]> {
    await this.#answer("due_chains", { minIntervalSeconds }, call);
    return this.chains.flatMap((c) => {
      const due = this.rows.filter((r) => r.chainId === c.id && !r.fresh && r.lockedBy === null);
      return due.length === 0
        ? []
        : [{ chainId: c.id, name: c.name, rateLimited: c.maxRps !== null, due: due.length }];
    });
  }

  async acquireChain(
    runId: string,
    chainId: string,
    _leaseSeconds: number,
    call?: CallOptions,
  ): Promise<ChainLease> {
    await this.#answer("acquire_chain", { runId, chainId }, call);
    const chain = this.chains.find((c) => c.id === chainId);
    if (!chain) return { acquired: false, rateLimited: false, unknownChain: true };
    if (chain.maxRps === null) return { acquired: true, rateLimited: false };
    const holder = this.chainLeases.get(chainId);
    if (holder !== undefined && holder !== runId) {
      return { acquired: false, rateLimited: true, holder, lockedUntil: null };
    }
    this.chainLeases.set(chainId, runId);
    return { acquired: true, rateLimited: true, maxRps: this.paceFromLease ? chain.maxRps : null };
  }

  async releaseChain(runId: string, chainId: string, call?: CallOptions): Promise<boolean> {
    await this.#answer("release_chain", { runId, chainId }, call);
    if (this.chainLeases.get(chainId) !== runId) return false;
    this.chainLeases.delete(chainId);
    return true;
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export type Behaviour =
  /** `mode`: how the read says it read (multicall by default; a claim grows after one). */
  | { kind: "balances"; balances: Map<string, bigint>; block?: bigint; mode?: ReadMode }
  | { kind: "fail"; error: ReadError }
  /** Resolves only when the run's signal aborts, then answers every query with an abort error. */
  | { kind: "hang-until-abort" }
  /** Never resolves: a reader that ignores the signal. */
  | { kind: "hang" }
  /**
   * One query at a time, `msPerQuery` each (a paced chain); when the signal aborts it answers
   * what it has read and an abort error for the rest, as the real readers do.
   */
  | { kind: "paced"; msPerQuery: number; balances: Map<string, bigint> };

/** A reader per family whose behaviour is set per chain id; records calls and overlap. */
export class FakeReaders {
  behaviour = new Map<string, Behaviour>();
  calls: { chain: string; queries: BalanceQuery[]; options?: ReadOptions }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  loaded: ChainFamily[] = [];
  /** Per-chain gates: a read waits for its gate before answering. */
  gates = new Map<string, Promise<void>>();

  registry = (family: ChainFamily): Promise<ChainReader> => {
    this.loaded.push(family);
    // Wrapped like the function's registry wraps the real readers.
    return Promise.resolve(neverRejecting(family, this.reader));
  };

  reader: ChainReader = async (chain, queries, options) => {
    this.calls.push({ chain: chain.id, queries, options });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gates.get(chain.id);
      const b: Behaviour = this.behaviour.get(chain.id) ??
        { kind: "balances", balances: new Map() };
      if (b.kind === "hang") return await new Promise<ChainRead>(() => {});
      if (b.kind === "paced") return await pacedRead(b, queries, options?.signal);
      if (b.kind === "hang-until-abort") {
        await new Promise<void>((resolve) => {
          if (options?.signal?.aborted) resolve();
          options?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        return {
          block: null,
          requests: 1,
          mode: "per-call",
          outcomes: queries.map((q) => ({
            key: q.key,
            ok: false as const,
            error: new ReadError("transient", "request aborted"),
          })),
        };
      }
      if (b.kind === "fail") {
        return {
          block: null,
          requests: 1,
          mode: "multicall",
          outcomes: queries.map((q) => ({ key: q.key, ok: false as const, error: b.error })),
        };
      }
      return {
        block: b.block ?? 100n,
        requests: 1,
        mode: b.mode ?? "multicall",
        outcomes: queries.map((q) => {
          const raw = b.balances.get(q.address);
          return raw === undefined
            ? {
              key: q.key,
              ok: false as const,
              error: new ReadError("permanent", "no such account"),
            }
            : { key: q.key, ok: true as const, raw };
        }),
      };
    } finally {
      this.inFlight--;
    }
  };
}

async function pacedRead(
  b: { msPerQuery: number; balances: Map<string, bigint> },
  queries: BalanceQuery[],
  signal?: AbortSignal,
): Promise<ChainRead> {
  const outcomes: ChainRead["outcomes"] = [];
  let requests = 0;
  for (const q of queries) {
    if (!signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, b.msPerQuery);
        signal?.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        }
      });
    }
    if (signal?.aborted) {
      outcomes.push({ key: q.key, ok: false, error: new ReadError("transient", "read aborted") });
      continue;
    }
    requests++;
    const raw = b.balances.get(q.address);
    outcomes.push(
      raw === undefined
        ? { key: q.key, ok: false, error: new ReadError("permanent", "no such account") }
        : { key: q.key, ok: true, raw },
    );
  }
  return { block: 5n, requests, mode: "per-call", outcomes };
}

export function captureLog(level: LogLevel = "debug") {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = createLogger({
    level,
    sink: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line));
    },
  });
  return { log, lines, raw };
}

/**
 * The run's settings in these tests: the function's defaults (as config.ts fills them in), small
 * batches, a generous budget; `extra` overrides.
 */
export const testSettings = (extra: Partial<SyncSettings> = {}): SyncSettings => ({
  cpuBudgetMs: DEFAULTS.cpuBudgetMs,
  storeTimeoutMs: DEFAULTS.storeTimeoutMs,
  abortGraceMs: DEFAULTS.abortGraceMs,
  maxRowLogLines: DEFAULTS.maxRowLogLines,
  batchSize: 50,
  leaseSeconds: 120,
  budgetMs: 5_000,
  maxBatches: 100,
  maxForcedIds: 1000,
  ...extra,
});

/** The run id `syncWithFakes` uses unless the input names another. */
export const FAKE_RUN_ID = "9b2f6a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

/** runSync over a FakeStore and FakeReaders (or a registry of its own). */
export function syncWithFakes(
  deps:
    & { store: Store; readers: FakeReaders | ReaderRegistry; log: Logger }
    & Omit<Partial<SyncDeps>, "readers">,
  settings: Partial<SyncSettings> = {},
  input: Partial<RunInput> = {},
): Promise<RunSummary> {
  const readers = deps.readers instanceof FakeReaders ? deps.readers.registry : deps.readers;
  return runSync({ ...deps, readers }, testSettings(settings), { runId: FAKE_RUN_ID, ...input });
}

/** The function secrets of the handler tests (made up; the store and readers are fakes). */
export const FAKE_KEYS = {
  serviceRole: "eyJhbGciOiJIUzI1NiJ9.c2VydmljZV9yb2xl.sig-service-role",
  anon: "eyJhbGciOiJIUzI1NiJ9.YW5vbg.sig-anon-key-0000",
  secretKey: "sb_secret_0123456789abcdefghij",
  sync: "sync-secret-0123456789abcdef",
};

/**
 * The real handler over a FakeStore and FakeReaders, configured with FAKE_KEYS (and `env`), its
 * log lines kept in `logs`.
 */
export function handlerWithFakes(
  store: FakeStore,
  readers: FakeReaders,
  extra: {
    env?: Record<string, string>;
    operations?: Operations;
    runId?: string;
    inFlight?: InFlightRuns;
    waitUntil?: ((promise: Promise<unknown>) => void) | null;
  } = {},
) {
  const config = loadConfig((name) =>
    ({
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_SERVICE_ROLE_KEY: FAKE_KEYS.serviceRole,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: FAKE_KEYS.secretKey }),
      BALANCE_SYNC_SECRET: FAKE_KEYS.sync,
      ...extra.env,
    })[name]
  );
  const logs: string[] = [];
  const handler = createHandler({
    config,
    store,
    readers: readers.registry,
    logSink: (line) => logs.push(line),
    operations: extra.operations,
    newRunId: extra.runId ? () => extra.runId! : undefined,
    inFlight: extra.inFlight,
    waitUntil: extra.waitUntil,
  });
  return { handler, logs };
}
