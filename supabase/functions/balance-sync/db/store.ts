/**
 * The function's side of the database contract (every read and write is one SQL function): the
 * shapes the contract functions take and hand back, their parsers, and the Store that calls them
 * over PostgREST RPC, each call with its timeout.
 */
import type { ChainConfig } from "../chains/types.ts";
import type { ErrorClass } from "../chains/errors.ts";

/** Which rows a forced run claims; exactly one key, as `balance_sync_claim`'s p_filter takes it. */
export type ForcedFilter =
  | { wallet_id: string }
  | { wallet_balance_ids: string[] }
  | { asset_on_chain_id: string }
  | { chain_id: string };

/** One wallet_balances row as `balance_sync_claim` hands it out. */
export interface ClaimedRow {
  id: string;
  /** Null only on legacy rows; such a row comes with a configError (no active address). */
  walletId: string | null;
  assetOnChainId: string;
  /** asset_on_chain.asset_id is nullable in legacy schemas. */
  assetId: string | null;
  chainId: string;
  address: string | null;
  contractAddress: string | null;
  decimals: number | null;
  isNative: boolean;
  /** Why the row cannot be read (no active address, token without contract, ...), or null. */
  configError: string | null;
}

export interface Claim {
  rows: ClaimedRow[];
  chains: Map<string, ChainConfig>;
  /**
   * Chains with values the claim does not check (fallback URLs, confirmations, rate limits) that
   * make them unusable: their rows are recorded as errors with this reason.
   */
  chainErrors: Map<string, string>;
  /** Forced claims only: matching rows whose live lease belongs to another run. */
  busy: string[];
  /** Forced claims by wallet_balance_ids only: ids that match no row. */
  unknownIds?: string[];
  /**
   * Rows the claim picked but the database refused to lease (another service's trigger or
   * check): parked with a backoff by the claim, not handed out. The rest of the batch is.
   */
  refused?: { id: string; reason: string }[];
  /**
   * A scheduled claim of one rate-limited chain: whether this run still holds the chain lease
   * (the claim renewed it) or lost it (the claim leased no row). Absent for other claims.
   */
  chainLease?: ChainLeaseState;
  /** When lost: the run that holds the chain lease now, and until when (null: none). */
  chainLeaseHolder?: string | null;
  chainLeaseLockedUntil?: string | null;
}

/** A run's hold on a rate-limited chain's lease, as claim and record report it. */
export type ChainLeaseState = "held" | "lost";

export type RowResult =
  | {
    id: string;
    raw: string;
    human: string;
    block: string | null;
    /** The scheduled tick that read it: record makes the row due one interval after it. */
    tick_at?: string;
  }
  | { id: string; error: string; error_class: ErrorClass };

export interface RecordOutcome {
  applied: number;
  errored: number;
  staleRejected: number;
  lost: number;
  /** Rows whose balance was kept because it was observed at a higher block. */
  staleIds: string[];
  /**
   * Rows not written: another run took them over, or another service changed the balance under
   * the statement (then the row is still this run's, and the run releases it).
   */
  lostIds: string[];
  invalid: { index: number; id: unknown; reason: string }[];
  /** Entries the database itself refused (column type, trigger, ...): recorded as those rows' errors. */
  refused: { index: number; id: unknown; reason: string }[];
  /**
   * Rows of rate-limited chains among the results: "held" when this run still held every such
   * chain's lease (record renewed them), "lost" when not. The rows are written either way.
   */
  chainLease?: ChainLeaseState;
  /** The chains whose lease this run no longer holds: their loops stop. */
  chainLeasesLost: string[];
}

export interface ClaimOptions {
  runId: string;
  limit: number;
  leaseSeconds: number;
  /** The run sends the setting as it read it; omitted or null: the database's setting decides. */
  minIntervalSeconds?: number | null;
  filter?: ClaimFilter | null;
}

/**
 * The balance_sync.settings a run follows (balance_sync_run_settings, one call per run). The
 * database is their one source: dispatch and record read the same values.
 */
export interface RunSettings {
  minIntervalSeconds: number;
  rowsPerRun: number;
  pgNetTimeoutMs: number;
}

/** A forced filter, or a scheduled claim narrowed to one chain (due rows only, in line). */
export type ClaimFilter = ForcedFilter | { chain_id: string; scheduled: true };

