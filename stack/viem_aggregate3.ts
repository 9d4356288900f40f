/**
 * viem's encoding of Multicall3 aggregate3 calldata: the reference the function's hand-written
 * codec (chains/abi.ts) is checked against in its tests and measured against in the benchmark.
 */
import { encodeFunctionData, type Hex, multicall3Abi } from "viem";

/** One call of an aggregate3, as chains/abi.ts takes it: hex without 0x. */
export interface Aggregate3Call {
  target: string;
  callData: string;
}

/** aggregate3(calls) with allowFailure on every call, encoded by viem. */
export function viemEncodeAggregate3(calls: readonly Aggregate3Call[]): Hex {
  return encodeFunctionData({
    abi: multicall3Abi,
    functionName: "aggregate3",
    args: [calls.map((c) => ({
      target: `0x${c.target}` as Hex,
      allowFailure: true,
      callData: `0x${c.callData}` as Hex,
    }))],
  });
}
