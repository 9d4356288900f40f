/**
 * A webhook receiver over real HTTP that verifies every delivery with the Standard Webhooks
 * reference library, the way a consumer would. What it answers is up to the test (`answer`), and
 * it can be stopped and started again on the same port (a receiver that is down).
 */
import { Webhook } from "standardwebhooks";

export interface Delivery {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The change ids of the payload, in the order received. */
  ids: number[];
  /** Answered with this status. */
  status: number;
  /** The signature verified. */
  verified: boolean;
  receivedAt: number;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly deliveries: Delivery[];
  /** Status to answer to the next delivery; default 200. */
  answer: (delivery: Omit<Delivery, "status">) => number;
  /** Stops listening (connections are refused); start() listens on the same port again. */
  stop(): Promise<void>;
  start(): void;
}

/** A random whsec_ secret (32 bytes). */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export function startReceiver(secret: string, path = "/hook"): Receiver {
  const webhook = new Webhook(secret);
  let server: Deno.HttpServer | null = null;
  let port = 0;
  const receiver: Receiver = {
    get url() {
      return `http://127.0.0.1:${port}${path}`;
    },
    get port() {
      return port;
    },
    deliveries: [],
    answer: () => 200,
    stop: async () => {
      await server?.shutdown();
      server = null;
    },
    start: () => {
      server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen: () => {},
      }, async (request) => {
        const body = await request.text();
        const headers = Object.fromEntries(request.headers);
        let verified = false;
        try {
          webhook.verify(body, headers);
          verified = true;
        } catch { /* recorded as not verified */ }
        let ids: number[] = [];
        try {
          ids = JSON.parse(body).data.changes.map((c: { id: number }) => c.id);
        } catch { /* not our payload */ }
        const seen = {
          webhookId: headers["webhook-id"] ?? "",
          timestamp: headers["webhook-timestamp"] ?? "",
          signature: headers["webhook-signature"] ?? "",
          body,
          ids,
          verified,
          receivedAt: Date.now(),
        };
        const status = verified ? receiver.answer(seen) : 401;
        receiver.deliveries.push({ ...seen, status });
        return new Response(null, { status });
      });
      if (port === 0) port = (server.addr as Deno.NetAddr).port;
    },
  };
  receiver.start();
  return receiver;
}