/** A chain with due rows, as `balance_sync_due_chains` lists it. */
export interface DueChain {
  chainId: string;
  name: string;
  /** max_rps is set: read by the holder of the chain lease only. */
  rateLimited: boolean;
  due: number;
}

export type ChainLease =
  | { acquired: true; rateLimited: boolean; maxRps?: number | null; multicall?: boolean }
  | { acquired: false; rateLimited: true; holder: string | null; lockedUntil: string | null }
  | { acquired: false; rateLimited: false; unknownChain: true };

/** Per call: a shorter timeout than the store's own, so that late calls end before pg_net's. */
export interface CallOptions {
  timeoutMs?: number;
}

/** The DB contract, as the run sees it. */
export interface Store {
  /** Null: the database predates balance_sync_run_settings (its migrations are not applied yet). */
  runSettings(call?: CallOptions): Promise<RunSettings | null>;
  claim(options: ClaimOptions, call?: CallOptions): Promise<Claim>;
  record(runId: string, results: RowResult[], call?: CallOptions): Promise<RecordOutcome>;
  release(runId: string, ids: string[], call?: CallOptions): Promise<number>;
  dueChains(minIntervalSeconds: number, call?: CallOptions): Promise<DueChain[]>;
  acquireChain(
    runId: string,
    chainId: string,
    leaseSeconds: number,
    call?: CallOptions,
  ): Promise<ChainLease>;
  releaseChain(runId: string, chainId: string, call?: CallOptions): Promise<boolean>;
  /**
   * The chain's learned request sizes as stored (balance_sync_read_limits), null when none yet.
   * Optional: without it, reads use the defaults and nothing is learned across runs.
   */
  readLimits?(chainId: string, call?: CallOptions): Promise<unknown>;
  /** Stores the chain's learned request sizes (balance_sync_save_read_limits). */
  saveReadLimits?(
    chainId: string,
    limits: Record<string, unknown>,
    lowered: boolean,
    call?: CallOptions,
  ): Promise<boolean>;
}

/** How a run ended, for its row in balance_sync.runs. */
export type RunEnd = "finished" | "failed";

/** The run history and the metrics: one call each, outside the run loop. */
export interface Operations {
  /** Completes the run's balance_sync.runs row with its summary (one call per run). */
  finishRun(runId: string, status: RunEnd, summary: Record<string, unknown>): Promise<void>;
  /** The Prometheus text of balance_sync_metrics(). */
  metrics(): Promise<string>;
}

/** The database could not be reached or refused the call (answer 503). */
export class StoreUnavailable extends Error {
  override name = "StoreUnavailable";
  constructor(
    readonly operation: string,
    message: string,
    readonly code: string | null = null,
    readonly status: number | null = null,
  ) {
    super(`${operation}: ${message}`);
  }
}

/**
 * A force-sync filter that matches no row at all (answer 404): `field` is the filter key, the
 * message names what does not exist. Raised by the claim before anything is leased.
 */
export class FilterNotFound extends Error {
  override name = "FilterNotFound";
  constructor(message: string, readonly field: string | null) {
    super(message);
  }
}

/** PostgREST's answer for a function the database does not have. */
const FUNCTION_NOT_FOUND = "PGRST202";

/** SQLSTATE no_data_found, which balance_sync_claim raises for such a filter. */
const NO_DATA_FOUND = "P0002";

export interface RpcResponse {
  data: unknown;
  error: { message: string; code?: string | null; details?: string | null } | null;
  status?: number;
}

export interface RpcCall extends PromiseLike<RpcResponse> {
  abortSignal(signal: AbortSignal): PromiseLike<RpcResponse>;
}

