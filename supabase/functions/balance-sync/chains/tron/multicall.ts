/**
 * Multicall3 on TRON: the calldata is plain ABI (TVM sees 20-byte addresses), encoded and decoded
 * by the same codec as on EVM (abi.ts); the call itself goes through triggerconstantcontract
 * with the selector below and the encoded arguments as `rawParameter`. TVM's BALANCE opcode,
 * hence Multicall3's getEthBalance, answers an account's TRX balance in sun.
 */
import {
  addressCall,
  addressHex,
  type Aggregate3Call,
  type Aggregate3Result,
  decodeAggregate3,
  encodeAggregate3Arguments,
  SELECTOR,
} from "../abi.ts";

export const AGGREGATE3_SELECTOR = "aggregate3((address,bool,bytes)[])";

/** One balance inside an aggregate: native via getEthBalance on Multicall3 itself, or balanceOf. */
export interface MulticallBalance {
  holder: `0x${string}`;
  /** null: the TRX balance. */
  token: `0x${string}` | null;
}

/** The ABI-encoded arguments of aggregate3 (no selector), hex without 0x, for `rawParameter`. */
export function encodeAggregate3Parameter(
  multicall: `0x${string}`,
  balances: MulticallBalance[],
): string {
  const self = addressHex(multicall);
  const calls: Aggregate3Call[] = new Array(balances.length);
  for (let i = 0; i < balances.length; i++) {
    const { holder, token } = balances[i];
    calls[i] = token === null
      ? { target: self, callData: addressCall(SELECTOR.getEthBalance, addressHex(holder)) }
      : {
        target: addressHex(token),
        callData: addressCall(SELECTOR.balanceOf, addressHex(holder)),
      };
  }
  return encodeAggregate3Arguments(calls);
}

/** Decodes aggregate3's return; throws AbiDecodeError unless it is an answer for `expected` calls. */
export const decodeAggregate3Result = (returnData: string, expected: number): Aggregate3Result[] =>
  decodeAggregate3(`0x${returnData.replace(/^0x/, "")}`, expected);
