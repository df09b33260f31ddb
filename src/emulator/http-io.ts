import type {IncomingMessage, ServerResponse} from 'node:http'

/** The recorded live headers of a Track response (cio-api.md §2), minus the TLS/CDN ones. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-cache, no-store, must-revalidate, max-age=0',
  'access-control-allow-origin': '*',
}

export const OK_BODY = '{}\n'

/** Error bodies are pretty-printed with a trailing newline, as the real 400 was. */
export function errorJson(body: unknown): string {
  return `${JSON.stringify(body, null, 2)}\n`
}

export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {...JSON_HEADERS, ...headers, 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(html), 'referrer-policy': 'no-referrer'})
  res.end(html)
}

export type BodyRead = {body: Buffer} | {tooLarge: true}

/**
 * Reads the request body, giving up (and discarding the rest) once it passes `limit` bytes so an
 * oversized upload is rejected without being buffered.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.resolve({tooLarge: true})
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        resolve({tooLarge: true})
        return
      }

      chunks.push(chunk)
    }

    req.on('data', onData)
    req.on('end', () => resolve({body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)}))
    req.on('error', reject)
  })
}

/** A JSON body, or `undefined` for an empty one; throws on malformed JSON. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined
  return JSON.parse(body.toString('utf8'))
}
