/**
 * Serves the function exactly as index.ts does (or, with the argument `bundle`, as the deployed
 * dist/index.js), and exits cleanly on SIGTERM so that `deno run --cpu-prof` writes its profile
 * (a plain kill would lose it). Used by bench/profile.ts.
 */
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
if (Deno.args[0] === "bundle") await import("../supabase/functions/balance-sync/dist/index.js");
else await import("../supabase/functions/balance-sync/index.ts");
