/**
 * The forms in which credentials can come back in text: the key itself (and URL-encoded), and the
 * Basic authorization value (base64 of site:key) that a debugging gateway may echo in an error body.
 * Longest first, so a longer form is not left half-redacted by a shorter one inside it.
 */
export function secretForms(target: {apiKey: string; siteId?: string}): string[] {
  if (!target.apiKey) return []
  const forms = [target.apiKey, encodeURIComponent(target.apiKey)]
  if (target.siteId !== undefined) {
    const basic = Buffer.from(`${target.siteId}:${target.apiKey}`).toString('base64')
    forms.push(basic, basic.replace(/=+$/, ''))
  }

  return [...new Set(forms)].sort((a, b) => b.length - a.length)
}
