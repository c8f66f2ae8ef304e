import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusText } from './prometheus';
import type { PipelineSupervisor } from './supervisor';

/** Serves /metrics (Prometheus) and /healthz on the given port, for scrapers and probes inside the account. */
export async function startMetricsServer(
  supervisor: PipelineSupervisor,
  port: number,
  host = '0.0.0.0',
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(prometheusText(supervisor.list()));
    } else if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok\n');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
