/**
 * The TRON chain reader.
 *
 * - TRX comes from the account (`/wallet/getaccount`, `/walletsolidity/...` when the chain wants
 *   confirmed state), taken from the body text so that balances above 2^53 sun stay exact; `{}`
 *   (never activated) is 0.
 * - TRC20 `balanceOf` is a POST of /wallet/triggerconstantcontract with the holder as issuer,
 *   the JSON tronweb's triggerConstantContract sends (owner_address, contract_address,
 *   function_selector, parameter, call_value), built here: tronweb's validation and ABI encoder
 *   cost about 40 % of the per-call path's CPU for one fixed 32-byte word.
 * - With a Multicall3 address on the chain, all balances go in aggregate3 chunks (getEthBalance
 *   for TRX), encoded with viem and sent through the same call.
 * - Every request goes through one paced, counted transport (http.ts).
 */
import { revertReason } from "../abi.ts";
import { READ_DEFAULTS } from "../defaults.ts";
import { resolveEndpoints } from "../endpoints.ts";
import { ReadError } from "../errors.ts";
import { type LimitObservation, shrink, TRON_MAXIMA } from "../read_limits.ts";
import type {
  BalanceOutcome,
  BalanceQuery,
  ChainConfig,
  ChainRead,
  ChainReader,
  ReadOptions,
} from "../types.ts";
import { parseTronAddress, type TronAddress } from "./address.ts";
import { type TronAnswer, TronHttp } from "./http.ts";
import { topLevelIntegerText } from "./json.ts";
import {
  AGGREGATE3_SELECTOR,
  decodeAggregate3Result,
  encodeAggregate3Parameter,
} from "./multicall.ts";
import { pacerFor } from "./pacer.ts";
import { interpretTrigger, uint256Return } from "./trigger.ts";

export interface TronReaderSettings {
  /** Used for every request (tests pass a counting or failing fetch). */
  fetch?: typeof fetch;
  /** Per HTTP attempt; default READ_DEFAULTS.requestTimeoutMs. */
  timeoutMs?: number;
  /** Defaults and meaning: READ_DEFAULTS.tron. */
  maxRetries?: number;
  maxWaitMs?: number;
  backoffMs?: number;
  /** aggregate3 calls per request when ReadOptions.chunkSize is not given. */
  chunkSize?: number;
}

interface Prepared {
  query: BalanceQuery;
  holder: TronAddress;
  token: TronAddress | null;
}

interface Context {
  http: TronHttp;
  prefix: "/wallet" | "/walletsolidity";
}

const fail = (key: string, error: ReadError): BalanceOutcome => ({ key, ok: false, error });

/**
 * A TRON chain reader: TRX and TRC20 balances of a chain, on confirmed (solidity) state when the
 * chain asks for confirmations, through Multicall3 when the chain names one, every request paced
 * per chain and key. Each failure is an outcome classified transient, permanent or configuration,
 * whose message never shows an API key. Unexpected throws are turned into outcomes by the
 * registry (chains/readers.ts), not here.
 */
export function createTronReader(settings: TronReaderSettings = {}): ChainReader {
  return async (chain, queries, options = {}) => {
    const outcomes = new Map<string, BalanceOutcome>();
    let requests = 0;
    let block: bigint | null = null;
    let mode: ChainRead["mode"] = "per-call";
    let note: string | undefined;
    // Calls per aggregate3 under the node's energy limit for constant calls (read_limits.ts).
    const energy: LimitObservation = { failedAt: null, passed: 0, cut: false };
    let learned: number | null = null;
    const prepared = prepare(queries, outcomes);
    const setup = prepared.length > 0 ? configure(chain, options, settings) : null;
    if (setup && "error" in setup) {
      for (const p of prepared) outcomes.set(p.query.key, fail(p.query.key, setup.error));
    } else if (setup) {
      const { http } = setup;
      try {
        const ctx = context(http, chain);
        block = await readBlock(ctx);
        const multicall = chain.multicallAddress ? parseTronAddress(chain.multicallAddress) : null;
        if (multicall && !multicall.ok) {
          note = `multicall address ignored: ${multicall.reason}; read per call`;
          await readPerCall(ctx, prepared, outcomes);
        } else if (multicall) {
          const chunkSize = Math.max(
            1,
            options.chunkSize ?? options.sizes?.multicall ?? settings.chunkSize ??
              READ_DEFAULTS.tron.chunkSize,
          );
          if (prepared.length > chunkSize) energy.cut = true;
          ({ mode, note } = await readWithMulticall(
            ctx,
            multicall.address,
            prepared,
            chunkSize,
            outcomes,
            energy,
          ));
          learned = learnedSize(chunkSize, energy);
        } else {
          await readPerCall(ctx, prepared, outcomes);
        }
      } catch (error) {
        const readError = asReadError(error);
        for (const p of prepared) {
          if (!outcomes.has(p.query.key)) outcomes.set(p.query.key, fail(p.query.key, readError));
        }
      } finally {
        requests = http.requests;
        // After a failover the read's state is only as new as the most lagging node it used.
        block = http.lowestHead() ?? block;
      }
    }
    return {
      block,
      // A query without outcome (a missed path) gets one from the registry (chains/readers.ts).
      outcomes: queries.flatMap((q) => outcomes.get(q.key) ?? []),
      requests,
      mode,
      ...(note ? { note } : {}),
      ...(learned !== null
        ? {
          sizes: { multicall: learned, batch: TRON_MAXIMA.batch, response: TRON_MAXIMA.response },
          seen: { multicall: energy },
        }
        : {}),
    };
  };
}

