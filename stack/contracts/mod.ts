/**
 * Deploys the test contracts onto an anvil node and installs Multicall3.
 *
 * Every helper takes the node's JSON-RPC URL, so the TRON node stand-in can run the same bytecode
 * on its backing anvil.
 */
import { type Address, encodeDeployData, encodeFunctionData, type Hex } from "viem";
import { call, rpc, sendTransaction, setCode } from "../anvil.ts";
import { compileContracts, type ContractName } from "./compile.ts";

export { compileContracts, type CompiledContract, type ContractName } from "./compile.ts";

export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

export const UINT256_MAX = (1n << 256n) - 1n;

export class DeployError extends Error {
  override name = "DeployError";
  constructor(readonly contract: string, message: string) {
    super(`${contract}: ${message}`);
  }
}

/** Deploys a compiled contract from the dev account; returns its address. */
export async function deployContract(
  rpcUrl: string,
  name: ContractName,
  args: readonly unknown[] = [],
): Promise<Address> {
  const artifact = (await compileContracts())[name];
  const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  const receipt = await sendTransaction(rpcUrl, { data });
  if (!receipt.contractAddress) throw new DeployError(name, "receipt has no contractAddress");
  return receipt.contractAddress as Address;
}

export interface TokenOptions {
  decimals: number;
  name?: string;
  symbol?: string;
}

/** Deploys a TestToken (mintable ERC20 with `mint`, `setBalance`, `setBalances`). */
export const deployToken = (rpcUrl: string, options: TokenOptions): Promise<Address> =>
  deployContract(rpcUrl, "TestToken", [
    options.name ?? "Test Token",
    options.symbol ?? "TST",
    options.decimals,
  ]);

/** A token whose `balanceOf` always reverts with "balanceOf is disabled". */
export const deployReverting = (rpcUrl: string): Promise<Address> =>
  deployContract(rpcUrl, "RevertingToken");

/**
 * A token whose `balanceOf` succeeds but returns `returnLength` bytes instead of 32
 * (default 1). `returnLength: 0` is a contract that answers with empty data.
 */
export const deployMalformed = (
  rpcUrl: string,
  options: { returnLength?: number } = {},
): Promise<Address> =>
  deployContract(rpcUrl, "MalformedToken", [BigInt(options.returnLength ?? 1)]);

/** A token whose `balanceOf` burns all the gas it is given. */
export const deployGasBurner = (rpcUrl: string): Promise<Address> =>
  deployContract(rpcUrl, "GasBurnerToken");

async function tokenAbi() {
  return (await compileContracts()).TestToken.abi;
}

async function sendTokenCall(
  rpcUrl: string,
  token: string,
  functionName: string,
  args: readonly unknown[],
) {
  const data = encodeFunctionData({ abi: await tokenAbi(), functionName, args });
  return sendTransaction(rpcUrl, { to: token, data });
}

/** One TestToken transaction on `holder`'s balance with `amount`; resolves to its block. */
type BalanceWrite = (
  rpcUrl: string,
  token: string,
  holder: string,
  amount: bigint,
) => Promise<bigint>;

const balanceWrite =
  (functionName: "mint" | "setBalance"): BalanceWrite => async (rpcUrl, token, holder, amount) =>
    BigInt((await sendTokenCall(rpcUrl, token, functionName, [holder, amount])).blockNumber);

/** Adds `amount` to `holder`'s balance (one transaction, so one new block). Returns that block. */
export const mint = balanceWrite("mint");

/** Sets `holder`'s balance to `amount`, any uint256 (one transaction). Returns its block. */
export const setTokenBalance = balanceWrite("setBalance");

/** Sets many balances, in transactions of up to `perTransaction` holders. Returns the last block. */
export async function setTokenBalances(
  rpcUrl: string,
  token: string,
  entries: readonly { holder: string; amount: bigint }[],
  perTransaction = 250,
): Promise<bigint> {
  let block = -1n;
  for (let i = 0; i < entries.length; i += perTransaction) {
    const slice = entries.slice(i, i + perTransaction);
    const receipt = await sendTokenCall(rpcUrl, token, "setBalances", [
      slice.map((e) => e.holder),
      slice.map((e) => e.amount),
    ]);
    block = BigInt(receipt.blockNumber);
  }
  return block;
}

/** Reads `balanceOf(holder)` directly (not through the code under test). */
export async function tokenBalance(
  rpcUrl: string,
  token: string,
  holder: string,
  block: bigint | "latest" = "latest",
): Promise<bigint> {
  const data = encodeFunctionData({
    abi: await tokenAbi(),
    functionName: "balanceOf",
    args: [holder],
  });
  return BigInt(await call(rpcUrl, { to: token, data }, block));
}

let multicall3Creation: Promise<Hex> | undefined;

/** viem's bundled Multicall3 creation code. viem does not export it, so it is read from its build. */
export function multicall3CreationCode(): Promise<Hex> {
  multicall3Creation ??= (async () => {
    const file = new URL("./constants/contracts.js", import.meta.resolve("viem"));
    const source = await Deno.readTextFile(file);
    const match = source.match(/multicall3Bytecode\s*=\s*['"](0x[0-9a-fA-F]+)['"]/);
    if (!match) throw new DeployError("Multicall3", `no multicall3Bytecode in ${file}`);
    return match[1] as Hex;
  })();
  return multicall3Creation;
}

/**
 * Installs the Multicall3 runtime at `address` (default: the canonical one) with anvil_setCode.
 * The runtime comes from running the creation code in an eth_call.
 */
export async function installMulticall3(
  rpcUrl: string,
  address: string = MULTICALL3_ADDRESS,
): Promise<Address> {
  const runtime = await rpc<Hex>(rpcUrl, "eth_call", [
    { data: await multicall3CreationCode() },
    "latest",
  ]);
  if (!runtime || runtime === "0x") {
    throw new DeployError("Multicall3", "creation code returned no runtime");
  }
  await setCode(rpcUrl, address, runtime);
  return address as Address;
}

/** Removes any code at `address` (e.g. to make a chain look like it has no Multicall3). */
export const removeCode = (rpcUrl: string, address: string): Promise<void> =>
  setCode(rpcUrl, address, "0x");
