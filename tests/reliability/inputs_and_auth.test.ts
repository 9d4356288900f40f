/**
 * Bad inputs and auth through the real function.
 *
 * - Bad data: broken addresses, decimals, missing contracts, duplicate or missing addresses,
 *   inactive rows, and the extreme balances, all in the same world and the same scheduled run as
 *   healthy rows. Each broken row gets one clear error; nothing else about any row changes.
 * - Bad force-sync bodies only real HTTP can send: each gets 400 with a message saying what is
 *   wrong, without one database call (the other body cases are unit tests).
 * - Auth: every refused credential of the stack (its anon key, user JWT, JWTs signed with its
 *   secret) gets 401 without one database call.
 * - The audit's own detectors are shown to fire (so the per-test checks can fail).
 */
import assert from "node:assert/strict";
import { leaseEvents, overlappingClaims, protectedChanges } from "../support/audit.ts";
import { UINT256_MAX } from "../../stack/contracts/mod.ts";
import { signJwt, TEST_JWT_SECRET } from "../../stack/jwt.ts";
import { SYNC_SECRET_HEADER } from "../../stack/stack.ts";
import {
  expectedHuman,
  randomTronAddress,
  rowsAsText,
  seedWorld,
  SYNC_WRITES,
  type World,
} from "../../stack/data.ts";
import {
  insertAsset,
  insertBalanceRows,
  insertChain,
  insertWallets,
  randomEvmAddress,
} from "../../stack/seed.ts";
import {
  reliabilityHarness,
  report,
  setChainBalance,
  type TestContext,
  waitFor,
} from "./harness.ts";

const harness = reliabilityHarness();

// ---------------------------------------------------------------------------------------------
// Bad data

type Expect =
  | { kind: "error"; cause: RegExp }
  | { kind: "synced"; raw: bigint; decimals: number }
  /** Not claimed at all: inactive asset or chain. */
  | { kind: "skipped" };

interface DataCase {
  name: string;
  expect: Expect;
  /** Creates the case's rows; returns their wallet_balances ids. */
  seed(env: DataEnv): Promise<string[]>;
}

interface DataEnv {
  ctx: TestContext;
  world: World;
  /** Chains created for chain-level cases. */
  extraChain(name: string, fields: Record<string, unknown>): Promise<string>;
}

interface RowSpec {
  chainId: string;
  native: boolean;
  decimals: number | null;
  contract: string | null;
  /** Addresses of the row's wallet on the chain (none: no address row). */
  addresses: { address: string; active: boolean }[];
  assetActive?: boolean;
}

async function addRow(env: DataEnv, spec: RowSpec): Promise<string> {
  const { sql } = env.ctx.stack;
  const assetOnChainId = await insertAsset(sql, {
    chainId: spec.chainId,
    symbol: "BAD",
    isNative: spec.native,
    decimals: spec.decimals,
    contractAddress: spec.contract,
    isActive: spec.assetActive ?? true,
  });
  const [walletId] = await insertWallets(sql, [{
    label: "bad input",
    addresses: spec.addresses.map((a) => [spec.chainId, a.address, a.active]),
  }]);
  const [id] = await insertBalanceRows(sql, [{ walletId, assetOnChainId }]);
  return id;
}

/** A native-coin row of one chain of the world for `address`, with `over` changing the spec. */
const nativeRow =
  (family: "evm" | "tron") => (address: string, over: Partial<RowSpec> = {}) => (env: DataEnv) =>
    addRow(env, {
      chainId: family === "evm" ? env.world.evmChainId : env.world.tronChainId,
      native: true,
      decimals: family === "evm" ? 18 : 6,
      contract: null,
      addresses: [{ address, active: true }],
      ...over,
    }).then((id) => [id]);

const evmRow = nativeRow("evm");
const tronRow = nativeRow("tron");

/** A valid address with its EIP-55 checksum broken (one letter's case flipped). */
function badChecksum(): string {
  for (;;) {
    const lower = randomEvmAddress().slice(2);
    const i = [...lower].findIndex((c) => /[a-f]/.test(c));
    if (i < 0) continue;
    // Mixed case with exactly one upper-case letter: almost surely not the EIP-55 form.
    const mixed = lower.slice(0, i) + lower[i].toUpperCase() + lower.slice(i + 1);
    return `0x${mixed}`;
  }
}

