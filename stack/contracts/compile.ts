/**
 * Compiles the test contracts in this folder with npm:solc (offline, about 0.8 s), once per process.
 */
import solc from "solc";
import type { Abi, Hex } from "viem";

export interface CompiledContract {
  abi: Abi;
  /** Creation code (constructor arguments not included). */
  bytecode: Hex;
  deployedBytecode: Hex;
}

export type ContractName = "TestToken" | "RevertingToken" | "MalformedToken" | "GasBurnerToken";

export const CONTRACT_NAMES: readonly ContractName[] = [
  "TestToken",
  "RevertingToken",
  "MalformedToken",
  "GasBurnerToken",
];

export class SolcError extends Error {
  override name = "SolcError";
  constructor(readonly errors: string[]) {
    super(`solc failed:\n${errors.join("\n")}`);
  }
}

let compiled: Promise<Record<ContractName, CompiledContract>> | undefined;

/** Compiled artifacts of every test contract; compiled on first use and cached in memory. */
export function compileContracts(): Promise<Record<ContractName, CompiledContract>> {
  compiled ??= Promise.resolve().then(compileNow).catch((error) => {
    compiled = undefined;
    throw error;
  });
  return compiled;
}

function compileNow(): Record<ContractName, CompiledContract> {
  const sources: Record<string, { content: string }> = {};
  for (const name of CONTRACT_NAMES) {
    sources[`${name}.sol`] = {
      content: Deno.readTextFileSync(new URL(`./${name}.sol`, import.meta.url)),
    };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      // paris: no PUSH0, so the bytecode runs on any EVM (and on TVM-like stand-ins) anvil emulates.
      evmVersion: "paris",
      optimizer: { enabled: true, runs: 200 },
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []) as { severity: string; formattedMessage: string }[];
  const fatal = errors.filter((e) => e.severity === "error").map((e) => e.formattedMessage);
  if (fatal.length > 0) throw new SolcError(fatal);

  const result = {} as Record<ContractName, CompiledContract>;
  for (const name of CONTRACT_NAMES) {
    const contract = output.contracts[`${name}.sol`][name];
    result[name] = {
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    };
  }
  return result;
}
