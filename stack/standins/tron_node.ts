/**
 * STAND-IN for a java-tron full node's HTTP API. It exists because no java-tron node (nor any
 * TRON node binary or image) is obtainable on this machine: only npm and Debian are reachable, and
 * there is no Docker. It follows java-tron's servlets (framework/.../services/http in
 * tronprotocol/java-tron) for the endpoints the TRON reader and tronweb use:
 *
 * - POST|GET /wallet/getaccount, /walletsolidity/getaccount: the Account JSON with hex addresses
 *   (or base58 with `visible`), `balance` an int64 printed as a bare JSON number (exact, also above
 *   2^53) and omitted when 0 (proto3), `{}` for an account that was never activated.
 * - POST /wallet/triggerconstantcontract, /walletsolidity/triggerconstantcontract: a
 *   TransactionExtention. The call really runs: on the backing anvil, with eth_call, `41...` <->
 *   `0x...` mapped (TVM runs EVM bytecode and sees 20-byte addresses). Shapes: success
 *   `{result:{result:true}, energy_used, constant_result:[hex], transaction}`; no contract at the
 *   address `{result:{code:"CONTRACT_VALIDATE_ERROR", message:hex("Smart contract is not exist.")}}`;
 *   a revert `{result:{result:true, message:hex("REVERT opcode executed")}, constant_result:[revert
 *   data], transaction:{ret:[{ret:"FAILED"}]}}`; other VM failures and bad parameters
 *   `{result:{code:"OTHER_ERROR", message:hex("class ... : ...")}}`.
 * - POST|GET /wallet/getnowblock, /walletsolidity/getnowblock: a Block whose
 *   block_header.raw_data.number is anvil's head (omitted when 0, as proto3 prints it).
 * - POST|GET /wallet/getnodeinfo: a minimal NodeInfo (tronweb's getFullnodeVersion reads it).
 * - Anything else: Jetty's 404 page. Servlet errors answer HTTP 200 `{"Error":"class X : msg"}`.
 *
 * Accounts live in the stand-in (setAccountBalance), which also sets the same amount on anvil with
 * anvil_setBalance, so Multicall3's getEthBalance (TVM: the TRX balance in sun) sees it too. Only
 * set TRX balances through setAccountBalance; an anvil-only balance is invisible to getaccount.
 * The solidity endpoints read the same (latest) state: the stand-in has no confirmation lag.
 *
 * Faults (inject) reproduce what TronGrid and java-tron send when things go wrong.
 */
import { TronWeb, utils as tronUtils } from "tronweb";

export type TronFault =
  /** Any status and body, e.g. a plain 500. */
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** 429 with Retry-After (seconds, or an HTTP date). */
  | { kind: "rate-limit"; retryAfter?: number | string; status?: number }
  /** TronGrid's key suspension, 403 (no key) or 503 (key over its rate). */
  | { kind: "suspended"; status?: 403 | 503; seconds?: number }
  /** java-tron's own servlet limiter: HTTP 200 {"Error": "... lack of computing resources"}. */
  | { kind: "lack-of-resources" }
  /** Never answers (until the client gives up or the node stops). */
  | { kind: "timeout" }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: "malformed-json" }
  /** HTTP 200, the body cut off mid-stream (the connection is dropped). */
  | { kind: "truncated" }
  /** An nginx-style HTML error page (default 502). */
  | { kind: "html"; status?: number }
  /** getaccount answers `{}` (never activated), whatever the account holds. */
  | { kind: "empty-account" }
  /** triggerconstantcontract answers CONTRACT_VALIDATE_ERROR. */
  | { kind: "contract-validate-error"; message?: string }
  /** triggerconstantcontract answers OTHER_ERROR for running out of CPU time. */
  | { kind: "cpu-timeout" };

export type TronFaultSpec = TronFault & {
  /** Paths the fault applies to (e.g. "/wallet/getaccount"); default: the kind's natural ones. */
  path?: string | string[];
  /** Requests it applies to; default: until cleared. */
  times?: number;
};

export interface FaultHandle {
  /** Requests the fault has answered so far. */
  readonly hits: number;
  clear(): void;
}

export interface RequestRecord {
  path: string;
  method: string;
  /** performance.now() when the request arrived. */
  at: number;
  /** TRON-PRO-API-KEY as received, or null. */
  apiKey: string | null;
  /** Parsed JSON body (POST), or undefined. */
  body: unknown;
}

