/**
 * `deno task dev:sync`: asks the running `deno task dev` to force a sync of every row now (one
 * `{"chain_id": …}` force-sync per chain), and prints what each run did.
 */
import { parseNoArgs, SYNC_USAGE } from "./cli.ts";
import { readState } from "./state.ts";

const exit = parseNoArgs(Deno.args, SYNC_USAGE, "deno task dev:sync");
if (exit !== null) Deno.exit(exit);

const state = readState();
if (!state) {
  console.error("No local stack is running. Start one with `deno task dev` (in another terminal).");
  Deno.exit(1);
}
if (!state.functionUrl) {
  console.error(
    "The running stack is `deno task dev --chains-only`: the function runs under " +
      "`supabase functions serve`; force a sync with curl (README, HTTP API).",
  );
  Deno.exit(1);
}
let response: Response;
try {
  response = await fetch(`${state.controlUrl}/_dev/sync`, { method: "POST" });
} catch {
  console.error(
    `The local stack at ${state.controlUrl} does not answer. Is \`deno task dev\` still running?`,
  );
  Deno.exit(1);
}
const body = await response.json().catch(() => ({}));
if (!response.ok) {
  console.error(`Forcing a sync failed: ${body.error ?? response.status}`);
  Deno.exit(1);
}
for (const line of body.lines as string[]) console.log(line);
Deno.exit(body.failedChains > 0 ? 1 : 0);
