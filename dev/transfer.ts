/**
 * `deno task dev:transfer`: asks the running `deno task dev` (or `deno task dev --chains-only`)
 * to move a tenth of some demo funds between two demo wallets on each local chain, and prints
 * what moved. Run it again to move funds along to the next wallet.
 */
import { parseNoArgs, TRANSFER_USAGE } from "./cli.ts";
import { askRunningStack } from "./control.ts";
import { FORCE_COMMAND } from "./state.ts";

const exit = parseNoArgs(Deno.args, TRANSFER_USAGE, "deno task dev:transfer");
if (exit !== null) Deno.exit(exit);

const { state, body } = await askRunningStack("transfer", "Moving funds failed");
for (const line of body.lines) console.log(line);
console.log("");
console.log("pg_cron syncs these balances on its next run; the live view marks what changed.");
if (state.functionUrl) console.log(`To sync right now instead: ${FORCE_COMMAND}`);
