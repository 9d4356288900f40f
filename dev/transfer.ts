/**
 * `deno task dev:transfer`: asks the running `deno task dev` (or `deno task dev --chains-only`)
 * to move a tenth of some demo funds between two demo wallets on each local chain, and prints
 * what moved. Run it again to move funds along to the next wallet.
 */
import { parseNoArgs, TRANSFER_USAGE } from "./cli.ts";
import { FORCE_COMMAND, readState } from "./state.ts";

const exit = parseNoArgs(Deno.args, TRANSFER_USAGE, "deno task dev:transfer");
if (exit !== null) Deno.exit(exit);

const state = readState();
if (!state) {
  console.error("No local stack is running. Start one with `deno task dev` (in another terminal).");
  Deno.exit(1);
}
let response: Response;
try {
  response = await fetch(`${state.controlUrl}/_dev/transfer`, { method: "POST" });
} catch {
  console.error(
    `The local stack at ${state.controlUrl} does not answer. Is \`deno task dev\` still running?`,
  );
  Deno.exit(1);
}
const body = await response.json().catch(() => ({}));
if (!response.ok) {
  console.error(`Moving funds failed: ${body.error ?? response.status}`);
  Deno.exit(1);
}
for (const line of body.lines as string[]) console.log(line);
console.log("");
console.log("pg_cron syncs these balances on its next run; the live view marks what changed.");
if (state.functionUrl) console.log(`To sync right now instead: ${FORCE_COMMAND}`);