export interface RequestLog {
  readonly count: number;
  /** Requests per path so far. */
  readonly byPath: Readonly<Record<string, number>>;
  readonly records: readonly RequestRecord[];
  /** The most requests that were being handled at the same time. */
  readonly maxInFlight: number;
  /** Forgets every request so far. */
  reset(): void;
  /** The most requests seen in any window [t, t + windowMs) (optionally of some paths only). */
  maxInWindow(windowMs: number, paths?: string[]): number;
}

export interface TronNode {
  /** Base URL, the `fullHost` of tronweb or a chain's rpc_url. */
  url: string;
  port: number;
  anvilRpcUrl: string;
  requests: RequestLog;
  inject(fault: TronFaultSpec): FaultHandle;
  clearFaults(): void;
  /** Activates the account with `sun` TRX (0 allowed), here and on anvil. base58, 41-hex or 0x. */
  setAccountBalance(address: string, sun: bigint): Promise<void>;
  /** Makes the account never-activated again (`{}`; 0 on anvil). */
  removeAccount(address: string): Promise<void>;
  /**
   * The energy one triggerconstantcontract may use (java-tron's constant-call energy limit);
   * null: unlimited. Over it, the call answers OutOfEnergyException.
   */
  setEnergyLimit(energy: number | null): void;
  /** triggerconstantcontract answers that ran out of energy so far. */
  readonly outOfEnergy: number;
  stop(): Promise<void>;
}

/** Gas anvil charges before execution (TVM charges none): 21,000 plus the calldata. */
export function intrinsicGas(data: string): number {
  const hex = data.replace(/^0x/, "");
  let gas = 21_000;
  for (let i = 0; i < hex.length; i += 2) gas += hex.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

export interface StartTronNodeOptions {
  anvilRpcUrl: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Delay before each answer, to stand for network latency (benchmarks); default 0. */
  latencyMs?: number;
  /**
   * getnowblock reports the block this many blocks below anvil's head: a node that lags behind
   * (still syncing), for failover tests. Its other answers read the latest state. Default 0.
   */
  headLag?: number;
}

const INT64_MAX = (1n << 63n) - 1n;
const ACCOUNT_PATHS = ["/wallet/getaccount", "/walletsolidity/getaccount"];
const TRIGGER_PATHS = [
  "/wallet/triggerconstantcontract",
  "/walletsolidity/triggerconstantcontract",
];
const BLOCK_PATHS = ["/wallet/getnowblock", "/walletsolidity/getnowblock"];

const hexOf = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** The most timestamps in any window [t, t + windowMs). */
export function maxInWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** 41-hex (lowercase) of a base58, 41-hex or 0x address; throws on anything else. */
export function toTronHex(address: string): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(address)) return `41${address.slice(2).toLowerCase()}`;
  if (/^41[0-9a-fA-F]{40}$/.test(address)) return address.toLowerCase();
  if (TronWeb.isAddress(address)) return (TronWeb.address.toHex(address) as string).toLowerCase();
  throw new Error(`not a TRON address: ${address}`);
}

/** The base58 form of a 0x or 41-hex address. */
export const toTronBase58 = (address: string): string =>
  TronWeb.address.fromHex(toTronHex(address)) as string;

/** The 0x form (what anvil and ABI encoding use) of a TRON address. */
export const toEvmAddress = (address: string): `0x${string}` => `0x${toTronHex(address).slice(2)}`;

class JsonRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
}

interface AnvilBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  miner: string;
}

interface FaultEntry {
  spec: TronFaultSpec;
  remaining: number;
  hits: number;
}

