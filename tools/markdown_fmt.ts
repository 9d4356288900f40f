/**
 * Markdown as `deno fmt` writes it in this repository (its deno.json: line width 100), so that the
 * files the tools generate pass `deno fmt --check` as they are written.
 */
const ROOT_PATH = decodeURIComponent(new URL("../", import.meta.url).pathname);

export async function formatMarkdown(markdown: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: ROOT_PATH,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `deno fmt failed:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}