/** A TRON base58 address with its last character changed (the checksum no longer matches). */
function badTronChecksum(): string {
  const good = randomTronAddress();
  const last = good.at(-1)!;
  return good.slice(0, -1) + (last === "a" ? "b" : "a");
}

const err = (cause: RegExp): Expect => ({ kind: "error", cause });

const DATA_CASES: DataCase[] = [
  // addresses
  {
    name: "EVM holder with a bad EIP-55 checksum",
    expect: err(/invalid holder address "0x[0-9a-fA-F]{40}": bad checksum \(expected 0x/),
    seed: evmRow(badChecksum()),
  },
  {
    name: "EVM holder one hex digit short",
    expect: err(/invalid holder address .*not a 0x-prefixed 20-byte hex address/),
    seed: evmRow(randomEvmAddress().slice(0, -1)),
  },
  {
    name: "EVM holder one hex digit long",
    expect: err(/invalid holder address .*not a 0x-prefixed 20-byte hex address/),
    seed: evmRow(`${randomEvmAddress()}0`),
  },
  {
    name: "EVM holder with non-hex characters",
    expect: err(/invalid holder address .*not a 0x-prefixed 20-byte hex address/),
    seed: evmRow(`0x${"zz".repeat(20)}`),
  },
  {
    name: "EVM holder without the 0x prefix",
    expect: err(/invalid holder address .*not a 0x-prefixed 20-byte hex address/),
    seed: evmRow(randomEvmAddress().slice(2)),
  },
  {
    name: "TRON address on an EVM chain",
    expect: err(/invalid holder address "T\w+": not a 0x-prefixed 20-byte hex address/),
    seed: evmRow(randomTronAddress()),
  },
  {
    name: "TRON holder with a bad base58 checksum",
    expect: err(/holder address: "T\w+" has a bad base58 checksum/),
    seed: tronRow(badTronChecksum()),
  },
  {
    name: "TRON holder one character short",
    expect: err(/holder address: "T\w+" is not a TRON address/),
    seed: tronRow(randomTronAddress().slice(0, -1)),
  },
  {
    name: "TRON holder with a character outside base58 (0)",
    expect: err(/holder address: .* is not a TRON address/),
    seed: tronRow(`${randomTronAddress().slice(0, -1)}0`),
  },
  {
    name: "EVM address on a TRON chain",
    expect: err(/holder address: "0x[0-9a-f]{40}" is an EVM \(0x\) address, not a TRON address/),
    seed: tronRow(randomEvmAddress()),
  },
  {
    name: "EVM token contract with a bad checksum",
    expect: err(/invalid token address "0x[0-9a-fA-F]{40}": bad checksum/),
    seed: evmRow(randomEvmAddress(), { native: false, decimals: 6, contract: badChecksum() }),
  },
  {
    name: "TRON token contract given as an EVM address",
    expect: err(/token contract address: "0x[0-9a-f]{40}" is an EVM \(0x\) address/),
    seed: tronRow(randomTronAddress(), {
      native: false,
      decimals: 18,
      contract: randomEvmAddress(),
    }),
  },
  {
    name: "TRON token contract with a bad checksum",
    expect: err(/token contract address: "T\w+" has a bad base58 checksum/),
    seed: tronRow(randomTronAddress(), {
      native: false,
      decimals: 18,
      contract: badTronChecksum(),
    }),
  },
  {
    name: "empty address",
    expect: err(/the active address on chain anvil-evm is empty/),
    seed: evmRow("   "),
  },
  // decimals
  {
    name: "decimals -1",
    expect: err(/decimals -1 is outside 0\.\.77/),
    seed: evmRow(randomEvmAddress(), { decimals: -1 }),
  },
  {
    name: "decimals 78",
    expect: err(/decimals 78 is outside 0\.\.77/),
    seed: tronRow(randomTronAddress(), { decimals: 78 }),
  },
  {
    name: "decimals null",
    expect: err(/decimals is not set/),
    seed: evmRow(randomEvmAddress(), { decimals: null }),
  },
  // missing contract, addresses
  {
    name: "EVM token without contract_address",
    expect: err(/token has no contract_address/),
    seed: evmRow(randomEvmAddress(), { native: false, decimals: 6, contract: null }),
  },
  {
    name: "TRON token with a blank contract_address",
    expect: err(/token has no contract_address/),
    seed: tronRow(randomTronAddress(), { native: false, decimals: 18, contract: "  " }),
  },
  {
    name: "two active addresses for one wallet and chain",
    expect: err(/wallet has 2 active addresses on chain anvil-evm/),
    seed: evmRow(randomEvmAddress(), {
      addresses: [
        { address: randomEvmAddress(), active: true },
        { address: randomEvmAddress(), active: true },
      ],
    }),
  },
  {
    name: "no address on the chain",
    expect: err(/wallet has no active address on chain tron-standin/),
    seed: tronRow(randomTronAddress(), { addresses: [] }),
  },
  {
    name: "only an inactive address",
    expect: err(/wallet has no active address on chain anvil-evm/),
    seed: evmRow(randomEvmAddress(), {
      addresses: [{ address: randomEvmAddress(), active: false }],
    }),
  },
  // inactive, chain-level
  {
    name: "inactive asset (not synced)",
    expect: { kind: "skipped" },
    seed: evmRow(randomEvmAddress(), { assetActive: false }),
  },
  {
    name: "inactive chain (not synced)",
    expect: { kind: "skipped" },
    seed: async (env) => {
      const chainId = await env.extraChain("inactive-chain", { is_active: false });
      return evmRow(randomEvmAddress(), { chainId })(env);
    },
  },
  {
    name: "chain without rpc_url",
    expect: err(/chain no-rpc has no rpc_url/),
    seed: async (env) => {
      const chainId = await env.extraChain("no-rpc", { rpc_url: null });
      return evmRow(randomEvmAddress(), { chainId })(env);
    },
  },
  {
    name: "chain without a family",
    expect: err(/chain no-family has no family: set chains.family to evm or tron/),
    seed: async (env) => {
      const chainId = await env.extraChain("no-family", { family: null });
      return evmRow(randomEvmAddress(), { chainId })(env);
    },
  },
  {
    name: "chain of another family",
    expect: err(/chain bitcoin-like has no family: set chains.family to evm or tron/),
    seed: async (env) => {
      const chainId = await env.extraChain("bitcoin-like", { family: "bitcoin" });
      return evmRow(randomEvmAddress(), { chainId })(env);
    },
  },
];

/** Extreme balances: set on the chain, then read back exactly. */
interface BalanceCase {
  name: string;
  family: "evm" | "tron";
  native: boolean;
  decimals: number;
  raw: bigint;
}

const BALANCE_CASES: BalanceCase[] = [
  {
    name: "ERC20 balance uint256 max",
    family: "evm",
    native: false,
    decimals: 6,
    raw: UINT256_MAX,
  },
  {
    name: "ERC20 uint256 max with 77 decimals",
    family: "evm",
    native: false,
    decimals: 77,
    raw: UINT256_MAX,
  },
  {
    name: "ERC20 uint256 max with 0 decimals",
    family: "evm",
    native: false,
    decimals: 0,
    raw: UINT256_MAX,
  },
  {
    name: "native EVM balance 2^128 + 1 wei",
    family: "evm",
    native: true,
    decimals: 18,
    raw: 2n ** 128n + 1n,
  },
  { name: "TRX 2^53 + 1 sun", family: "tron", native: true, decimals: 6, raw: 2n ** 53n + 1n },
  { name: "TRX int64 max sun", family: "tron", native: true, decimals: 6, raw: 2n ** 63n - 1n },
  { name: "TRX never-activated account is 0", family: "tron", native: true, decimals: 6, raw: 0n },
  {
    name: "TRC20 balance uint256 max",
    family: "tron",
    native: false,
    decimals: 18,
    raw: UINT256_MAX,
  },
];

/** Columns a failed sync may write; everything else of the row must stay as it was. */
const ERROR_WRITES = [
  "error_count",
  "last_error",
  "last_error_at",
  "error_streak",
  "error_class",
  "updated_at",
  // when the row is due again: after its backoff
  "next_sync_at",
];

harness.test(
  `bad data: ${DATA_CASES.length} broken rows and ${BALANCE_CASES.length} extreme balances in one run; one clear error each, 0 corrupted rows`,
  async (ctx) => {
    const { stack } = ctx;
    const world = await seedWorld(stack, { wallets: 2 });
    const env: DataEnv = {
      ctx,
      world,
      extraChain: async (name, fields) => {
        const id = await insertChain(stack.sql, {
          name,
          family: "evm",
          rpcUrl: stack.anvil.rpcUrl,
        });
        for (const [column, value] of Object.entries(fields)) {
          await stack.sql`update public.chains set ${stack.sql({ [column]: value })}
                          where id = ${id}`;
        }
        return id;
      },
    };
    const seeded: { name: string; expect: Expect; ids: string[] }[] = [];
    for (const c of DATA_CASES) {
      seeded.push({ name: c.name, expect: c.expect, ids: await c.seed(env) });
    }
    for (const c of BALANCE_CASES) {
      const evm = c.family === "evm";
      const address = evm ? randomEvmAddress() : randomTronAddress();
      const contract = c.native ? null : evm ? world.evmToken : world.tronToken;
      const id = await addRow(env, {
        chainId: evm ? world.evmChainId : world.tronChainId,
        native: c.native,
        decimals: c.decimals,
        contract,
        addresses: [{ address, active: true }],
      });
      // A TRON account that never held TRX does not exist on the node: leave it so.
      if (contract || evm || c.raw > 0n) {
        await setChainBalance(stack, c.family, address, contract, c.raw);
      }
      seeded.push({
        name: c.name,
        expect: { kind: "synced", raw: c.raw, decimals: c.decimals },
        ids: [id],
      });
    }
    const server = await ctx.serve({ env: { BALANCE_SYNC_BATCH_SIZE: "500" } });
    return { world, seeded, server };
  },
  async (ctx, { world, seeded, server }) => {
    const { stack } = ctx;
    const allIds = (await stack.sql`select id::text as id from public.wallet_balances`).map((r) =>
      r.id as string
    );
    const before = await rowsAsText(stack.sql, allIds);

    // Add, never restrict: another app may store a chain of a family no reader knows.
    await insertChain(stack.sql, { name: "solana", family: "solana" as "evm", rpcUrl: "http://x" });

    const response = await ctx.call(server);
    assert.equal(response.status, 200, response.text);
    const skipped = seeded.filter((s) => s.expect.kind === "skipped").length;
    assert.equal(response.body.claimed, allIds.length - skipped);

    const after = await rowsAsText(stack.sql, allIds);
    const events = await leaseEvents(stack.sql);
    const failures: string[] = [];
    const changedColumns = (id: string) =>
      Object.keys(after.get(id)!).filter((c) => after.get(id)![c] !== before.get(id)![c]);
    const corrupted = (id: string, allowed: readonly string[]) =>
      changedColumns(id).filter((c) => !allowed.includes(c));

    for (const s of seeded) {
      for (const id of s.ids) {
        const row = after.get(id)!;
        const problems: string[] = [];
        if (s.expect.kind === "error") {
          if (row.error_count !== "1") problems.push(`error_count ${row.error_count}`);
          if (!s.expect.cause.test(row.last_error ?? "")) {
            problems.push(`last_error ${JSON.stringify(row.last_error)}`);
          }
          const extra = corrupted(id, ERROR_WRITES);
          if (extra.length) problems.push(`also changed ${extra.join(", ")}`);
        } else if (s.expect.kind === "skipped") {
          if (changedColumns(id).length) problems.push(`changed ${changedColumns(id).join(", ")}`);
          if (events.some((e) => e.rowId === id)) problems.push("was claimed");
        } else {
          const want = s.expect;
          if (row.on_chain_balance_raw !== want.raw.toString()) {
            problems.push(`raw ${row.on_chain_balance_raw}`);
          }
          const [{ exact }] = await stack.sql`
            select on_chain_balance_human = ${expectedHuman(want.raw, want.decimals)}::numeric
                   as exact
            from public.wallet_balances where id = ${id}`;
          if (!exact) problems.push(`human ${row.on_chain_balance_human}`);
          if (row.error_count !== "0" || row.sync_count !== "1") problems.push("not synced once");
          const extra = corrupted(id, SYNC_WRITES);
          if (extra.length) problems.push(`also changed ${extra.join(", ")}`);
        }
        if (row.processing_status !== "idle" || row.locked_by !== null) problems.push("leased");
        if (problems.length) failures.push(`${s.name}: ${problems.join("; ")}`);
      }
    }
    // The healthy rows of the same run.
    for (const r of world.rows) {
      const row = after.get(r.id)!;
      if (row.on_chain_balance_raw !== r.raw.toString() || row.error_count !== "0") {
        failures.push(`healthy ${r.family} row ${r.id}: raw ${row.on_chain_balance_raw}`);
      }
      const extra = corrupted(r.id, SYNC_WRITES);
      if (extra.length) failures.push(`healthy row ${r.id} also changed ${extra.join(", ")}`);
    }
    const cases = DATA_CASES.length + BALANCE_CASES.length + 1;
    report(
      "Bad data (addresses, decimals, config, inactive, extreme balances)",
      cases,
      `${DATA_CASES.length} broken rows + ${BALANCE_CASES.length} extreme balances + 1 chain of ` +
        `another family stored, in one run: ${cases - failures.length}/${cases} as expected, ` +
        `${failures.filter((f) => /also changed|healthy/.test(f)).length} corrupted rows`,
    );
    assert.deepEqual(failures, []);
  },
);

// ---------------------------------------------------------------------------------------------
// Bad force-sync bodies

/** Bodies only a real HTTP request can send; the rest are unit tests (request.test.ts, handler.test.ts). */
const BODY_CASES: { name: string; body: string; chunked?: boolean; error: RegExp }[] = [
  { name: "truncated JSON", body: '{"wallet_id": "', error: /body is not valid JSON/ },
  {
    name: "oversized body (1 MB) streamed without Content-Length",
    body: JSON.stringify({ wallet_id: "a".repeat(1_000_000) }),
    chunked: true,
    error: /body is larger than 65536 bytes/,
  },
];

function streamed(text: string): ReadableStream<Uint8Array<ArrayBuffer>> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
      controller.close();
    },
  });
}

