import {createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES} from 'node:http'
import type {AddressInfo} from 'node:net'

import {answerApp, matchAppRoute} from './app-api.js'
import {FaultInjector, type FaultOptions} from './faults.js'
import {googleErrorPage} from './google-error-page.js'
import {errorJson, readBody, sendHtml, sendJsonText} from './http-io.js'
import {type EmulatorInspector, type EmulatorStats, handleInspection} from './inspection.js'
import {type RateLimitOptions, SlidingWindowLimiter} from './rate-limiter.js'
import {matchRoute} from './routes.js'
import {SilentLog} from './silent-log.js'
import {answerTrack, bodyLimitFor} from './track-api.js'
import {preciseNow, TrafficStats} from './traffic-stats.js'
import {classifyPathIdentifier} from './validation.js'
import type {Workspace} from './workspace.js'

export interface ServerConfig {
  siteId: string
  apiKey: string
  /** Bearer key of the App API read-back routes. */
  appApiKey: string
  rateLimit: RateLimitOptions | null
  /** The App API's own limit (10 requests/s documented); null turns it off. */
  appRateLimit: RateLimitOptions | null
  faults: FaultOptions
  seed?: number
  workspace: Workspace
  quiet: boolean
  log: (line: string) => void
}

const UNAUTHORIZED = errorJson({meta: {error: 'Unauthorized request'}})
const RATE_LIMITED = errorJson({meta: {error: 'rate limit exceeded'}})
const APP_RATE_LIMITED = errorJson({meta: {error: 'Your request is over the 10-per-second limit.'}})

/** The HTTP side: auth, rate limit and faults in front of the Track API, plus /__emulator/. */
export class EmulatorServer {
  readonly stats = new TrafficStats()
  readonly silent = new SilentLog()
  readonly inspect: EmulatorInspector
  private appRequests = 0
  private readonly appLimiter: SlidingWindowLimiter | null
  private readonly server: Server
  private readonly limiter: SlidingWindowLimiter | null
  private readonly faults: FaultInjector
  private readonly pending = new Set<{timer: NodeJS.Timeout; resolve: () => void}>()
  private trafficTimer?: NodeJS.Timeout
  private closing = false
  url = ''

