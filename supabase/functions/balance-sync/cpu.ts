import process from "node:process";

/**
 * CPU time used since the clock started, in ms, or null where the runtime cannot tell.
 *
 * It reads `process.cpuUsage()` (node:process: user + system time of the whole process, which
 * Deno and Supabase's Edge Runtime provide). The Edge Runtime runs one request per isolate at a
 * time in production, so there it is the run's own CPU; where one process serves several runs at
 * once (local serving, tests) it is an upper bound, since it includes the others' CPU.
 */
export function startCpuClock(): () => number | null {
  let start: ReturnType<typeof process.cpuUsage>;
  try {
    start = process.cpuUsage();
    if (typeof start?.user !== "number") return () => null;
  } catch {
    return () => null;
  }
  return () => {
    try {
      const used = process.cpuUsage(start);
      return Math.round((used.user + used.system) / 1000);
    } catch {
      return null;
    }
  };
}
