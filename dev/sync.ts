/**
 * `deno task dev:sync`: asks the running `deno task dev` to force a sync of every row now (one
 * `{"chain_id": …}` force-sync per chain), and prints what each run did.
 */
import { parseNoArgs, SYNC_USAGE } from "./cli.ts";
import { askRunningStack } from "./control.ts";

const exit = parseNoArgs(Deno.args, SYNC_USAGE, "deno task dev:sync");
if (exit !== null) Deno.exit(exit);

const { body } = await askRunningStack(
  "sync",
  "Forcing a sync failed",
  (state) =>
    state.functionUrl ? null : "The running stack is `deno task dev --chains-only`: the function " +
      "runs under `supabase functions serve`; force a sync with curl (docs/api.md).",
);
for (const line of body.lines) console.log(line);
Deno.exit((body.failedChains ?? 0) > 0 ? 1 : 0);
