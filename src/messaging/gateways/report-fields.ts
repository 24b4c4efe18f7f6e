// Delivery reports arrive form-encoded, as JSON, or already parsed by the web edge (a form or
// query object, a JSON object). This turns any of them into one plain object.

export function reportFields(body: unknown): Record<string, unknown> {
  if (body instanceof URLSearchParams) return Object.fromEntries(body);
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = (typeof body === 'string' ? body : Buffer.from(body).toString('utf8')).trim();
    if (text.startsWith('{')) {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      throw new Error('delivery report: a JSON object was expected');
    }
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new Error('delivery report: the body is neither a form nor a JSON object');
}

/** A scalar field as text; a repeated form field's first value; null when absent or empty. */
export function fieldText(value: unknown): string | null {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'string') return first.trim() === '' ? null : first.trim();
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  return null;
}
