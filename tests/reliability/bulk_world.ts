/**
 * A large two-family world for the concurrency test, seeded in bulk: one statement per table,
 * one batched JSON-RPC request for the EVM native balances, one transaction per 250 token
 * balances. seedWorld (stack/data.ts) creates the chains, assets and tokens.
 */
import { setTokenBalances } from "../../stack/contracts/mod.ts";
import type { Stack } from "../../stack/stack.ts";
import {
  insertBalanceRows,
  randomEvmAddress,
  seedWorld,
  type World,
  worldBalance,
  type WorldOptions,
  type WorldRow,
} from "../../stack/data.ts";
import { toEvmAddress, toTronBase58 } from "../standins/tron_node.ts";

/** Sets many native balances on anvil in batched JSON-RPC requests of `perRequest` calls. */
async function setNativeBalances(
  rpcUrl: string,
  entries: readonly { address: string; wei: bigint }[],
  perRequest = 500,
): Promise<void> {
  for (let i = 0; i < entries.length; i += perRequest) {
    const batch = entries.slice(i, i + perRequest).map((e, k) => ({
      jsonrpc: "2.0",
      id: i + k,
      method: "anvil_setBalance",
      params: [e.address, `0x${e.wei.toString(16)}`],
    }));
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    const answers = await response.json() as { error?: { message: string } }[];
    const failed = answers.find((a) => a.error);
    if (failed) throw new Error(`anvil_setBalance: ${failed.error!.message}`);
  }
}

async function inParallel<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await each(items[next++]);
  }));
}

/**
 * `wallets` wallets holding all four assets of seedWorld's chains: 4 × wallets due rows, the
 * balances set on both chains (every hard case of worldBalance).
 */
export async function seedBulkWorld(
  stack: Stack,
  wallets: number,
  options: WorldOptions = {},
): Promise<World> {
  const { sql } = stack;
  const world = await seedWorld(stack, { ...options, wallets: 0 });
  const assets = await sql`
    select aoc.id::text as id, aoc.is_native, aoc.decimals, c.family
    from public.asset_on_chain aoc join public.chains c on c.id = aoc.chain_id`;
  const assetOf = (family: string, native: boolean) =>
    assets.find((a) => a.family === family && a.is_native === native)!;

  const holders = Array.from({ length: wallets }, () => {
    const evm = randomEvmAddress();
    return { evm, tron: toTronBase58(randomEvmAddress()) };
  });
  const walletRows = await sql`
    insert into public.wallets (label)
    select 'bulk ' || i from generate_series(1, ${wallets}::int) as i
    returning id::text as id`;
  const walletIds = walletRows.map((r) => r.id as string);
  const addressRows = walletIds.flatMap((walletId, i) => [
    { wallet_id: walletId, chain_id: world.evmChainId, address: holders[i].evm },
    { wallet_id: walletId, chain_id: world.tronChainId, address: holders[i].tron },
  ]);
  await sql`
    insert into public.user_wallet_addresses (wallet_id, chain_id, address, is_active)
    select a.wallet_id::uuid, a.chain_id::uuid, a.address, true
    from json_to_recordset(${JSON.stringify(addressRows)}::text::json)
      as a(wallet_id text, chain_id text, address text)`;

  const specs = [
    { family: "evm", native: true },
    { family: "evm", native: false },
    { family: "tron", native: true },
    { family: "tron", native: false },
  ] as const;
  const pairs = walletIds.flatMap((walletId) =>
    specs.map((s) => ({ walletId, assetOnChainId: assetOf(s.family, s.native).id as string }))
  );
  const ids = await insertBalanceRows(sql, pairs);

  walletIds.forEach((walletId, i) => {
    world.wallets.push({ id: walletId, evmAddress: holders[i].evm, tronAddress: holders[i].tron });
    specs.forEach((s, k) => {
      const row: WorldRow = {
        id: ids[i * specs.length + k],
        walletId,
        family: s.family,
        native: s.native,
        decimals: assetOf(s.family, s.native).decimals,
        address: s.family === "evm" ? holders[i].evm : holders[i].tron,
        raw: worldBalance(s.family, s.native, i),
      };
      world.rows.push(row);
    });
  });

  const balances = (family: "evm" | "tron", native: boolean) =>
    holders.map((h, i) => ({ holder: h, amount: worldBalance(family, native, i) }));
  await setNativeBalances(
    stack.anvil.rpcUrl,
    balances("evm", true).map((b) => ({ address: b.holder.evm, wei: b.amount })),
  );
  await setTokenBalances(
    stack.anvil.rpcUrl,
    world.evmToken,
    balances("evm", false).map((b) => ({ holder: b.holder.evm, amount: b.amount })),
  );
  await inParallel(
    balances("tron", true),
    16,
    (b) => stack.tron.setAccountBalance(b.holder.tron, b.amount),
  );
  await setTokenBalances(
    stack.tronAnvil.rpcUrl,
    toEvmAddress(world.tronToken),
    balances("tron", false).map((b) => ({ holder: toEvmAddress(b.holder.tron), amount: b.amount })),
  );
  return world;
}