  constructor(private readonly config: ServerConfig) {
    this.limiter = config.rateLimit ? new SlidingWindowLimiter(config.rateLimit) : null
    this.appLimiter = config.appRateLimit ? new SlidingWindowLimiter(config.appRateLimit) : null
    this.faults = new FaultInjector(config.faults, config.seed)
    this.inspect = this.createInspector()
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJsonText(res, 500, errorJson({meta: {error: `emulator failure: ${(error as Error).message}`}}))
        else res.destroy()
      })
    })
    // Longer than undici's keep-alive, so clients never reuse a socket the server is closing.
    this.server.keepAliveTimeout = 65_000
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        const address = this.server.address() as AddressInfo
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
        this.url = `http://${shownHost}:${address.port}`
        if (!this.config.quiet) this.trafficTimer = setInterval(() => this.logTraffic(), 1000).unref()
        resolve()
      })
    })
  }

  setFaults(faults: FaultOptions): void {
    this.faults.set(faults)
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.trafficTimer) clearInterval(this.trafficTimer)
    for (const entry of this.pending) {
      clearTimeout(entry.timer)
      entry.resolve()
    }

    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closed
    this.config.workspace.close()
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator')
    if (url.pathname.startsWith('/__emulator/') || url.pathname === '/__emulator') {
      return handleInspection(req, res, url, {inspect: this.inspect, faults: () => this.faults.current, setFaults: (f) => this.setFaults(f)})
    }

    const appRoute = matchAppRoute(req.method ?? 'GET', url.pathname)
    if (appRoute) {
      // The App API is another service: its own key, its own limit, not counted as Track traffic.
      this.appRequests++
      if (req.headers.authorization !== `Bearer ${this.config.appApiKey}`) {
        req.resume()
        return sendJsonText(res, 401, UNAUTHORIZED)
      }

      if (this.appLimiter && !this.appLimiter.tryAdmit('app', preciseNow())) {
        req.resume()
        return sendJsonText(res, 429, APP_RATE_LIMITED)
      }

      const answer = await answerApp(appRoute, req, url, this.config.workspace)
      return sendJsonText(res, answer.status, answer.body)
    }

    const arrival = preciseNow()
    const {route, label} = matchRoute(req.method ?? 'GET', url.pathname)
    this.stats.arrive(arrival, label)
    const read = await readBody(req, bodyLimitFor(route))

    if (!this.authorized(req)) return this.json(res, 401, UNAUTHORIZED)
    if (!route) return this.json(res, 404, errorJson({meta: {error: 'Not Found'}}))

    const fate = this.faults.decide()
    if (fate.forceStatus !== undefined) return this.forced(res, fate.forceStatus)
    if (fate.throttledForMs > 0) return this.rateLimited(res, Math.ceil(fate.throttledForMs / 1000))
    if (this.limiter && !this.limiter.tryAdmit(this.config.siteId, arrival)) return this.rateLimited(res)
    if (fate.errorStatus !== undefined) return this.html(res, fate.errorStatus)
    const poison = this.faults.current.refuseBodiesContaining
    if (poison && 'body' in read && read.body.includes(poison)) return this.refused(res, route.name)

    await this.sleep(fate.latencyMs)
    if (this.closing) return this.drop(req, 'reset')
    if (fate.reset === 'before') return this.drop(req, 'reset')
    if (fate.stall === 'before') {
      await this.sleep(this.faults.current.stallMs ?? 30_000)
      return this.drop(req, 'stalled')
    }

    const answer = answerTrack(route, read, {
      workspace: this.config.workspace,
      url: this.url,
      nowSeconds: Math.floor(Date.now() / 1000),
      rejectEntriesContaining: this.faults.current.rejectEntriesContaining,
    })
    this.stats.entriesApplied += answer.applied
    this.silent.add(answer.silent)
    if (fate.reset === 'after') return this.drop(req, 'reset')
    if (fate.stall === 'after') {
      await this.sleep(this.faults.current.stallMs ?? 30_000)
      if (this.closing || req.socket.destroyed) return this.drop(req, 'stalled')
    }

    this.stats.outcome(answer.status)
    sendJsonText(res, answer.status, answer.body)
  }

  private authorized(req: IncomingMessage): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!match) return false
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 && decoded.slice(0, colon) === this.config.siteId && decoded.slice(colon + 1) === this.config.apiKey
  }

  private json(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
    this.stats.outcome(status)
    sendJsonText(res, status, body, headers)
  }

  /** A whole request refused as malformed, in the envelope of its API version. */
  private refused(res: ServerResponse, routeName: string): void {
    const message = 'the request was refused as malformed (emulator fault refuseBodiesContaining)'
    const body = routeName === 'entity' || routeName === 'batch'
      ? errorJson({errors: [{reason: 'invalid', field: 'batch', message}]})
      : errorJson({meta: {errors: [message]}})
    this.json(res, 400, body)
  }

  private html(res: ServerResponse, status: number): void {
    this.stats.outcome(status)
    sendHtml(res, status, googleErrorPage(status))
  }

  /**
   * Retry-After only when configured (the real API documents none). A forced-429 period says how
   * many whole seconds of it are left, since that is when the server will answer again.
   */
  private rateLimited(res: ServerResponse, throttleSecondsLeft?: number): void {
    const configured = this.config.rateLimit?.retryAfterSeconds
    const retryAfter = configured === undefined ? undefined : (throttleSecondsLeft ?? configured)
    this.json(res, 429, RATE_LIMITED, retryAfter === undefined ? {} : {'retry-after': String(retryAfter)})
  }

  private forced(res: ServerResponse, status: number): void {
    if (status === 401) return this.json(res, 401, UNAUTHORIZED)
    if (status === 429) return this.rateLimited(res)
    if (status >= 500) return this.html(res, status)
    if (status < 300) return this.json(res, status, '{}\n')
    this.json(res, status, errorJson({meta: {error: STATUS_CODES[status] ?? `HTTP ${status}`}}))
  }

  /** Ends the connection without an answer, with a TCP reset where the platform allows. */
  private drop(req: IncomingMessage, outcome: 'reset' | 'stalled'): void {
    this.stats.outcome(outcome)
    const socket = req.socket
    if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy()
    else socket.destroy()
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closing) return Promise.resolve()
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry)
          resolve()
        }, ms),
        resolve,
      }
      this.pending.add(entry)
    })
  }

  private logTraffic(): void {
    const interval = this.stats.takeInterval()
    if (!interval) return
    const counts = this.config.workspace.counts()
    const n = (v: number) => v.toLocaleString('en-US')
    // Requests are counted as they arrive and answers as they leave, so the two can differ in a second.
    const answers = Object.entries(interval.outcomes).map(([status, count]) => `${status} ×${n(count)}`)
    const time = new Date().toISOString().slice(11, 19)
    const received = `received ${n(interval.requests)} ${interval.requests === 1 ? 'request' : 'requests'}`
    const answered = answers.length > 0 ? `answered ${answers.join(', ')}` : 'none answered yet'
    const holds = `holds ${n(counts.people)} ${counts.people === 1 ? 'person' : 'people'}, ${n(counts.events)} ${counts.events === 1 ? 'event' : 'events'}`
    this.config.log(`${time} ${received}; ${answered}; ${holds}`)
  }

  private createInspector(): EmulatorInspector {
    const workspace = this.config.workspace
    return {
      people: () => workspace.people(),
      person: (idOrEmail) => workspace.person(idOrEmail),
      events: (person) => workspace.events(person),
      objects: () => workspace.objects(),
      stats: (): EmulatorStats => {
        const counts = workspace.counts()
        return {
          requests: this.stats.requests(),
          maxRequestsInSlidingSecond: this.stats.maxRequestsInSlidingSecond,
          peopleCount: counts.people,
          eventCount: counts.events,
          duplicateEventIds: counts.duplicateEventIds,
          entriesApplied: this.stats.entriesApplied,
          silent: this.silent.counts(),
          appApiRequests: this.appRequests,
        }
      },
      silent: (kind) => this.silent.list(kind),
      suppress: (identifiers) => {
        const now = Math.floor(Date.now() / 1000)
        workspace.transaction(() => {
          for (const identifier of identifiers) workspace.apply({op: 'suppress', ref: classifyPathIdentifier(identifier)}, now)
        })
      },
      requestTimes: () => this.stats.requestTimes(),
      reset: () => {
        workspace.reset()
        this.stats.reset()
        this.silent.reset()
        this.appRequests = 0
        this.limiter?.reset()
        this.appLimiter?.reset()
      },
    }
  }
}
