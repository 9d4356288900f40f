/**
 * `deno task dev`'s demo webhook receiver: an endpoint on 127.0.0.1 that verifies every delivery
 * with standardwebhooks and reports it. Local addresses and http are allowed for it (the settings
 * webhook_allow_http and webhook_allow_private_addresses), as for local development only.
 */
import type { Sql } from "../stack/pg.ts";
import { type Delivery, newWebhookSecret, startReceiver } from "../stack/webhook_receiver.ts";

export interface WebhookDemo {
  url: string;
  stop(): Promise<void>;
}

export async function startWebhookDemo(
  sql: Sql,
  onDelivery: (delivery: Omit<Delivery, "status">) => void,
): Promise<WebhookDemo> {
  const secret = newWebhookSecret();
  const receiver = startReceiver(secret, "/demo-webhook");
  receiver.answer = (delivery) => {
    onDelivery(delivery);
    return 200;
  };
  await sql`update balance_sync.settings set value = 'true'
            where key in ('webhook_allow_http', 'webhook_allow_private_addresses')`;
  const [existing] = await sql`select id from vault.secrets where name = 'demo_webhook_key'`;
  if (existing) await sql`select vault.update_secret(${existing.id}, ${secret})`;
  else await sql`select vault.create_secret(${secret}, 'demo_webhook_key')`;
  await sql`delete from balance_sync.webhook_endpoints where secret_name = 'demo_webhook_key'`;
  await sql`select balance_sync.webhook_create(${receiver.url}, 'demo_webhook_key', p_from_id => 0)`;
  return { url: receiver.url, stop: () => receiver.stop() };
}