harness.test(
  `bad force-sync bodies: ${BODY_CASES.length} cases get 400 with the reason and never reach the database`,
  (ctx) => seedWorld(ctx.stack, { wallets: 1 }),
  async (ctx, world) => {
    const { stack } = ctx;
    const ids = world.rows.map((r) => r.id);
    const before = await rowsAsText(stack.sql, ids);
    const dbCalls = stack.postgrest.requests;
    for (const c of BODY_CASES) {
      const response = await fetch(stack.fn!.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SYNC_SECRET_HEADER]: stack.keys.syncSecret,
        },
        body: c.chunked ? streamed(c.body) : c.body,
      });
      const text = await response.text();
      ctx.remember(c.name, text);
      assert.equal(response.status, 400, `${c.name}: ${text}`);
      const parsed = JSON.parse(text);
      assert.match(parsed.error, c.error, c.name);
      assert.match(parsed.run_id, /^[0-9a-f-]{36}$/, c.name);
    }
    assert.equal(stack.postgrest.requests, dbCalls, "no refused body reached the database");
    assert.deepEqual(await rowsAsText(stack.sql, ids), before, "no row changed");
    report(
      "Bad force-sync bodies",
      BODY_CASES.length,
      `${BODY_CASES.length} refused with 400 and a message naming the problem, 0 database calls, ` +
        `0 rows changed`,
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Auth

harness.test(
  "auth: every refused credential gets 401 without a database call; the accepted ones still work",
  (ctx) => seedWorld(ctx.stack, { wallets: 1 }),
  async (ctx, world) => {
    const { stack } = ctx;
    // Debug level: the most log lines the function can write, all grepped for secrets later.
    const server = await ctx.serve({ env: { BALANCE_SYNC_LOG_LEVEL: "debug" } });
    const { anonKey, userToken, serviceRoleKey, secretKey, syncSecret } = stack.keys;
    const forgedServiceRole = await signJwt({ role: "service_role" }, TEST_JWT_SECRET);
    const wrongSecretJwt = await signJwt({ role: "service_role" }, `${TEST_JWT_SECRET}-other`);
    // The credentials only this stack can make: its own keys and JWTs signed with its secret.
    // Malformed headers and near-misses of the accepted values are unit tests
    // (auth.test.ts, handler.test.ts).
    const refused: [string, Record<string, string>][] = [
      ["anon key as bearer", { authorization: `Bearer ${anonKey}` }],
      ["anon key as apikey", { apikey: anonKey }],
      ["an authenticated user's JWT as bearer", { authorization: `Bearer ${userToken}` }],
      ["an authenticated user's JWT as apikey", { apikey: userToken }],
      ["another valid service_role JWT (not the configured key)", {
        authorization: `Bearer ${forgedServiceRole}`,
      }],
      ["a service_role JWT signed with another secret", {
        authorization: `Bearer ${wrongSecretJwt}`,
      }],
      ["the project's JWT secret as bearer", { authorization: `Bearer ${TEST_JWT_SECRET}` }],
    ];
    // The legacy service-role JWT is a credential only while the project has legacy keys.
    const legacyJwt = { authorization: `Bearer ${serviceRoleKey}` } as Record<string, string>;
    const legacyOn = stack.legacyKeys === "enabled";
    if (!legacyOn) refused.push(["the legacy service_role key, legacy keys disabled", legacyJwt]);
    const accepted: Record<string, string>[] = [
      ...(legacyOn ? [legacyJwt] : []),
      { apikey: secretKey },
      { [SYNC_SECRET_HEADER]: syncSecret },
    ];
    ctx.secret(forgedServiceRole);
    ctx.secret(wrongSecretJwt);

    const ids = world.rows.map((r) => r.id);
    const before = await rowsAsText(stack.sql, ids);
    const dbCalls = stack.postgrest.requests;
    const failures: string[] = [];
    for (const [what, headers] of refused) {
      const response = await ctx.call(server, { wallet_id: world.wallets[0].id }, headers);
      if (response.status !== 401) failures.push(`${what}: ${response.status}`);
      if (JSON.stringify(response.body) !== '{"error":"unauthorized"}') {
        failures.push(`${what}: body ${response.text}`);
      }
      if (response.headers.get("www-authenticate") !== "Bearer") {
        failures.push(`${what}: no WWW-Authenticate`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(stack.postgrest.requests, dbCalls, "a refused request never reaches the database");
    assert.deepEqual(await rowsAsText(stack.sql, ids), before, "no row changed");

    for (const headers of accepted) {
      const response = await ctx.call(server, { wallet_id: world.wallets[0].id }, headers);
      assert.equal(response.status, 200, response.text);
    }
    // Every refusal is logged (without the value); stdout can lag behind the responses.
    await waitFor(
      "a log line per refusal",
      () =>
        server.logs().filter((l) => l.msg === "Rejected a request without a valid credential")
          .length === refused.length,
      10_000,
    );
    report(
      "Auth",
      refused.length,
      `${refused.length} refused credentials of the stack (anon key, user JWT, JWTs signed ` +
        `with the project's or another secret, the JWT secret): ${refused.length} × 401, ` +
        `0 database calls, 0 rows changed; the ${accepted.length} accepted kinds still get 200`,
    );
  },
);

// ---------------------------------------------------------------------------------------------
// The audit can fail

class Rollback extends Error {}

harness.test(
  "the audit notices a changed protected column and a row taken during a live lease",
  (ctx) => seedWorld(ctx.stack, { wallets: 1 }),
  async (ctx, world) => {
    const { stack } = ctx;
    const id = world.rows[0].id;
    let noticed = { protected: 0, overlap: 0 };
    await stack.sql.begin(async (tx) => {
      await tx`update public.wallet_balances set priority = priority + 1 where id = ${id}`;
      await tx`update public.wallet_balances
               set locked_by = 'run-a', locked_until = now() + interval '1 minute',
                   processing_status = 'processing' where id = ${id}`;
      await tx`update public.wallet_balances set locked_by = 'run-b' where id = ${id}`;
      const sql = tx as unknown as typeof stack.sql;
      noticed = {
        protected: (await protectedChanges(sql)).length,
        overlap: overlappingClaims(await leaseEvents(sql)).length,
      };
      throw new Rollback();
    }).catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
    assert.deepEqual(noticed, { protected: 1, overlap: 1 });
  },
);

harness.secretsTest();