/** The slice of supabase-js the store uses: `client.rpc(fn, args)`. */
export interface RpcClient {
  rpc(fn: string, args: Record<string, unknown>): RpcCall;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function text(row: Json, key: string, nullable: true): string | null;
function text(row: Json, key: string, nullable?: false): string;
function text(row: Json, key: string, nullable = false): string | null {
  const value = row[key];
  if (value === null || value === undefined) {
    if (nullable) return null;
    throw new TypeError(`missing ${key}`);
  }
  if (typeof value !== "string") throw new TypeError(`${key} is not a string`);
  return value;
}

function num(row: Json, key: string): number | null {
  const value = row[key];
  if (value === null || value === undefined) return null;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new TypeError(`${key} is not a number`);
  return n;
}

function toRow(raw: unknown): ClaimedRow {
  if (!isObject(raw)) throw new TypeError("row is not an object");
  const row: ClaimedRow = {
    id: text(raw, "id"),
    walletId: text(raw, "wallet_id", true),
    assetOnChainId: text(raw, "asset_on_chain_id"),
    assetId: text(raw, "asset_id", true),
    chainId: text(raw, "chain_id"),
    address: text(raw, "address", true),
    contractAddress: text(raw, "contract_address", true),
    decimals: num(raw, "decimals"),
    isNative: raw.is_native === true,
    configError: text(raw, "config_error", true),
  };
  // Set in place, not spread into a copy: the claim hands out thousands of rows per run.
  if (!row.configError) row.configError = brokenPromise(row);
  return row;
}

/**
 * The claim decides which rows cannot be read (balance_sync.config_problem) and says why in
 * config_error. A row without one must come complete; one that does not is a broken contract,
 * not a configuration to fix, and fails alone instead of being read with a guessed token.
 */
function brokenPromise(row: ClaimedRow): string | null {
  if (row.address && (row.isNative || row.contractAddress) && Number.isInteger(row.decimals)) {
    return null;
  }
  const missing = [
    !row.address && "address",
    !row.isNative && !row.contractAddress && "contract_address",
    !Number.isInteger(row.decimals) && "decimals",
  ].filter(Boolean);
  return missing.length === 0
    ? null
    : `claim answered a row without config_error and without ${missing.join(", ")}`;
}

/**
 * Converts one chain of the claim into the readers' shape, or says why it cannot be used. Null:
 * no family or no rpc_url, which the claim has already decided — every row of that chain comes
 * with the claim's config_error, so there is nothing to read and nothing to say twice.
 */
export function toChainConfig(raw: unknown): ChainConfig | string | null {
  if (!isObject(raw)) return "chain row is not an object";
  try {
    const family = text(raw, "family", true);
    const rpcUrl = text(raw, "rpc_url", true);
    if ((family !== "evm" && family !== "tron") || !rpcUrl) return null;
    const fallback = raw.fallback_rpc_urls ?? [];
    if (!Array.isArray(fallback) || fallback.some((u) => typeof u !== "string")) {
      return "fallback_rpc_urls is not a list of URLs";
    }
    // No check constraint guards these columns (other apps write chains): refuse bad values here.
    const confirmations = num(raw, "confirmations") ?? 0;
    const maxRps = num(raw, "max_rps");
    const maxConcurrency = num(raw, "max_concurrency");
    if (!Number.isInteger(confirmations) || confirmations < 0) {
      return `confirmations must be a whole number >= 0, got ${confirmations}`;
    }
    if (maxRps !== null && !(maxRps > 0)) {
      return `max_rps must be > 0 (null: default), got ${maxRps}`;
    }
    if (maxConcurrency !== null && !(Number.isInteger(maxConcurrency) && maxConcurrency > 0)) {
      return `max_concurrency must be a whole number > 0 (null: default), got ${maxConcurrency}`;
    }
    return {
      id: text(raw, "id"),
      name: text(raw, "name", true) ?? text(raw, "id"),
      family,
      rpcUrl,
      fallbackRpcUrls: fallback as string[],
      multicallAddress: text(raw, "multicall_address", true),
      confirmations,
      evmChainId: num(raw, "evm_chain_id"),
      apiKeyEnv: text(raw, "api_key_env", true),
      maxRps,
      maxConcurrency,
    };
  } catch (error) {
    return `chain row is malformed: ${(error as Error).message}`;
  }
}

export function parseClaim(data: unknown): Claim {
  if (!isObject(data)) throw new TypeError("claim result is not an object");
  const rows = Array.isArray(data.rows) ? data.rows.map(toRow) : [];
  const chains = new Map<string, ChainConfig>();
  const chainErrors = new Map<string, string>();
  if (isObject(data.chains)) {
    for (const [id, raw] of Object.entries(data.chains)) {
      const chain = toChainConfig(raw);
      if (typeof chain === "string") chainErrors.set(id, chain);
      else if (chain) chains.set(id, chain);
    }
  }
  const busy = Array.isArray(data.busy) ? data.busy.map(String) : [];
  const unknownIds = Array.isArray(data.unknown_ids) ? data.unknown_ids.map(String) : [];
  const refused = Array.isArray(data.refused)
    ? data.refused.filter(isObject).map((e) => ({ id: String(e.id), reason: String(e.reason) }))
    : [];
  const claim: Claim = { rows, chains, chainErrors, busy, unknownIds, refused };
  const chainLease = leaseState(data.chain_lease);
  if (chainLease) {
    claim.chainLease = chainLease;
    claim.chainLeaseHolder = text(data, "chain_lease_holder", true);
    claim.chainLeaseLockedUntil = text(data, "chain_lease_locked_until", true);
  }
  return claim;
}

const leaseState = (value: unknown): ChainLeaseState | undefined =>
  value === "held" || value === "lost" ? value : undefined;

export function parseRunSettings(data: unknown): RunSettings {
  if (!isObject(data)) throw new TypeError("run settings are not an object");
  const whole = (key: string, min: number) => {
    const n = num(data, key);
    if (n === null || !Number.isInteger(n) || n < min) {
      throw new TypeError(
        `${key} must be a whole number >= ${min}, got ${JSON.stringify(data[key])}`,
      );
    }
    return n;
  };
  return {
    minIntervalSeconds: whole("min_interval_seconds", 0),
    rowsPerRun: whole("rows_per_run", 1),
    pgNetTimeoutMs: whole("pg_net_timeout_ms", 1),
  };
}

const indexed = (list: unknown) =>
  Array.isArray(list)
    ? list.filter(isObject).map((e) => ({
      index: Number(e.index),
      id: e.id,
      reason: String(e.reason),
    }))
    : [];

export function parseRecordOutcome(data: unknown): RecordOutcome {
  if (!isObject(data)) throw new TypeError("record result is not an object");
  const count = (key: string) => {
    const n = num(data, key);
    return n ?? 0;
  };
  return {
    applied: count("applied"),
    errored: count("errored"),
    staleRejected: count("stale_rejected"),
    lost: count("lost"),
    staleIds: Array.isArray(data.stale_ids) ? data.stale_ids.map(String) : [],
    lostIds: Array.isArray(data.lost_ids) ? data.lost_ids.map(String) : [],
    invalid: indexed(data.invalid),
    refused: indexed(data.refused),
    ...(leaseState(data.chain_lease) ? { chainLease: leaseState(data.chain_lease) } : {}),
    chainLeasesLost: Array.isArray(data.chain_leases_lost)
      ? data.chain_leases_lost.map(String)
      : [],
  };
}

export function parseDueChains(data: unknown): DueChain[] {
  if (!Array.isArray(data)) throw new TypeError("due chains is not an array");
  return data.map((raw) => {
    if (!isObject(raw)) throw new TypeError("due chain is not an object");
    return {
      chainId: text(raw, "chain_id"),
      name: text(raw, "name", true) ?? text(raw, "chain_id"),
      rateLimited: raw.rate_limited === true,
      due: num(raw, "due") ?? 0,
    };
  });
}

export function parseChainLease(data: unknown): ChainLease {
  if (!isObject(data) || typeof data.acquired !== "boolean") {
    throw new TypeError("chain lease answer has no acquired flag");
  }
  if (data.acquired) {
    return {
      acquired: true,
      rateLimited: data.rate_limited === true,
      maxRps: num(data, "max_rps"),
      multicall: data.multicall === true,
    };
  }
  if (data.unknown_chain === true) {
    return { acquired: false, rateLimited: false, unknownChain: true };
  }
  return {
    acquired: false,
    rateLimited: true,
    holder: text(data, "holder", true),
    lockedUntil: text(data, "locked_until", true),
  };
}

export interface StoreOptions {
  /** Per call; a hung database must not hold the run past the caller's timeout. */
  timeoutMs: number;
  /** Per finishRun call; it comes after the run, so it must not push the answer past pg_net's. */
  finishTimeoutMs?: number;
}

/**
 * The DB contract (claim, record, release, chain leases, run history, metrics) over PostgREST RPC.
 * Every call ends within its timeout; a failed, timed-out or unparseable call throws
 * StoreUnavailable naming the function, and a force-sync of an unknown id throws FilterNotFound.
 * Answers are parsed and checked before they reach the run.
 */
/** One RPC call: within its timeout, its answer parsed, or StoreUnavailable naming the function. */
export type RpcCaller = <T>(
  fn: string,
  args: Record<string, unknown>,
  parse: (data: unknown) => T,
  callOptions?: CallOptions,
) => Promise<T>;

export function rpcCaller(client: RpcClient, options: StoreOptions): RpcCaller {
  return async <T>(
    fn: string,
    args: Record<string, unknown>,
    parse: (data: unknown) => T,
    callOptions: CallOptions = {},
  ): Promise<T> => {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, callOptions.timeoutMs ?? Infinity));
    let response: RpcResponse;
    try {
      response = await client.rpc(fn, args).abortSignal(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw new StoreUnavailable(fn, (error as Error)?.message ?? String(error));
    }
    if (response.error?.code === NO_DATA_FOUND && fn === "balance_sync_claim") {
      throw new FilterNotFound(response.error.message, response.error.details || null);
    }
    if (response.error) {
      throw new StoreUnavailable(
        fn,
        response.error.message || "request failed",
        response.error.code || null,
        response.status ?? null,
      );
    }
    try {
      return parse(response.data);
    } catch (error) {
      throw new StoreUnavailable(fn, `unexpected response: ${(error as Error).message}`);
    }
  };
}