/** The TRON reader with default settings, as the registry (chains/readers.ts) loads it. */
export const readTron: ChainReader = createTronReader();

function prepare(queries: BalanceQuery[], outcomes: Map<string, BalanceOutcome>): Prepared[] {
  const prepared: Prepared[] = [];
  for (const query of queries) {
    const holder = parseTronAddress(query.address ?? "");
    if (!holder.ok) {
      outcomes.set(
        query.key,
        fail(query.key, new ReadError("configuration", `holder address: ${holder.reason}`)),
      );
      continue;
    }
    let token: TronAddress | null = null;
    if (query.token !== null) {
      const parsed = parseTronAddress(query.token);
      if (!parsed.ok) {
        outcomes.set(
          query.key,
          fail(
            query.key,
            new ReadError("configuration", `token contract address: ${parsed.reason}`),
          ),
        );
        continue;
      }
      token = parsed.address;
    }
    prepared.push({ query, holder: holder.address, token });
  }
  return prepared;
}

function configure(
  chain: ChainConfig,
  options: ReadOptions,
  settings: TronReaderSettings,
): { http: TronHttp } | { error: ReadError } {
  const endpoints = resolveEndpoints(chain, options.env);
  if (endpoints instanceof ReadError) return { error: endpoints };
  const { urls } = endpoints;
  const prefix = chain.confirmations > 0 ? "/walletsolidity" : "/wallet";
  const pacer = pacerFor(`${chain.id}|${urls[0]}|${chain.apiKeyEnv ?? ""}`, {
    maxRps: chain.maxRps ?? READ_DEFAULTS.tron.maxRps,
    maxConcurrency: chain.maxConcurrency ?? READ_DEFAULTS.tron.maxConcurrency,
  });
  return {
    http: new TronHttp({
      urls,
      apiKey: endpoints.apiKey ?? undefined,
      pacer,
      fetch: settings.fetch,
      timeoutMs: settings.timeoutMs ?? READ_DEFAULTS.requestTimeoutMs,
      maxRetries: settings.maxRetries ?? READ_DEFAULTS.tron.maxRetries,
      maxWaitMs: settings.maxWaitMs ?? READ_DEFAULTS.tron.maxWaitMs,
      backoffMs: settings.backoffMs ?? READ_DEFAULTS.tron.backoffMs,
      signal: options.signal,
      head: { path: `${prefix}/getnowblock`, parse: headBlock },
    }),
  };
}

function context(http: TronHttp, chain: ChainConfig): Context {
  return { http, prefix: chain.confirmations > 0 ? "/walletsolidity" : "/wallet" };
}

async function readBlock(ctx: Context): Promise<bigint> {
  return headBlock(await ctx.http.post(`${ctx.prefix}/getnowblock`, {}));
}

function headBlock(answer: TronAnswer): bigint {
  const header = answer.body.block_header as { raw_data?: { number?: unknown } } | undefined;
  const number = header?.raw_data?.number;
  if (typeof number === "number" && Number.isSafeInteger(number) && number >= 0) {
    return BigInt(number);
  }
  if (number === undefined && header?.raw_data) return 0n; // genesis: proto3 omits 0
  throw new ReadError(
    "transient",
    `TRON node ${answer.url} answered getnowblock without block_header.raw_data.number`,
    { url: answer.url, status: answer.status },
  );
}

