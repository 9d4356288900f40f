/**
 * Test harness for a real anvil node (npm `@foundry-rs/anvil`): start one on a free port, stop it,
 * and drive it with anvil's cheat-code RPC methods.
 */
import { tool, toolsBin } from "./bin.ts";

export interface Anvil {
  rpcUrl: string;
  port: number;
  /** Kills the node and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartAnvilOptions {
  /** 0 (default) lets anvil pick a free port and report it. */
  port?: number;
  /** Extra command-line arguments, e.g. `["--gas-limit", "1000000"]`. */
  args?: string[];
  /** Milliseconds to wait for "Listening on"; default 20 000. */
  readyTimeoutMs?: number;
}

/** anvil's first dev account: unlocked, funded, used to send every test transaction. */
export const DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

export class AnvilStartError extends Error {
  override name = "AnvilStartError";
  constructor(message: string, readonly output: string) {
    super(`${message}\n${output}`);
  }
}

export class RpcCallError extends Error {
  override name = "RpcCallError";
  constructor(
    readonly method: string,
    readonly code: number | undefined,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message}`);
  }
}

/**
 * The native anvil binary. `.bin/anvil` is a Node wrapper that spawns it; killing the wrapper
 * would orphan the node (and keep its pipes open), so the platform binary is run directly.
 */
function anvilBinary(): string {
  const foundry = `${toolsBin}/../@foundry-rs`;
  try {
    for (const entry of Deno.readDirSync(foundry)) {
      if (!entry.name.startsWith("anvil-")) continue;
      const candidate = `${foundry}/${entry.name}/bin/anvil`;
      if (Deno.statSync(candidate).isFile) return candidate;
    }
  } catch { /* not installed under tools/ */ }
  return tool("anvil");
}

export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const child = new Deno.Command(anvilBinary(), {
    args: [
      "--host",
      "127.0.0.1",
      "--port",
      String(options.port ?? 0),
      ...(options.args ?? []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let output = "";
  let stopped = false;
  const exited = child.status;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await exited;
  };

  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  const stderrDone = new Response(child.stderr).text().then((text) => output += text);
  const timeout = options.readyTimeoutMs ?? 20_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const port = await Promise.race([
      (async () => {
        while (true) {
          const { value, done } = await reader.read();
          if (done) throw new AnvilStartError("anvil exited before it was ready", output);
          output += decoder.decode(value, { stream: true });
          const match = output.match(/Listening on [^\s:]+:(\d+)/);
          if (match) return Number(match[1]);
        }
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AnvilStartError(`anvil not ready after ${timeout} ms`, output)),
          timeout,
        );
      }),
    ]);
    // Keep draining stdout so anvil never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* discard */ }
      } catch { /* closed */ }
    })();
    const rpcUrl = `http://127.0.0.1:${port}`;
    return {
      rpcUrl,
      port,
      stop: async () => {
        await stop();
        await stderrDone.catch(() => {});
      },
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

let nextId = 1;

/** One JSON-RPC call; throws RpcCallError on a JSON-RPC error. */
export async function rpc<T = unknown>(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  const body = await response.json();
  if (body.error) {
    throw new RpcCallError(method, body.error.code, body.error.message, body.error.data);
  }
  return body.result as T;
}

const hex = (value: bigint | number) => `0x${value.toString(16)}`;

export const setBalance = (rpcUrl: string, address: string, wei: bigint): Promise<void> =>
  rpc(rpcUrl, "anvil_setBalance", [address, hex(wei)]).then(() => {});

export const setCode = (rpcUrl: string, address: string, code: string): Promise<void> =>
  rpc(rpcUrl, "anvil_setCode", [address, code]).then(() => {});

export const setStorageAt = (
  rpcUrl: string,
  address: string,
  slot: string,
  value: string,
): Promise<void> => rpc(rpcUrl, "anvil_setStorageAt", [address, slot, value]).then(() => {});

export const getCode = (rpcUrl: string, address: string, block: bigint | "latest" = "latest") =>
  rpc<string>(rpcUrl, "eth_getCode", [address, typeof block === "bigint" ? hex(block) : block]);

export const getBalance = async (
  rpcUrl: string,
  address: string,
  block: bigint | "latest" = "latest",
): Promise<bigint> =>
  BigInt(
    await rpc<string>(rpcUrl, "eth_getBalance", [
      address,
      typeof block === "bigint" ? hex(block) : block,
    ]),
  );

export const blockNumber = async (rpcUrl: string): Promise<bigint> =>
  BigInt(await rpc<string>(rpcUrl, "eth_blockNumber"));

/** Mines `blocks` empty blocks. */
export const mine = (rpcUrl: string, blocks = 1): Promise<void> =>
  rpc(rpcUrl, "anvil_mine", [hex(blocks)]).then(() => {});

/** `eth_call` against a contract; returns the raw return data. */
export const call = (
  rpcUrl: string,
  tx: { to?: string; data: string; from?: string },
  block: bigint | "latest" = "latest",
) => rpc<string>(rpcUrl, "eth_call", [tx, typeof block === "bigint" ? hex(block) : block]);

export interface Receipt {
  status: string;
  contractAddress: string | null;
  blockNumber: string;
  transactionHash: string;
}

export class TransactionFailedError extends Error {
  override name = "TransactionFailedError";
  constructor(readonly receipt: Receipt) {
    super(`transaction ${receipt.transactionHash} failed (status ${receipt.status})`);
  }
}

/**
 * Sends a transaction from the unlocked dev account and returns its receipt. anvil mines every
 * transaction at once, so each call adds one block.
 */
export async function sendTransaction(
  rpcUrl: string,
  tx: { to?: string; data: string; value?: bigint; gas?: bigint },
  from: string = DEV_ACCOUNT,
): Promise<Receipt> {
  const hash = await rpc<string>(rpcUrl, "eth_sendTransaction", [{
    from,
    ...(tx.to ? { to: tx.to } : {}),
    data: tx.data,
    ...(tx.value !== undefined ? { value: hex(tx.value) } : {}),
    ...(tx.gas !== undefined ? { gas: hex(tx.gas) } : {}),
  }]);
  // anvil mines on submission, but the receipt can trail the returned hash by a moment.
  let receipt: Receipt | null = null;
  for (let attempt = 0; attempt < 200 && !receipt; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    receipt = await rpc<Receipt | null>(rpcUrl, "eth_getTransactionReceipt", [hash]);
  }
  if (!receipt) throw new Error(`no receipt for ${hash}: is anvil automining?`);
  if (receipt.status !== "0x1") throw new TransactionFailedError(receipt);
  return receipt;
}
