/** A fresh anvil with the TRON full-node stand-in on it, for tests of one module. */
import { type Anvil, startAnvil } from "../../stack/anvil.ts";
import {
  startTronNode,
  type StartTronNodeOptions,
  type TronNode,
} from "../../stack/standins/tron_node.ts";

export interface TronEnv {
  anvil: Anvil;
  node: TronNode;
}

/**
 * Runs `fn` on a fresh anvil and stand-in (with the stand-in's options, e.g. its latency); both
 * are stopped however `fn` ends.
 */
export async function withTronNode<T>(
  fn: (env: TronEnv) => Promise<T>,
  options: Omit<StartTronNodeOptions, "anvilRpcUrl"> = {},
): Promise<T> {
  const anvil = await startAnvil();
  let node: TronNode | undefined;
  try {
    node = await startTronNode({ ...options, anvilRpcUrl: anvil.rpcUrl });
    return await fn({ anvil, node });
  } finally {
    await node?.stop();
    await anvil.stop();
  }
}