async function readPerCall(
  ctx: Context,
  prepared: Prepared[],
  outcomes: Map<string, BalanceOutcome>,
): Promise<void> {
  await Promise.all(prepared.map(async (p) => {
    outcomes.set(p.query.key, p.token ? await readToken(ctx, p) : await readNative(ctx, p));
  }));
}

async function readNative(ctx: Context, p: Prepared): Promise<BalanceOutcome> {
  const key = p.query.key;
  try {
    const answer = await ctx.http.post(`${ctx.prefix}/getaccount`, { address: p.holder.hex });
    const text = topLevelIntegerText(answer.text, "balance");
    if (text !== undefined && !text.startsWith("-")) return { key, ok: true, raw: BigInt(text) };
    if (text === undefined && !("balance" in answer.body)) {
      // `{}` is a never-activated account; java-tron also omits a zero balance.
      return { key, ok: true, raw: 0n };
    }
    return fail(
      key,
      new ReadError(
        "transient",
        `TRON node ${answer.url} answered getaccount with an invalid balance for ${p.holder.base58}`,
        { url: answer.url, status: answer.status },
      ),
    );
  } catch (error) {
    return fail(key, asReadError(error));
  }
}

/** `balanceOf(address)`'s one ABI word: the 20-byte holder, left-padded to 32 bytes. */
const addressWord = (address: TronAddress): string =>
  address.evm.slice(2).toLowerCase().padStart(64, "0");

/**
 * A constant call, on confirmed state when the chain wants it; the body as java-tron answered it
 * (a failure too), for interpretTrigger to classify. Node and transport failures throw ReadError.
 */
async function constantCall(
  ctx: Context,
  contract: TronAddress,
  functionSelector: string,
  parameter: string,
  owner: TronAddress,
): Promise<Record<string, unknown>> {
  const answer = await ctx.http.post(`${ctx.prefix}/triggerconstantcontract`, {
    contract_address: contract.hex,
    owner_address: owner.hex,
    function_selector: functionSelector,
    parameter,
    call_value: 0,
  });
  return answer.body;
}

async function readToken(ctx: Context, p: Prepared): Promise<BalanceOutcome> {
  const key = p.query.key;
  const token = p.token!;
  const what = `balanceOf(${p.holder.base58}) on ${token.base58}`;
  try {
    const body = await constantCall(
      ctx,
      token,
      "balanceOf(address)",
      addressWord(p.holder),
      p.holder,
    );
    const url = ctx.http.where(`${ctx.prefix}/triggerconstantcontract`);
    const answer = interpretTrigger(body, what, url);
    if (!answer.ok) return fail(key, answer.error);
    const value = uint256Return(answer.returnData, what, url);
    return value.ok ? { key, ok: true, raw: value.value } : fail(key, value.error);
  } catch (error) {
    return fail(key, asReadError(error));
  }
}

/**
 * Reads everything through aggregate3 chunks. The first chunk goes alone, so that a chain whose
 * multicall address has no contract costs one request before falling back to per-call reads.
 * The note says why the read did not go entirely through multicall, when it did not.
 */
async function readWithMulticall(
  ctx: Context,
  multicall: TronAddress,
  prepared: Prepared[],
  chunkSize: number,
  outcomes: Map<string, BalanceOutcome>,
  energy: LimitObservation,
): Promise<{ mode: ChainRead["mode"]; note?: string }> {
  const chunks: Prepared[][] = [];
  for (let i = 0; i < prepared.length; i += chunkSize) {
    chunks.push(prepared.slice(i, i + chunkSize));
  }
  const notes: string[] = [];
  const first = await readChunk(ctx, multicall, chunks[0], outcomes, energy);
  if (first === "missing") {
    await readPerCall(ctx, prepared, outcomes);
    return {
      mode: "per-call",
      note: `no multicall contract at ${multicall.base58}; read per call`,
    };
  }
  if (first) notes.push(first);
  const rest = await Promise.all(
    chunks.slice(1).map((c) => readChunk(ctx, multicall, c, outcomes, energy)),
  );
  for (const n of rest) if (n && n !== "missing") notes.push(n);
  if (rest.includes("missing")) notes.push(`multicall contract at ${multicall.base58} vanished`);
  return notes.length > 0
    ? { mode: "multicall", note: [...new Set(notes)].join("; ") }
    : { mode: "multicall" };
}

