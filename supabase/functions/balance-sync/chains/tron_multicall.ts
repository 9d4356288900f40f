/**
 * Multicall3 on TRON: the calldata is plain ABI (TVM sees 20-byte addresses), encoded and decoded
 * with viem; the call itself goes through tronweb's triggerConstantContract with the selector
 * below and the encoded arguments as `rawParameter`. TVM's BALANCE opcode, hence Multicall3's
 * getEthBalance, answers an account's TRX balance in sun.
 */
import { decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { revertReason } from "./tron_json.ts";

export const AGGREGATE3_SELECTOR = "aggregate3((address,bool,bytes)[])";

const multicall3Abi = [
  {
    type: "function",
    name: "aggregate3",
    stateMutability: "payable",
    inputs: [{
      name: "calls",
      type: "tuple[]",
      components: [
        { name: "target", type: "address" },
        { name: "allowFailure", type: "bool" },
        { name: "callData", type: "bytes" },
      ],
    }],
    outputs: [{
      name: "returnData",
      type: "tuple[]",
      components: [
        { name: "success", type: "bool" },
        { name: "returnData", type: "bytes" },
      ],
    }],
  },
  {
    type: "function",
    name: "getEthBalance",
    stateMutability: "view",
    inputs: [{ name: "addr", type: "address" }],
    outputs: [{ name: "balance", type: "uint256" }],
  },
] as const;

const erc20Abi = [{
  type: "function",
  name: "balanceOf",
  stateMutability: "view",
  inputs: [{ name: "owner", type: "address" }],
  outputs: [{ name: "", type: "uint256" }],
}] as const;

/** One balance inside an aggregate: native via getEthBalance on Multicall3 itself, or balanceOf. */
export interface MulticallBalance {
  holder: Hex;
  /** null: the TRX balance. */
  token: Hex | null;
}

export interface CallResult {
  success: boolean;
  /** Lowercase hex without 0x. */
  returnData: string;
}

/** The ABI-encoded arguments of aggregate3 (no selector), hex without 0x, for `rawParameter`. */
export function encodeAggregate3Parameter(multicall: Hex, balances: MulticallBalance[]): string {
  const calls = balances.map((b) =>
    b.token === null
      ? {
        target: multicall,
        allowFailure: true,
        callData: encodeFunctionData({
          abi: multicall3Abi,
          functionName: "getEthBalance",
          args: [b.holder],
        }),
      }
      : {
        target: b.token,
        allowFailure: true,
        callData: encodeFunctionData({
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [b.holder],
        }),
      }
  );
  const data = encodeFunctionData({
    abi: multicall3Abi,
    functionName: "aggregate3",
    args: [calls],
  });
  return data.slice(10);
}

/** Decodes aggregate3's return; throws when it is not a well-formed answer for `expected` calls. */
export function decodeAggregate3Result(returnData: string, expected: number): CallResult[] {
  const decoded = decodeFunctionResult({
    abi: multicall3Abi,
    functionName: "aggregate3",
    data: `0x${returnData.replace(/^0x/, "")}`,
  });
  if (decoded.length !== expected) {
    throw new Error(`aggregate3 returned ${decoded.length} results for ${expected} calls`);
  }
  return decoded.map((r) => ({
    success: r.success,
    returnData: r.returnData.slice(2).toLowerCase(),
  }));
}

/** The reason of a failed inner call, when it reverted with Error(string). */
export const innerRevertReason = (result: CallResult): string | undefined =>
  revertReason(result.returnData);
