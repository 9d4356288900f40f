/**
 * CPU time and peak memory of a process, read from /proc (Linux). Measured by the kernel, so the
 * same for the function's process and the seed strategy's process, and nothing needs to be added
 * to the code under test.
 */

const TICKS_PER_SECOND = 100; // USER_HZ; `getconf CLK_TCK` is 100 on Linux x86_64 and arm64

export interface ProcSample {
  /** utime + stime of every thread, milliseconds. */
  cpuMs: number;
  /**
   * CPU ms of the process's main thread, where Deno runs the function's JavaScript: the clock the
   * Edge Runtime's CPU limit counts (the isolate's own thread; supabase/functions/balance-sync/
   * cpu.ts). NaN where schedstat cannot be read.
   */
  mainThreadCpuMs: number;
  /** Peak resident set size so far (VmHWM), MiB. */
  peakRssMb: number;
  /** Current resident set size (VmRSS), MiB. */
  rssMb: number;
}

export async function procSample(pid: number | "self"): Promise<ProcSample> {
  const [stat, status, schedstat] = await Promise.all([
    Deno.readTextFile(`/proc/${pid}/stat`),
    Deno.readTextFile(`/proc/${pid}/status`),
    // The main thread's id is the process id.
    Deno.readTextFile(`/proc/${pid}/task/${pid === "self" ? Deno.pid : pid}/schedstat`)
      .catch(() => ""),
  ]);
  // The command name (field 2) may contain spaces: fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const kb = (name: string) => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : NaN;
  };
  return {
    cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND,
    mainThreadCpuMs: schedstat === "" ? NaN : Number(schedstat.split(" ", 1)[0]) / 1e6,
    peakRssMb: kb("VmHWM") / 1024,
    rssMb: kb("VmRSS") / 1024,
  };
}
