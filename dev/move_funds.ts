/**
 * Moves a tenth of some demo funds between two seeded wallets on every local chain, so that the
 * next sync shows balances changing. EVM moves are real transactions sent by the holder (anvil
 * impersonates it), so the sender also pays gas. The TRON stand-in has no transaction endpoints:
 * TRX moves by setting both account balances, TRC20 by one setBalances transaction of the token.
 */
import { encodeFunctionData, erc20Abi } from "viem";
import { getBalance, rpc, sendTransaction } from "../stack/anvil.ts";
import { setTokenBalances, tokenBalance } from "../stack/contracts/mod.ts";
import type { Sql } from "../stack/pg.ts";
import { formatUnits } from "./demo.ts";
import { type DemoAsset, type DemoNodes, evmForm, readDemoConfig, rpcFor } from "./demo_chains.ts";

export interface Move {
  chain: string;
  symbol: string;
  from: string;
  to: string;
  /** Human amount moved, or why nothing moved. */
  amount: string | null;
  skipped?: string;
}

async function balanceOf(nodes: DemoNodes, asset: DemoAsset, holder: string): Promise<bigint> {
  const rpcUrl = rpcFor(nodes, asset.family);
  const address = evmForm(asset.family, holder);
  if (asset.isNative) return await getBalance(rpcUrl, address);
  return await tokenBalance(rpcUrl, evmForm(asset.family, asset.contractAddress!), address);
}

/** A tenth of the balance, rounded down to two decimals (or to 1 unit for tiny decimals). */
export function tenth(balance: bigint, decimals: number): bigint {
  const unit = 10n ** BigInt(Math.max(0, decimals - 2));
  return balance / 10n / unit * unit;
}

async function send(
  nodes: DemoNodes,
  asset: DemoAsset,
  from: string,
  to: string,
  amount: bigint,
): Promise<void> {
  const rpcUrl = rpcFor(nodes, asset.family);
  if (asset.family === "tron" && asset.isNative) {
    const [a, b] = [await balanceOf(nodes, asset, from), await balanceOf(nodes, asset, to)];
    await nodes.tron.setAccountBalance(from, a - amount);
    await nodes.tron.setAccountBalance(to, b + amount);
    return;
  }
  if (asset.family === "tron") {
    const [a, b] = [await balanceOf(nodes, asset, from), await balanceOf(nodes, asset, to)];
    await setTokenBalances(rpcUrl, evmForm("tron", asset.contractAddress!), [
      { holder: evmForm("tron", from), amount: a - amount },
      { holder: evmForm("tron", to), amount: b + amount },
    ]);
    return;
  }
  await rpc(rpcUrl, "anvil_impersonateAccount", [from]);
  try {
    if (asset.isNative) {
      await sendTransaction(rpcUrl, { to, data: "0x", value: amount }, from);
    } else {
      const data = encodeFunctionData({
        abi: erc20Abi,
        functionName: "transfer",
        args: [to as `0x${string}`, amount],
      });
      await sendTransaction(rpcUrl, { to: asset.contractAddress!, data }, from);
    }
  } finally {
    await rpc(rpcUrl, "anvil_stopImpersonatingAccount", [from]);
  }
}

/** Round n moves from the n-th holder of each chain to the next one (wrapping around). */
export async function moveDemoFunds(sql: Sql, nodes: DemoNodes, round: number): Promise<Move[]> {
  const config = await readDemoConfig(sql);
  const moves: Move[] = [];
  for (const chain of config.chains) {
    const holders = config.holders.filter((h) => h.chainId === chain.id);
    if (holders.length < 2) continue;
    const from = holders[round % holders.length];
    const to = holders[(round + 1) % holders.length];
    // Tokens before the native coin: on EVM the token transfer needs the sender's gas.
    const assets = config.assets.filter((a) => a.chainId === chain.id)
      .sort((a, b) => Number(a.isNative) - Number(b.isNative));
    for (const asset of assets) {
      const move: Move = {
        chain: chain.name,
        symbol: asset.symbol,
        from: from.wallet,
        to: to.wallet,
        amount: null,
      };
      moves.push(move);
      if (!asset.isNative && !asset.contractAddress) {
        move.skipped = "no contract address";
        continue;
      }
      const amount = tenth(await balanceOf(nodes, asset, from.address), asset.decimals);
      if (amount === 0n) {
        move.skipped = `${from.wallet} holds no ${asset.symbol}`;
        continue;
      }
      try {
        await send(nodes, asset, from.address, to.address, amount);
        move.amount = formatUnits(amount, asset.decimals);
      } catch (error) {
        move.skipped = (error as Error).message.split("\n")[0].slice(0, 120);
      }
    }
  }
  return moves;
}

export const describeMove = (m: Move): string =>
  `${m.chain.padEnd(22)} ${m.symbol.padEnd(5)} ${m.from} → ${m.to}: ` +
  (m.amount !== null ? m.amount : `nothing moved (${m.skipped})`);