/**
 * One aggregate3 request for `chunk`. A whole-call failure that is not the node's (a revert, out
 * of energy or CPU, a malformed answer) is bisected so that one bad token cannot fail its
 * neighbours; small pieces are read per call.
 */
async function readChunk(
  ctx: Context,
  multicall: TronAddress,
  chunk: Prepared[],
  outcomes: Map<string, BalanceOutcome>,
  energy: LimitObservation,
): Promise<string | "missing" | undefined> {
  const what = `aggregate3 of ${chunk.length} calls on ${multicall.base58}`;
  const url = ctx.http.where(`${ctx.prefix}/triggerconstantcontract`);
  let failure: ReadError;
  try {
    const rawParameter = encodeAggregate3Parameter(
      multicall.evm,
      chunk.map((p) => ({ holder: p.holder.evm, token: p.token?.evm ?? null })),
    );
    const body = await constantCall(
      ctx,
      multicall,
      AGGREGATE3_SELECTOR,
      rawParameter,
      chunk[0].holder,
    );
    const answer = interpretTrigger(body, what, url);
    if (answer.ok) {
      const results = decodeAggregate3Result(answer.returnData, chunk.length);
      energy.passed = Math.max(energy.passed, chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        outcomes.set(chunk[i].query.key, innerOutcome(chunk[i], results[i], url));
      }
      return undefined;
    }
    if (answer.error.data.rpcCode === "CONTRACT_VALIDATE_ERROR") return "missing";
    failure = answer.error;
  } catch (error) {
    if (error instanceof ReadError) {
      // The node, not the calls, failed: every balance of the chunk shares that error.
      for (const p of chunk) outcomes.set(p.query.key, fail(p.query.key, error));
      return undefined;
    }
    failure = asReadError(error);
  }
  if (OUT_OF_ENERGY.test(failure.message) && chunk.length > 2) {
    // Over the node's energy (or CPU time) limit for one constant call: the next read starts
    // below this size.
    energy.failedAt = Math.min(energy.failedAt ?? chunk.length, chunk.length);
    energy.reason = failure.message.replace(/^.*? failed with /, "").slice(0, 160);
  }
  if (chunk.length <= 2) {
    await readPerCall(ctx, chunk, outcomes);
  } else {
    const half = Math.ceil(chunk.length / 2);
    await Promise.all([
      readChunk(ctx, multicall, chunk.slice(0, half), outcomes, energy),
      readChunk(ctx, multicall, chunk.slice(half), outcomes, energy),
    ]);
  }
  return `an aggregate3 chunk failed as a whole (${failure.message}); it was split`;
}

const OUT_OF_ENERGY = /OutOfEnergy|Not enough energy|OutOfTime|CPU timeout/i;

/** The chunk size the rest of the chain's reads use: what passed below a refusal, or half of it. */
function learnedSize(chunkSize: number, energy: LimitObservation): number {
  if (energy.failedAt === null) return chunkSize;
  const passedBelow = energy.passed < energy.failedAt ? energy.passed : 0;
  return Math.max(shrink(chunkSize, energy.failedAt), passedBelow);
}

function innerOutcome(
  p: Prepared,
  result: { success: boolean; returnData: string },
  url: string,
): BalanceOutcome {
  const key = p.query.key;
  // The common answer, one word: no message to build (this runs per balance).
  if (result.success && result.returnData.length === 64) {
    return { key, ok: true, raw: BigInt(`0x${result.returnData}`) };
  }
  const what = p.token
    ? `balanceOf(${p.holder.base58}) on ${p.token.base58}`
    : `getEthBalance(${p.holder.base58})`;
  if (!result.success) {
    return fail(
      key,
      new ReadError("permanent", `${what} reverted: ${revertReason(result.returnData)}`, { url }),
    );
  }
  const value = uint256Return(result.returnData, what, url);
  return value.ok ? { key, ok: true, raw: value.value } : fail(key, value.error);
}

function asReadError(error: unknown): ReadError {
  if (error instanceof ReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ReadError("permanent", `TRON call could not be made: ${message}`, {}, {
    cause: error,
  });
}
