/**
 * Serves the function exactly as index.ts does, and exits cleanly on SIGTERM so that
 * `deno run --cpu-prof` writes its profile (a plain kill would lose it). Used by bench/profile.ts.
 */
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
await import("../supabase/functions/balance-sync/index.ts");
