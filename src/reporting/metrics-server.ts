import {createServer, type Server} from 'node:http'

import type {Registry} from 'prom-client'

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

/** GET /metrics (Prometheus text) and GET /healthz (200 while `healthy()` says so, else 503). */
export async function startMetricsServer(port: number, registry: Registry, healthy: () => boolean): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, {'content-type': registry.contentType})
          res.end(text)
        })
        .catch((error: Error) => {
          res.writeHead(500, {'content-type': 'text/plain'})
          res.end(`metrics unavailable: ${error.message}\n`)
        })
      return
    }

    if (req.method === 'GET' && path === '/healthz') {
      const ok = healthy()
      res.writeHead(ok ? 200 : 503, {'content-type': 'text/plain'})
      res.end(ok ? 'ok\n' : 'stopping\n')
      return
    }

    res.writeHead(404, {'content-type': 'text/plain'})
    res.end('not found: try /metrics or /healthz\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as {port: number}).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
