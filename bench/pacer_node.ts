/**
 * A minimal TRON node for bench/pacer_cpu.ts, run in its own process so that its CPU is not
 * counted as the reader's: it answers `/wallet/getnowblock` and `/wallet/getaccount` with
 * java-tron's shapes and notes when each request arrived (GET /starts returns them, in ms).
 *
 *   deno run -A bench/pacer_node.ts   (prints its port on the first line)
 */
const starts: number[] = [];
const block = JSON.stringify({ block_header: { raw_data: { number: 1000 } } });
const account = JSON.stringify({ balance: 1_000_000 });

const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/starts") return Response.json(starts);
  starts.push(performance.timeOrigin + performance.now());
  await req.arrayBuffer();
  const body = path.endsWith("/getnowblock") ? block : account;
  return new Response(body, { headers: { "content-type": "application/json" } });
});
console.log(server.addr.port);