export function createStore(client: RpcClient, options: StoreOptions): Store & Operations {
  const call = rpcCaller(client, options);
  return {
    runSettings: (c) =>
      call("balance_sync_run_settings", {}, parseRunSettings, c).catch((error) => {
        // The function is deployed before `db push` (docs/deploy.md): until then the RPC is missing.
        if (error instanceof StoreUnavailable && error.code === FUNCTION_NOT_FOUND) return null;
        throw error;
      }),
    claim: (o, c) =>
      call(
        "balance_sync_claim",
        {
          p_worker: o.runId,
          p_limit: o.limit,
          p_lease_seconds: o.leaseSeconds,
          p_filter: o.filter ?? null,
          p_min_interval_seconds: o.minIntervalSeconds ?? null,
        },
        parseClaim,
        c,
      ),
    record: (runId, results, c) =>
      call(
        "balance_sync_record",
        { p_worker: runId, p_results: results },
        parseRecordOutcome,
        c,
      ),
    release: (runId, ids, c) =>
      call("balance_sync_release", { p_worker: runId, p_ids: ids }, (data) => {
        const n = typeof data === "string" ? Number(data) : data;
        if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("not a count");
        return n;
      }, c),
    dueChains: (minIntervalSeconds, c) =>
      call(
        "balance_sync_due_chains",
        { p_min_interval_seconds: minIntervalSeconds },
        parseDueChains,
        c,
      ),
    acquireChain: (runId, chainId, leaseSeconds, c) =>
      call(
        "balance_sync_chain_acquire",
        {
          p_worker: runId,
          p_chain_id: chainId,
          p_lease_seconds: leaseSeconds,
        },
        parseChainLease,
        c,
      ),
    releaseChain: (runId, chainId, c) =>
      call("balance_sync_chain_release", { p_worker: runId, p_chain_id: chainId }, (data) => {
        if (typeof data !== "boolean") throw new TypeError("not a boolean");
        return data;
      }, c),
    readLimits: (chainId, c) =>
      call("balance_sync_read_limits", { p_chain_id: chainId }, (data) => data ?? null, c),
    saveReadLimits: (chainId, limits, lowered, c) =>
      call(
        "balance_sync_save_read_limits",
        { p_chain_id: chainId, p_limits: limits, p_lowered: lowered },
        (data) => {
          if (typeof data !== "boolean") throw new TypeError("not a boolean");
          return data;
        },
        c,
      ),
    finishRun: (runId, status, summary) =>
      call(
        "balance_sync_run_finish",
        { p_worker: runId, p_status: status, p_summary: summary },
        () => undefined,
        { timeoutMs: options.finishTimeoutMs ?? options.timeoutMs },
      ),
    metrics: () =>
      call("balance_sync_metrics", {}, (data) => {
        if (typeof data !== "string") throw new TypeError("metrics are not text");
        return data;
      }),
  };
}
