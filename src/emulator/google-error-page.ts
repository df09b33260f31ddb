/**
 * Track responses carry `via: 1.1 google` (cio-api.md §2), so upstream failures come from Google's
 * load balancer as HTML, not JSON. Clients must survive a non-JSON error body.
 */
const TITLES: Record<number, string> = {500: 'Server Error', 502: 'Server Error', 503: 'Service Unavailable'}

export function googleErrorPage(status: number): string {
  const title = TITLES[status] ?? 'Server Error'
  return `<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error ${status} (${title})!!1</title>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>${status}.</b> <ins>That’s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>
`
}