export async function startTronNode(options: StartTronNodeOptions): Promise<TronNode> {
  const anvil = options.anvilRpcUrl;
  const accounts = new Map<string, bigint>();
  const faults: FaultEntry[] = [];
  let records: RequestRecord[] = [];
  let byPath: Record<string, number> = {};
  let inFlight = 0;
  let maxInFlight = 0;
  let energyLimit: number | null = null;
  let outOfEnergy = 0;
  const stopping = new AbortController();
  let rpcId = 1;

  const rpc = async <T>(method: string, params: unknown[]): Promise<T> => {
    const response = await fetch(anvil, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: rpcId++, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new JsonRpcError(body.error.code, body.error.message, body.error.data);
    return body.result as T;
  };

  // Fail at start, not at the first request, when the backing anvil is not there.
  await rpc<string>("eth_chainId", []);

  const latestBlock = () => rpc<AnvilBlock>("eth_getBlockByNumber", ["latest", false]);
  const headBlock = async () => {
    if (!options.headLag) return await latestBlock();
    const latest = BigInt(await rpc<string>("eth_blockNumber", []));
    const lagged = latest > BigInt(options.headLag) ? latest - BigInt(options.headLag) : 0n;
    return await rpc<AnvilBlock>("eth_getBlockByNumber", [`0x${lagged.toString(16)}`, false]);
  };

  const blockJson = (block: AnvilBlock) => {
    const number = Number(BigInt(block.number));
    const blockID = BigInt(block.number).toString(16).padStart(16, "0") + block.hash.slice(18);
    const rawData: Record<string, unknown> = {
      ...(number !== 0 ? { number } : {}),
      txTrieRoot: "0".repeat(64),
      witness_address: toTronHex(block.miner),
      parentHash: block.parentHash.slice(2),
      version: 31,
      timestamp: Number(BigInt(block.timestamp)) * 1000,
    };
    return {
      blockID,
      block_header: { raw_data: rawData, witness_signature: "00".repeat(65) },
    };
  };

  const accountText = (hex: string, visible: boolean): string => {
    const balance = accounts.get(hex);
    if (balance === undefined) return "{}";
    const address = visible ? toTronBase58(hex) : hex;
    // Built by hand so that `balance` is printed exactly, as java-tron's JsonFormat does.
    return `{"address":"${address}",${balance !== 0n ? `"balance":${balance},` : ""}` +
      `"create_time":1700000000000,"net_window_size":28800,"net_window_optimized":true,` +
      `"account_resource":{"energy_window_size":28800,"energy_window_optimized":true},` +
      `"owner_permission":{"permission_name":"owner","threshold":1,"keys":[{"address":"${address}","weight":1}]},` +
      `"frozenV2":[{},{"type":"ENERGY"},{"type":"TRON_POWER"}]}`;
  };

  const servletError = (className: string, message: string) =>
    JSON.stringify({ Error: `class ${className} : ${message}` });

  const triggerFailure = (code: string, message: string) =>
    JSON.stringify({ result: { code, message: hexOf(message) } });

  const triggerConstant = async (params: Record<string, unknown>): Promise<string> => {
    const visible = params.visible === true || params.visible === "true";
    const isSet = (v: unknown) => v !== undefined && v !== null && String(v) !== "";
    for (const field of ["owner_address", "contract_address", "function_selector"]) {
      if (!isSet(params[field])) {
        return triggerFailure(
          "OTHER_ERROR",
          `class java.security.InvalidParameterException : ${field} isn't set.`,
        );
      }
    }
    let owner: string, contract: string;
    try {
      owner = toTronHex(String(params.owner_address));
      contract = toTronHex(String(params.contract_address));
    } catch (error) {
      return triggerFailure(
        "OTHER_ERROR",
        `class java.lang.IllegalArgumentException : ${(error as Error).message}`,
      );
    }
    const selector = String(params.function_selector).replace(/\s+/g, "");
    const parameter = String(params.parameter ?? "").replace(/^0x/, "");
    const data = `0x${TronWeb.sha3(selector, false).slice(0, 8)}${parameter}`;
    const from = `0x${owner.slice(2)}`;
    const to = `0x${contract.slice(2)}`;

    const [code, block] = await Promise.all([
      rpc<string>("eth_getCode", [to, "latest"]),
      latestBlock(),
    ]);
    if (code === "0x") {
      return triggerFailure("CONTRACT_VALIDATE_ERROR", "Smart contract is not exist.");
    }

    let returned: string;
    let reverted = false;
    try {
      const gas = energyLimit === null
        ? {}
        : { gas: `0x${(energyLimit + intrinsicGas(data)).toString(16)}` };
      returned = await rpc<string>("eth_call", [{ from, to, data, ...gas }, "latest"]);
    } catch (error) {
      if (!(error instanceof JsonRpcError)) throw error;
      if (/revert/i.test(error.message)) {
        reverted = true;
        returned = typeof error.data === "string" ? error.data : "0x";
      } else if (/out of gas|OutOfGas/i.test(error.message)) {
        outOfEnergy++;
        return triggerFailure(
          "OTHER_ERROR",
          `class org.tron.core.vm.program.Program$OutOfEnergyException : Not enough energy: ${error.message}`,
        );
      } else {
        return triggerFailure(
          "OTHER_ERROR",
          `class org.tron.core.vm.program.Program$IllegalOperationException : ${error.message}`,
        );
      }
    }
    let energyUsed = 0;
    if (!reverted) {
      const gas = await rpc<string>("eth_estimateGas", [{ from, to, data }, "latest"])
        .then((g) => Number(BigInt(g)))
        .catch(() => 21_000);
      energyUsed = Math.max(0, gas - 21_000);
    }

    const blockID = blockJson(block).blockID;
    const shown = (hex: string) => visible ? toTronBase58(hex) : hex;
    const transaction: Record<string, unknown> = {
      visible,
      raw_data: {
        contract: [{
          parameter: {
            value: {
              data: data.slice(2),
              owner_address: shown(owner),
              contract_address: shown(contract),
            },
            type_url: "type.googleapis.com/protocol.TriggerSmartContract",
          },
          type: "TriggerSmartContract",
        }],
        ref_block_bytes: blockID.slice(12, 16),
        ref_block_hash: blockID.slice(16, 32),
        expiration: Number(BigInt(block.timestamp)) * 1000 + 60_000,
        timestamp: Date.now(),
      },
    };
    const pb = tronUtils.transaction.txJsonToPb(transaction);
    const ordered = {
      ret: [reverted ? { ret: "FAILED" } : {}],
      visible,
      txID: tronUtils.transaction.txPbToTxID(pb).replace(/^0x/, ""),
      raw_data: transaction.raw_data,
      raw_data_hex: tronUtils.transaction.txPbToRawDataHex(pb).toLowerCase(),
    };
    return JSON.stringify({
      result: reverted
        ? { result: true, message: hexOf("REVERT opcode executed") }
        : { result: true },
      ...(energyUsed > 0 ? { energy_used: energyUsed } : {}),
      constant_result: [returned.replace(/^0x/, "")],
      transaction: ordered,
    });
  };

  const defaultPaths = (fault: TronFault): string[] | null => {
    switch (fault.kind) {
      case "empty-account":
        return ACCOUNT_PATHS;
      case "contract-validate-error":
      case "cpu-timeout":
        return TRIGGER_PATHS;
      default:
        return null;
    }
  };

  const takeFault = (path: string): FaultEntry | undefined => {
    for (const entry of faults) {
      if (entry.remaining <= 0) continue;
      const paths = entry.spec.path === undefined
        ? defaultPaths(entry.spec)
        : Array.isArray(entry.spec.path)
        ? entry.spec.path
        : [entry.spec.path];
      if (paths !== null && !paths.includes(path)) continue;
      entry.remaining--;
      entry.hits++;
      return entry;
    }
    return undefined;
  };

  const json = (text: string, status = 200, headers: Record<string, string> = {}) =>
    new Response(text, {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
    });

  const html = (status: number, title: string) =>
    new Response(
      `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
      { status, headers: { "content-type": "text/html" } },
    );

  const applyFault = async (fault: TronFault): Promise<Response> => {
    switch (fault.kind) {
      case "status":
        return new Response(fault.body ?? "", { status: fault.status, headers: fault.headers });
      case "rate-limit":
        return json(
          JSON.stringify({ Error: "Too Many Requests" }),
          fault.status ?? 429,
          fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {},
        );
      case "suspended": {
        const status = fault.status ?? 403;
        const message = `The key exceeds the frequency limit(15), and the query server is ` +
          `suspended for ${fault.seconds ?? 30}s`;
        return json(
          JSON.stringify(
            status === 403
              ? { Success: false, Error: message, StatusCode: 403 }
              : { Error: message },
          ),
          status,
        );
      }
      case "lack-of-resources":
        return json(
          servletError("java.lang.IllegalAccessException", "lack of computing resources"),
        );
      case "timeout":
        // Held until the node stops; the client gives up on its own.
        await new Promise<void>((resolve) => {
          if (stopping.signal.aborted) return resolve();
          stopping.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        return new Response(null, { status: 504 });
      case "malformed-json":
        return json(`{"balance":12,"address":"41`);
      case "truncated": {
        // Content-Length promises more than is sent: the client sees the connection end mid-body.
        const partial = new TextEncoder().encode(`{"address":"41${"ab".repeat(20)}","bala`);
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(partial);
            controller.close();
          },
        });
        return new Response(body, {
          headers: { "content-type": "application/json", "content-length": "400" },
        });
      }
      case "html":
        return html(
          fault.status ?? 502,
          fault.status === 503 ? "Service Temporarily Unavailable" : "Bad Gateway",
        );
      case "empty-account":
        return json("{}");
      case "contract-validate-error":
        return json(
          triggerFailure(
            "CONTRACT_VALIDATE_ERROR",
            fault.message ?? "No contract or not a valid smart contract",
          ),
        );
      case "cpu-timeout":
        return json(
          triggerFailure(
            "OTHER_ERROR",
            "class org.tron.core.vm.program.Program$OutOfTimeException : CPU timeout for 'SLOAD' operation executing",
          ),
        );
    }
  };

  const handle = async (request: Request): Promise<Response> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await answer(request);
    } finally {
      inFlight--;
    }
  };

  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "");
    let params: Record<string, unknown> = {};
    let body: unknown;
    let badJson = false;
    if (request.method === "POST") {
      const text = await request.text();
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text);
          if (body && typeof body === "object") params = body as Record<string, unknown>;
        } catch {
          badJson = true;
        }
      }
    } else {
      params = Object.fromEntries(url.searchParams);
    }
    records.push({
      path,
      method: request.method,
      at: performance.now(),
      apiKey: request.headers.get("tron-pro-api-key"),
      body,
    });
    byPath[path] = (byPath[path] ?? 0) + 1;

    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const fault = takeFault(path);
    if (fault) return applyFault(fault.spec);

    const known = [...ACCOUNT_PATHS, ...TRIGGER_PATHS, ...BLOCK_PATHS, "/wallet/getnodeinfo"];
    if (!known.includes(path)) {
      return new Response(
        `<html><head><title>Error 404 Not Found</title></head><body><h2>HTTP ERROR 404 Not Found</h2><table><tr><th>URI:</th><td>${path}</td></tr></table></body></html>`,
        { status: 404, headers: { "content-type": "text/html;charset=iso-8859-1" } },
      );
    }
    if (badJson) {
      return json(servletError("com.alibaba.fastjson.JSONException", "syntax error, pos 1"));
    }
    try {
      if (ACCOUNT_PATHS.includes(path)) {
        const visible = params.visible === true || params.visible === "true";
        if (!params.address) return json("{}");
        let hex: string;
        try {
          hex = toTronHex(String(params.address));
        } catch {
          return json(servletError("java.lang.IllegalArgumentException", "Invalid address"));
        }
        return json(accountText(hex, visible));
      }
      if (BLOCK_PATHS.includes(path)) return json(JSON.stringify(blockJson(await headBlock())));
      if (TRIGGER_PATHS.includes(path)) return json(await triggerConstant(params));
      const block = blockJson(await latestBlock());
      return json(JSON.stringify({
        beginSyncNum: 0,
        block: `Num:${block.block_header.raw_data.number ?? 0},ID:${block.blockID}`,
        solidityBlock: `Num:${block.block_header.raw_data.number ?? 0},ID:${block.blockID}`,
        currentConnectCount: 0,
        activeConnectCount: 0,
        passiveConnectCount: 0,
        totalFlow: 0,
        peerInfoList: [],
        configNodeInfo: { codeVersion: "4.7.6", p2pVersion: "11111", versionNum: "18306" },
        machineInfo: {},
        cheatWitnessInfoMap: {},
      }));
    } catch (error) {
      return json(servletError("java.lang.RuntimeException", (error as Error).message));
    }
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
  }, handle);
  const port = server.addr.port;

  const requests: RequestLog = {
    get count() {
      return records.length;
    },
    get byPath() {
      return byPath;
    },
    get records() {
      return records;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    reset() {
      records = [];
      byPath = {};
      maxInFlight = inFlight;
    },
    maxInWindow(windowMs, paths) {
      const selected = paths ? records.filter((r) => paths.includes(r.path)) : records;
      return maxInWindow(selected.map((r) => r.at), windowMs);
    },
  };

  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    anvilRpcUrl: anvil,
    requests,
    inject(spec) {
      const entry: FaultEntry = { spec, remaining: spec.times ?? Infinity, hits: 0 };
      faults.push(entry);
      return {
        get hits() {
          return entry.hits;
        },
        clear() {
          entry.remaining = 0;
        },
      };
    },
    clearFaults() {
      for (const entry of faults) entry.remaining = 0;
      faults.length = 0;
    },
    async setAccountBalance(address, sun) {
      if (sun < 0n || sun > INT64_MAX) {
        throw new RangeError(`a TRON balance is an int64 of sun; ${sun} is out of range`);
      }
      const hex = toTronHex(address);
      await rpc("anvil_setBalance", [`0x${hex.slice(2)}`, `0x${sun.toString(16)}`]);
      accounts.set(hex, sun);
    },
    async removeAccount(address) {
      const hex = toTronHex(address);
      await rpc("anvil_setBalance", [`0x${hex.slice(2)}`, "0x0"]);
      accounts.delete(hex);
    },
    setEnergyLimit(energy) {
      energyLimit = energy;
    },
    get outOfEnergy() {
      return outOfEnergy;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      await server.shutdown();
    },
  };
}
