/**
 * RPC fault matrix through the real function: every case is its own chain (with its own endpoint:
 * a fault-injecting proxy in front of anvil, or its own TRON node stand-in), holding one wallet's
 * native and token rows; two healthy chains (one per family) are the control. All cases run in
 * the same scheduled run, so each one also proves that no other chain's fault leaks into it.
 *
 * For each case: exactly the affected rows get error_count + 1 and a last_error that names the
 * cause, the chain's other rows and every other chain finish, and nothing escapes the run (HTTP
 * 200 with a summary, no reader's safety net message, the process still serving).
 */
import assert from "node:assert/strict";
import { deployGasBurner, deployMalformed, deployReverting } from "../../stack/contracts/mod.ts";
import { closedPortUrl, type Fault, hasMethod } from "../../stack/rpc_proxy.ts";
import type { Stack } from "../../stack/stack.ts";
import { expectedHuman, randomTronAddress, seedWorld, type World } from "../../stack/data.ts";
import {
  insertAsset,
  insertBalanceRows,
  insertChain,
  insertWallet,
  randomEvmAddress,
} from "../../stack/seed.ts";
import {
  startTronNode,
  toTronBase58,
  type TronFaultSpec,
  type TronNode,
} from "../../stack/standins/tron_node.ts";
import {
  reliabilityHarness,
  report,
  runLogsComplete,
  setChainBalance,
  type TestContext,
} from "./harness.ts";

const harness = reliabilityHarness();

type Affected = "all" | "token" | "none";

interface Endpoint {
  rpcUrl: string;
  /** Token contract of the case (default: the world's token of the family). */
  token?: string;
  multicallAddress?: string | null;
  evmChainId?: number | null;
  apiKeyEnv?: string;
  /** TRON node holding the case's TRX balances (default: the stack's). */
  tronNode?: TronNode;
}

interface FaultCase {
  name: string;
  family: "evm" | "tron";
  affected: Affected;
  /** last_error of every affected row must match. */
  cause: RegExp;
  errorClass: "transient" | "permanent" | "configuration" | null;
  /** For affected "none": the chain's summary note must match. */
  note?: RegExp;
  endpoint(env: CaseEnv): Promise<Endpoint>;
}

interface CaseEnv {
  stack: Stack;
  world: World;
  ctx: TestContext;
}

/** Function secrets the cases' chains name in api_key_env (values are grepped for leaks). */
const API_KEYS = {
  FAULT_EVM_KEY: `evmkey${crypto.randomUUID().replaceAll("-", "")}`,
  FAULT_TRON_KEY: `tronkey${crypto.randomUUID().replaceAll("-", "")}`,
};

const HTML_PAGE =
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>" +
  "</center><hr><center>cloudflare</center></body></html>";

/** An EVM case whose endpoint is a proxy in front of the stack's anvil answering with `fault`. */
const evmProxy = (fault: Fault | null, extra: Partial<Endpoint> = {}) => async (env: CaseEnv) => {
  const proxy = await env.ctx.proxy(env.stack.anvil.rpcUrl);
  if (fault) proxy.inject(fault);
  return { rpcUrl: proxy.url, ...extra };
};

/** The EVM chain behind its proxy, with the token `deploy` puts on anvil in place of its own. */
const evmTokenProxy = (deploy: (rpcUrl: string) => Promise<string>) => async (env: CaseEnv) =>
  evmProxy(null, { token: await deploy(env.stack.anvil.rpcUrl) })(env);

/** A TRON case with its own node stand-in (same backing anvil) answering with `fault`. */
const tronNode = (fault: TronFaultSpec | null, extra: Partial<Endpoint> = {}) =>
async (
  env: CaseEnv,
) => {
  const node = await startTronNode({ anvilRpcUrl: env.stack.tronAnvil.rpcUrl });
  env.ctx.defer(() => node.stop());
  if (fault) node.inject(fault);
  return { rpcUrl: node.url, tronNode: node, ...extra };
};

