/**
 * A chain behind a provider with public limits: anvil with Multicall3 and an ERC20, behind the
 * counting proxy (rpc_proxy.ts) set to refuse like a public endpoint: batches of at most 10
 * calls, an eth_call gas cap that fits about 50 balanceOf calls in one aggregate3, answers of at
 * most 100 kB. Shared by the adaptive-sizing tests and `deno task bench:limits`.
 */
import { rpc, startAnvil } from "./anvil.ts";
import {
  deployToken,
  installMulticall3,
  MULTICALL3_ADDRESS,
  setTokenBalances,
} from "./contracts/mod.ts";
import { type ProviderLimits, type RpcProxy, startRpcProxy } from "./rpc_proxy.ts";
import {
  addressCall,
  addressHex,
  encodeAggregate3,
  SELECTOR,
} from "../supabase/functions/balance-sync/chains/abi.ts";

export const PUBLIC_BATCH = 10;
export const PUBLIC_RESPONSE_BYTES = 100_000;
/** balanceOf calls one aggregate3 may hold under the gas cap. */
export const PUBLIC_GAS_CALLS = 50;

export interface LimitedProvider {
  /** The proxy's URL: what a chain row points at. */
  rpcUrl: string;
  /** anvil itself, past the limits (setup, mining). */
  anvilUrl: string;
  proxy: RpcProxy;
  token: string;
  holders: string[];
  limits: ProviderLimits;
  stop(): Promise<void>;
}

export const holderAddress = (i: number) => `0x${(0xadd0000 + i).toString(16).padStart(40, "0")}`;

/**
 * Starts the chain with `holders` token holders (balance i+1 each) and the proxy with the public
 * limits. The gas cap is about what eth_estimateGas says an aggregate3 of PUBLIC_GAS_CALLS
 * balanceOf calls needs, so that many pass and a few more run out of gas.
 */
export async function startLimitedProvider(holderCount: number): Promise<LimitedProvider> {
  const anvil = await startAnvil();
  try {
    await installMulticall3(anvil.rpcUrl);
    const token = await deployToken(anvil.rpcUrl, { decimals: 6 });
    const holders = Array.from({ length: holderCount }, (_, i) => holderAddress(i));
    await setTokenBalances(
      anvil.rpcUrl,
      token,
      holders.map((holder, i) => ({ holder, amount: BigInt(i + 1) })),
    );
    const estimate = BigInt(
      await rpc<string>(anvil.rpcUrl, "eth_estimateGas", [{
        to: MULTICALL3_ADDRESS,
        data: encodeAggregate3(
          holders.slice(0, PUBLIC_GAS_CALLS).map((h) => ({
            target: addressHex(token),
            callData: addressCall(SELECTOR.balanceOf, addressHex(h)),
          })),
        ),
      }]),
    );
    // 1% above the estimate: every aggregate of PUBLIC_GAS_CALLS passes (calldata costs vary a
    // little with the holders' zero bytes), two more calls do not.
    const gasCap = estimate + estimate / 100n;
    const limits: ProviderLimits = {
      maxBatch: PUBLIC_BATCH,
      gasCap,
      maxResponseBytes: PUBLIC_RESPONSE_BYTES,
    };
    const proxy = await startRpcProxy({ target: anvil.rpcUrl, limits });
    return {
      rpcUrl: proxy.url,
      anvilUrl: anvil.rpcUrl,
      proxy,
      token,
      holders,
      limits,
      stop: async () => {
        await proxy.stop();
        await anvil.stop();
      },
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
