// A forwarding HTTP proxy on 127.0.0.1 in front of the S3 server of the upload tests. A test's hook sees
// every request first and may answer it itself (an injected fault, an expired-token 403) by returning true.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestProxy {
  server: Server
  endpoint: string
  close(): Promise<void>
}

export type ProxyHook = (req: IncomingMessage, res: ServerResponse) => boolean

export async function startProxy(
  targetPort: number,
  hook: ProxyHook = () => false,
  listenPort = 0,
): Promise<TestProxy> {
  const server = createServer((req, res) => {
    if (hook(req, res)) return
    const up = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      },
    )
    up.on('error', () => res.destroy())
    req.on('aborted', () => up.destroy())
    req.pipe(up)
  })
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()))
  return {
    server,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}