const CASES: FaultCase[] = [
  // ---- EVM ----
  {
    name: "evm: connection refused",
    family: "evm",
    affected: "all",
    cause: /network error reaching http:\/\/127\.0\.0\.2:\d+.*(refused|connect)/i,
    errorClass: "transient",
    endpoint: () => Promise.resolve({ rpcUrl: closedPortUrl() }),
  },
  {
    name: "evm: timeout (the node accepts and never answers)",
    family: "evm",
    affected: "all",
    cause: /no answer within \d+ ms/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "hang" }),
  },
  {
    name: "evm: 429 with Retry-After: 1",
    family: "evm",
    affected: "all",
    cause: /HTTP 429/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "status", status: 429, retryAfter: "1" }),
  },
  {
    name: "evm: 429 asking to retry after an hour",
    family: "evm",
    affected: "all",
    cause: /HTTP 429.*retry after 3600 s/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "status", status: 429, retryAfter: "3600" }),
  },
  {
    name: "evm: 503",
    family: "evm",
    affected: "all",
    cause: /HTTP 503/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "status", status: 503 }),
  },
  {
    name: "evm: 500",
    family: "evm",
    affected: "all",
    cause: /HTTP 500/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "status", status: 500 }),
  },
  {
    name: "evm: malformed JSON",
    family: "evm",
    affected: "all",
    cause: /JSON/i,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "body", body: '{"jsonrpc":"2.0","id":1,"result":' }),
  },
  {
    name: "evm: HTML error page (502)",
    family: "evm",
    affected: "all",
    cause: /HTTP 502/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "body", body: HTML_PAGE, status: 502, contentType: "text/html" }),
  },
  {
    name: "evm: HTML page with status 200",
    family: "evm",
    affected: "all",
    cause: /JSON|HTML|Unexpected token/i,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "body", body: HTML_PAGE, status: 200, contentType: "text/html" }),
  },
  {
    name: "evm: truncated body (connection drops mid-answer)",
    family: "evm",
    affected: "all",
    cause: /network error|body|terminated|connection/i,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "reset" }),
  },
  {
    name: "evm: JSON-RPC error -32005 (limit exceeded)",
    family: "evm",
    affected: "all",
    cause: /RPC error -32005/,
    errorClass: "transient",
    endpoint: evmProxy({ kind: "rpc-error", code: -32005, message: "request limit exceeded" }),
  },
  {
    name: "evm: eth_call not served (-32601 method not found)",
    family: "evm",
    affected: "all",
    cause: /-32601/,
    errorClass: "configuration",
    endpoint: evmProxy({
      kind: "rpc-error",
      code: -32601,
      message: "the method eth_call does not exist/is not available",
      match: hasMethod("eth_call"),
    }),
  },
  {
    name: "evm: wrong chain id (evm_chain_id 56, node is 31337)",
    family: "evm",
    affected: "all",
    cause: /wrong chain: .* reports chain id 31337, the chain row expects 56/,
    errorClass: "configuration",
    endpoint: evmProxy(null, { evmChainId: 56 }),
  },
  {
    name: "evm: token reverts",
    family: "evm",
    affected: "token",
    cause: /balanceOf on 0x[0-9a-fA-F]{40} reverted: balanceOf is disabled/,
    errorClass: "permanent",
    endpoint: evmTokenProxy(deployReverting),
  },
  {
    name: "evm: token address is not a contract",
    family: "evm",
    affected: "token",
    cause: /no contract at 0x[0-9a-fA-F]{40}/,
    errorClass: "permanent",
    endpoint: evmProxy(null, { token: randomEvmAddress() }),
  },
  {
    name: "evm: token returns a malformed balanceOf",
    family: "evm",
    affected: "token",
    cause: /malformed balanceOf return/,
    errorClass: "permanent",
    endpoint: evmTokenProxy(deployMalformed),
  },
  {
    name: "evm: token burns all gas",
    family: "evm",
    affected: "token",
    cause: /balanceOf on 0x[0-9a-fA-F]{40} reverted/,
    errorClass: "permanent",
    endpoint: evmTokenProxy(deployGasBurner),
  },
  {
    name: "evm: multicall missing at the configured address (falls back, no error)",
    family: "evm",
    affected: "none",
    cause: /^$/,
    errorClass: null,
    note: /no contract at multicall address/,
    endpoint: evmProxy(null, { multicallAddress: randomEvmAddress() }),
  },
  {
    name: "evm: multicall address is not a valid address",
    family: "evm",
    affected: "all",
    cause: /invalid multicall address "0x1234"/,
    errorClass: "configuration",
    endpoint: evmProxy(null, { multicallAddress: "0x1234" }),
  },
  {
    name: "evm: API key secret not set",
    family: "evm",
    affected: "all",
    cause: /secret FAULT_MISSING_KEY is not set/,
    errorClass: "configuration",
    endpoint: evmProxy(null, { apiKeyEnv: "FAULT_MISSING_KEY" }),
  },
  {
    name: "evm: 401 for the API key in the URL (the key never shows)",
    family: "evm",
    affected: "all",
    cause: /HTTP 401/,
    errorClass: "configuration",
    endpoint: async (env) => {
      const proxy = await evmProxy({ kind: "status", status: 401 })(env);
      return { rpcUrl: `${proxy.rpcUrl}/v3/{apiKey}`, apiKeyEnv: "FAULT_EVM_KEY" };
    },
  },
  // ---- TRON ----
  {
    name: "tron: connection refused",
    family: "tron",
    affected: "all",
    cause: /TRON node http:\/\/127\.0\.0\.2:\d+\/wallet\/getnowblock unreachable: .*refused/i,
    errorClass: "transient",
    endpoint: () => Promise.resolve({ rpcUrl: closedPortUrl() }),
  },
  {
    name: "tron: timeout (the node accepts and never answers)",
    family: "tron",
    affected: "all",
    cause: /did not answer within \d+ ms/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "timeout" }),
  },
  {
    name: "tron: 429 with Retry-After: 1",
    family: "tron",
    affected: "all",
    cause: /rate limiting \(HTTP 429/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "rate-limit", retryAfter: 1 }),
  },
  {
    name: "tron: 503",
    family: "tron",
    affected: "all",
    cause: /HTTP 503/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "status", status: 503, body: "Service Unavailable" }),
  },
  {
    name: "tron: 500",
    family: "tron",
    affected: "all",
    cause: /answered HTTP 500/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "status", status: 500, body: "Internal Server Error" }),
  },
  {
    name: "tron: malformed JSON",
    family: "tron",
    affected: "all",
    cause: /malformed JSON .* instead of JSON/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "malformed-json" }),
  },
  {
    name: "tron: HTML error page (502)",
    family: "tron",
    affected: "all",
    cause: /HTTP 502: 502 Bad Gateway/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "html", status: 502 }),
  },
  {
    name: "tron: truncated body (connection drops mid-answer)",
    family: "tron",
    affected: "all",
    cause: /unreachable|body|truncat|connection|terminated/i,
    errorClass: "transient",
    endpoint: tronNode({ kind: "truncated" }),
  },
  {
    name: "tron: TronGrid key suspension (403, suspended for 30s)",
    family: "tron",
    affected: "all",
    cause: /rate limiting \(HTTP 403: The key exceeds the frequency limit\(15\).*suspended for 30s/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "suspended", status: 403, seconds: 30 }),
  },
  {
    name: "tron: java-tron lack of computing resources",
    family: "tron",
    affected: "all",
    cause: /lack of computing resources/,
    errorClass: "transient",
    endpoint: tronNode({ kind: "lack-of-resources" }),
  },
  {
    name: "tron: CONTRACT_VALIDATE_ERROR on the token call",
    family: "tron",
    affected: "token",
    cause: /CONTRACT_VALIDATE_ERROR|not a valid smart contract/,
    errorClass: "permanent",
    endpoint: tronNode({ kind: "contract-validate-error" }),
  },
  {
    name: "tron: token address is not a contract",
    family: "tron",
    affected: "token",
    cause: /Smart contract is not exist|no contract/i,
    errorClass: "permanent",
    endpoint: tronNode(null, { token: randomTronAddress() }),
  },
  {
    name: "tron: token reverts",
    family: "tron",
    affected: "token",
    cause: /revert.*balanceOf is disabled|balanceOf is disabled/i,
    errorClass: "permanent",
    endpoint: async (env) =>
      tronNode(null, {
        token: toTronBase58(await deployReverting(env.stack.tronAnvil.rpcUrl)),
      })(env),
  },
  {
    name: "tron: CPU timeout in the VM (OTHER_ERROR)",
    family: "tron",
    affected: "token",
    cause: /CPU timeout/,
    errorClass: null,
    endpoint: tronNode({ kind: "cpu-timeout" }),
  },
  {
    name: "tron: multicall missing at the configured address (falls back, no error)",
    family: "tron",
    affected: "none",
    cause: /^$/,
    errorClass: null,
    note: /no multicall contract at T\w+; read per call/,
    endpoint: tronNode(null, { multicallAddress: randomTronAddress() }),
  },
  {
    name: "tron: API key secret not set",
    family: "tron",
    affected: "all",
    cause: /the API key secret FAULT_MISSING_KEY is not set/,
    errorClass: "configuration",
    endpoint: tronNode(null, { apiKeyEnv: "FAULT_MISSING_KEY" }),
  },
  {
    name: "tron: 401 for the API key (the key never shows)",
    family: "tron",
    affected: "all",
    cause: /HTTP 401/,
    errorClass: "configuration",
    endpoint: tronNode({ kind: "status", status: 401, body: '{"Error":"invalid API key"}' }, {
      apiKeyEnv: "FAULT_TRON_KEY",
    }),
  },
];

