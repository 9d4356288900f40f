/**
 * Makes sure a fresh Debian machine with Node/npm can run the stack: the pinned npm tools, and
 * PostgreSQL with pg_cron and pgTAP. Installs what it can; says exactly what to install otherwise,
 * and exits 1.
 *
 * `deno task test` runs this file first; `deno task dev` and `deno task bench` call
 * ensurePrerequisites() once their command line is known to be valid (so `--help` installs nothing).
 */
import { postgresBinDir, repoRoot, toolsBin } from "./bin.ts";

async function run(cmd: string, args: string[]): Promise<boolean> {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  const { success } = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" })
    .output();
  return success;
}

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

function postgresReady(): string | null {
  try {
    const bin = postgresBinDir();
    const major = bin.split("/").at(-2);
    const share = `/usr/share/postgresql/${major}/extension`;
    if (!exists(`${share}/pg_cron.control`)) return `postgresql-${major}-cron`;
    if (!exists(`${share}/pgtap.control`)) return `postgresql-${major}-pgtap`;
    if (!exists("/usr/bin/pg_prove")) return "libtap-parser-sourcehandler-pgtap-perl";
    return null;
  } catch {
    return "postgresql";
  }
}

/** Installs the pinned tools and checks PostgreSQL (with pg_cron and pgTAP); exits 1 if it cannot. */
export async function ensurePrerequisites(): Promise<void> {
  if (!["anvil", "supabase", "deno"].every((t) => exists(`${toolsBin}/${t}`))) {
    const ok = await run("npm", ["ci", "--prefix", `${repoRoot}/tools`, "--no-audit", "--no-fund"]);
    if (!ok) {
      console.error("Could not install the pinned tools. Run: npm ci --prefix tools");
      Deno.exit(1);
    }
  }

  let missing = postgresReady();
  if (missing) {
    const isRoot = Deno.uid?.() === 0;
    if (isRoot && exists("/usr/bin/apt-get")) {
      await run("apt-get", ["update", "-qq"]);
      for (let i = 0; i < 4 && missing; i++) {
        const pkgs = missing === "postgresql" ? ["postgresql", "postgresql-contrib"] : [missing];
        if (!await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs])) {
          break;
        }
        missing = postgresReady();
      }
    }
    if (missing) {
      console.error(
        `PostgreSQL with pg_cron and pgTAP is needed (missing: ${missing}). On Debian run:\n` +
          "  sudo apt-get install postgresql postgresql-contrib\n" +
          "  sudo apt-get install postgresql-$(ls /usr/lib/postgresql | sort -n | tail -1)-cron " +
          "postgresql-$(ls /usr/lib/postgresql | sort -n | tail -1)-pgtap " +
          "libtap-parser-sourcehandler-pgtap-perl",
      );
      Deno.exit(1);
    }
  }
}

if (import.meta.main) await ensurePrerequisites();
