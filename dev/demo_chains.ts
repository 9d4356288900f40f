/**
 * Puts the demo on the local chains, driven by what the database holds (supabase/seed.sql): the
 * Multicall3 of each chain at its multicall_address, each token's code at its contract_address,
 * and every seeded address's starting funds (dev/demo.ts). Editing the seed is enough to change
 * the demo; nothing here repeats an address or an id.
 */
import { getCode, rpc, setBalance, setCode, setStorageAt } from "../stack/anvil.ts";
import { deployToken, installMulticall3, setTokenBalance } from "../stack/contracts/mod.ts";
import type { Sql } from "../stack/pg.ts";
import { toEvmAddress, type TronNode } from "../stack/standins/tron_node.ts";
import { DEMO_FUNDS, parseUnits } from "./demo.ts";

export type Family = "evm" | "tron";

export interface DemoNodes {
  /** anvil of the EVM chain. */
  evmRpcUrl: string;
  /** anvil behind the TRON stand-in (contracts and TRX live there too). */
  tronAnvilRpcUrl: string;
  tron: Pick<TronNode, "setAccountBalance" | "removeAccount">;
}

export interface DemoAsset {
  chainId: string;
  chainName: string;
  family: Family;
  symbol: string;
  name: string;
  decimals: number;
  isNative: boolean;
  contractAddress: string | null;
}

export interface DemoHolder {
  wallet: string;
  chainId: string;
  address: string;
}

export interface DemoConfig {
  chains: { id: string; name: string; family: Family; multicallAddress: string | null }[];
  assets: DemoAsset[];
  holders: DemoHolder[];
}

export class DemoSetupError extends Error {
  override name = "DemoSetupError";
  constructor(message: string, readonly data: { chain?: string; asset?: string } = {}) {
    super(message);
  }
}

/** The seeded chains, assets and addresses (active ones only). */
export async function readDemoConfig(sql: Sql): Promise<DemoConfig> {
  const chains = await sql<
    { id: string; name: string; family: Family; multicall: string | null }[]
  >`
    select id::text, name, family, multicall_address as multicall
    from public.chains where is_active and family in ('evm', 'tron') order by name`;
  const assets = await sql<
    {
      chain_id: string;
      chain_name: string;
      family: Family;
      symbol: string;
      name: string;
      decimals: number;
      is_native: boolean;
      contract_address: string | null;
    }[]
  >`
    select aoc.chain_id::text, c.name as chain_name, c.family, a.symbol, coalesce(a.name, a.symbol)
           as name, aoc.decimals, aoc.is_native, aoc.contract_address
    from public.asset_on_chain as aoc
    join public.assets as a on a.id = aoc.asset_id
    join public.chains as c on c.id = aoc.chain_id
    where aoc.is_active and c.is_active and c.family in ('evm', 'tron') and aoc.decimals is not null
    order by c.name, a.symbol`;
  const holders = await sql<{ wallet: string; chain_id: string; address: string }[]>`
    select coalesce(w.label, w.id::text) as wallet, uwa.chain_id::text, uwa.address
    from public.user_wallet_addresses as uwa
    join public.wallets as w on w.id = uwa.wallet_id
    where uwa.is_active and uwa.address is not null
    order by w.label, uwa.chain_id`;
  return {
    chains: chains.map((c) => ({
      id: c.id,
      name: c.name,
      family: c.family,
      multicallAddress: c.multicall,
    })),
    assets: assets.map((a) => ({
      chainId: a.chain_id,
      chainName: a.chain_name,
      family: a.family,
      symbol: a.symbol,
      name: a.name,
      decimals: a.decimals,
      isNative: a.is_native,
      contractAddress: a.contract_address,
    })),
    holders: holders.map((h) => ({ wallet: h.wallet, chainId: h.chain_id, address: h.address })),
  };
}

/** The 0x form that anvil sees (TRON addresses map 41... <-> 0x...). */
export const evmForm = (family: Family, address: string): string =>
  family === "tron" ? toEvmAddress(address) : address;

export const rpcFor = (nodes: DemoNodes, family: Family): string =>
  family === "tron" ? nodes.tronAnvilRpcUrl : nodes.evmRpcUrl;

/**
 * Deploys a TestToken and moves it to `target`: its runtime code plus the constructor's storage
 * (name, symbol, decimals, totalSupply in slots 0-3; short strings live inside their slot).
 */
export async function installTokenAt(
  rpcUrl: string,
  target: string,
  token: { name: string; symbol: string; decimals: number },
): Promise<void> {
  for (const text of [token.name, token.symbol]) {
    if (new TextEncoder().encode(text).length > 31) {
      throw new DemoSetupError(`token name or symbol longer than 31 bytes: ${text}`);
    }
  }
  const deployed = await deployToken(rpcUrl, token);
  if (deployed.toLowerCase() === target.toLowerCase()) return;
  await setCode(rpcUrl, target, await getCode(rpcUrl, deployed));
  for (let slot = 0; slot < 4; slot++) {
    const key = `0x${slot.toString(16).padStart(64, "0")}`;
    const value = await rpc<string>(rpcUrl, "eth_getStorageAt", [deployed, key, "latest"]);
    await setStorageAt(rpcUrl, target, key, value);
  }
}

function fundOf(holder: DemoHolder, asset: DemoAsset): bigint {
  const fund = DEMO_FUNDS.find((f) =>
    f.wallet === holder.wallet && f.family === asset.family && f.symbol === asset.symbol
  );
  return parseUnits(fund?.amount ?? "0", asset.decimals);
}

export interface InstalledDemo {
  config: DemoConfig;
  /** What each seeded address holds now, for the start-up message. */
  funded: { wallet: string; chain: string; symbol: string; raw: bigint; decimals: number }[];
}

export async function installDemoChains(sql: Sql, nodes: DemoNodes): Promise<InstalledDemo> {
  const config = await readDemoConfig(sql);
  if (config.chains.length === 0) {
    throw new DemoSetupError("no active evm or tron chain in the database: was the seed applied?");
  }
  for (const chain of config.chains) {
    if (chain.multicallAddress) {
      await installMulticall3(
        rpcFor(nodes, chain.family),
        evmForm(chain.family, chain.multicallAddress),
      );
    }
  }
  for (const asset of config.assets.filter((a) => !a.isNative)) {
    if (!asset.contractAddress) continue;
    await installTokenAt(
      rpcFor(nodes, asset.family),
      evmForm(asset.family, asset.contractAddress),
      {
        name: asset.name,
        symbol: asset.symbol,
        decimals: asset.decimals,
      },
    );
  }
  const funded: InstalledDemo["funded"] = [];
  for (const asset of config.assets) {
    const rpcUrl = rpcFor(nodes, asset.family);
    for (const holder of config.holders.filter((h) => h.chainId === asset.chainId)) {
      const raw = fundOf(holder, asset);
      const address = evmForm(asset.family, holder.address);
      if (asset.isNative && asset.family === "tron") {
        if (raw === 0n) await nodes.tron.removeAccount(holder.address);
        else await nodes.tron.setAccountBalance(holder.address, raw);
      } else if (asset.isNative) {
        await setBalance(rpcUrl, address, raw);
      } else if (asset.contractAddress) {
        await setTokenBalance(rpcUrl, evmForm(asset.family, asset.contractAddress), address, raw);
      }
      funded.push({
        wallet: holder.wallet,
        chain: asset.chainName,
        symbol: asset.symbol,
        raw,
        decimals: asset.decimals,
      });
    }
  }
  return { config, funded };
}
