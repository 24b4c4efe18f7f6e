/**
 * The STK push and query password: base64 of shortcode, passkey and timestamp, plainly
 * concatenated. Daraja checks it against the body's Timestamp, so the caller makes the timestamp
 * once and uses it for both.
 */
export function stkPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`, 'utf8').toString('base64');
}
