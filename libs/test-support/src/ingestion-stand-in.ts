// Application Insights' ingestion endpoint (Breeze, POST /v2.1/track) over HTTPS, as the Azure
// Monitor exporter reaches it through APPLICATIONINSIGHTS_CONNECTION_STRING.
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { FaultRule } from './faults';
import { startHttpsServer } from './http-servers';
import type { TestCa } from './test-ca';

/** One telemetry item as the exporter posts it. */
export interface Envelope {
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> & { properties?: object } };
}

/** Application Insights' ingestion stand-in; startIngestionStandIn starts one. */
export type IngestionStandIn = Awaited<ReturnType<typeof startIngestionStandIn>>;

export async function startIngestionStandIn(ca: TestCa) {
  const instrumentationKey = randomUUID();
  const standIn = { fault: NO_FAULT as FaultRule, instrumentationKey };
  const server = await startHttpsServer(ca, async (req, res) => {
    if (await applyFault(() => standIn.fault, req, res)) return;
    sendJson(res, 200, { itemsReceived: 1, itemsAccepted: 1, errors: [] });
  });
  // Every envelope posted to /v2.1/track so far: bodies are JSON arrays of envelopes, gzipped by
  // the exporter's HTTP client.
  const envelopes = (): Envelope[] =>
    server.requests
      .filter((r) => r.method === 'POST' && r.path === '/v2.1/track')
      .flatMap((r) => {
        const raw = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;
        return JSON.parse(raw.toString()) as Envelope[];
      });
  return Object.assign(standIn, {
    /** APPLICATIONINSIGHTS_CONNECTION_STRING for this endpoint (a secret: it holds the key). */
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${server.url}`,
    envelopes,
    requests: server.requests,
    close: () => server.close(),
  });
}