interface SeededCase {
  fault: FaultCase;
  chainId: string;
  nativeRow: string;
  tokenRow: string;
  native: bigint;
  token: bigint;
}

const SAFETY_NET = /read failed unexpectedly|reader failed|no outcome|was not read/;

harness.test(
  `RPC fault matrix: ${CASES.length} cases across both families in one run, each confined to its rows`,
  async (ctx) => {
    const { stack } = ctx;
    const world = await seedWorld(stack, { wallets: 2 });
    const env: CaseEnv = { stack, world, ctx };
    const seeded: SeededCase[] = [];
    for (const [i, fault] of CASES.entries()) {
      const endpoint = await fault.endpoint(env);
      const chainId = await insertChain(stack.sql, {
        name: `fault ${i}: ${fault.name}`,
        family: fault.family,
        rpcUrl: endpoint.rpcUrl,
        multicallAddress: endpoint.multicallAddress ?? null,
        evmChainId: endpoint.evmChainId ?? null,
      });
      if (endpoint.apiKeyEnv) {
        await stack.sql`update public.chains set api_key_env = ${endpoint.apiKeyEnv}
                        where id = ${chainId}`;
      }
      const worldToken = fault.family === "evm" ? world.evmToken : world.tronToken;
      const token = endpoint.token ?? worldToken;
      const nativeAsset = await insertAsset(stack.sql, {
        chainId,
        symbol: `N${i}`,
        decimals: fault.family === "evm" ? 18 : 6,
        contractAddress: null,
      });
      const tokenAsset = await insertAsset(stack.sql, {
        chainId,
        symbol: `T${i}`,
        decimals: fault.family === "evm" ? 6 : 18,
        contractAddress: token,
      });
      const holder = fault.family === "evm" ? randomEvmAddress() : randomTronAddress();
      const walletId = await insertWallet(stack.sql, { [chainId]: holder }, `fault ${i}`);
      const [nativeRow, tokenRow] = await insertBalanceRows(stack.sql, [
        { walletId, assetOnChainId: nativeAsset },
        { walletId, assetOnChainId: tokenAsset },
      ]);
      const native = 10n ** 15n + BigInt(i);
      const tokenAmount = 2n ** 70n + BigInt(i);
      await setChainBalance(stack, fault.family, holder, null, native);
      await setChainBalance(stack, fault.family, holder, worldToken, tokenAmount);
      // Every TRON node of the test shares the backing anvil, but TRX lives per node.
      await endpoint.tronNode?.setAccountBalance(holder, native);
      seeded.push({ fault, chainId, nativeRow, tokenRow, native, token: tokenAmount });
    }
    const server = await ctx.serve({
      env: { ...API_KEYS, BALANCE_SYNC_BATCH_SIZE: "1000", BALANCE_SYNC_LOG_LEVEL: "debug" },
    });
    for (const key of Object.values(API_KEYS)) ctx.secret(key);
    return { world, seeded, server };
  },
  async (ctx, { world, seeded, server }) => {
    const { stack } = ctx;
    let exited = false;
    server.exited.then(() => exited = true);

    const response = await ctx.call(server);
    assert.equal(response.status, 200, response.text);
    const summary = response.body;
    const total = world.rows.length + 2 * seeded.length;
    assert.equal(summary.claimed, total);
    // Each chain has its own loop in a run: one batch per chain means every case was read at once.
    assert.equal(
      summary.batches,
      Object.keys(summary.chains).length,
      "every case was read in its chain's one batch",
    );

    const rows = new Map(
      (await stack.sql`
        select id::text as id, error_count, last_error, sync_count, on_chain_balance_raw::text as raw,
               processing_status::text as status, locked_by
        from public.wallet_balances`).map((r) => [r.id as string, r]),
    );
    const failures: string[] = [];
    let escapes = 0;
    let untouchedViolations = 0;
    for (const c of seeded) {
      const problems: string[] = [];
      const expectFailure = (id: string, what: string) => {
        const row = rows.get(id)!;
        if (row.error_count !== 1) problems.push(`${what}: error_count ${row.error_count}`);
        if (!c.fault.cause.test(row.last_error ?? "")) {
          problems.push(`${what}: last_error ${JSON.stringify(row.last_error)}`);
        }
        if (SAFETY_NET.test(row.last_error ?? "")) escapes++;
        if (row.sync_count !== 0 || row.raw !== null) {
          problems.push(`${what}: a balance was written`);
        }
        for (const key of Object.values(API_KEYS)) {
          if ((row.last_error ?? "").includes(key)) {
            problems.push(`${what}: last_error has the key`);
          }
        }
      };
      const expectSynced = (id: string, raw: bigint, what: string) => {
        const row = rows.get(id)!;
        if (row.error_count !== 0 || row.sync_count !== 1 || row.raw !== raw.toString()) {
          untouchedViolations++;
          problems.push(
            `${what}: expected synced ${raw}, got raw ${row.raw}, sync_count ${row.sync_count}, ` +
              `error_count ${row.error_count} (${row.last_error})`,
          );
        }
      };
      if (c.fault.affected === "all") {
        expectFailure(c.nativeRow, "native row");
        expectFailure(c.tokenRow, "token row");
      } else if (c.fault.affected === "token") {
        expectSynced(c.nativeRow, c.native, "native row");
        expectFailure(c.tokenRow, "token row");
      } else {
        expectSynced(c.nativeRow, c.native, "native row");
        expectSynced(c.tokenRow, c.token, "token row");
        const note = summary.chains[c.chainId]?.note ?? "";
        if (!c.fault.note!.test(note)) problems.push(`chain note ${JSON.stringify(note)}`);
      }
      const chain = summary.chains[c.chainId];
      const failed = c.fault.affected === "all" ? 2 : c.fault.affected === "token" ? 1 : 0;
      if (chain?.failed !== failed) problems.push(`summary: ${chain?.failed} failed`);
      if (c.fault.errorClass && chain?.errors_by_class?.[c.fault.errorClass] !== failed) {
        problems.push(`summary errors_by_class ${JSON.stringify(chain?.errors_by_class)}`);
      }
      for (const id of [c.nativeRow, c.tokenRow]) {
        const row = rows.get(id)!;
        if (row.status !== "idle" || row.locked_by !== null) problems.push(`${id} left leased`);
      }
      if (problems.length > 0) failures.push(`${c.fault.name}:\n    ${problems.join("\n    ")}`);
    }

    // The control chains: every row synced exactly.
    for (const r of world.rows) {
      const row = rows.get(r.id)!;
      if (row.error_count !== 0 || row.raw !== r.raw.toString()) {
        untouchedViolations++;
        failures.push(`control ${r.family} row ${r.id}: raw ${row.raw}, errors ${row.error_count}`);
      }
    }
    const [{ human_ok }] = await stack.sql`
      select bool_and(on_chain_balance_human = ${
      expectedHuman(world.rows[0].raw, world.rows[0].decimals)
    }::numeric) as human_ok
      from public.wallet_balances where id = ${world.rows[0].id}`;
    assert.ok(human_ok);

    // Nothing escaped: no failed run in the log, the process still serves.
    await runLogsComplete(server, [summary.run_id]);
    const runFailed = server.logs().filter((l) => l.msg === "Run failed");
    escapes += runFailed.length;
    // A forced run of a control wallet: not slowed down by the faulty chains.
    const again = await ctx.call(server, { wallet_id: world.wallets[0].id });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.synced, 4);
    assert.equal(exited, false, "the function process is still running");

    const cases = CASES.length;
    console.log(
      seeded.map((c) => {
        const row = rows.get(c.fault.affected === "none" ? c.nativeRow : c.tokenRow)!;
        return `  ${c.fault.name}: ${
          row.last_error ?? `synced (${summary.chains[c.chainId]?.note})`
        }`;
      }).join("\n"),
    );
    report(
      "RPC faults",
      cases,
      `${CASES.filter((c) => c.family === "evm").length} EVM + ` +
        `${CASES.filter((c) => c.family === "tron").length} TRON cases in one run: ` +
        `${cases - failures.filter((f) => !f.startsWith("control")).length}/${cases} confined ` +
        `with a last_error naming the cause, ${escapes} escapes, ` +
        `${untouchedViolations} rows of unaffected chains or assets touched`,
    );
    assert.deepEqual(failures, [], `${failures.length} case(s) failed`);
    assert.equal(escapes, 0, "an exception escaped a reader or the run");
  },
);

harness.secretsTest();
