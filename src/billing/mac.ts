/**
 * Device MACs arrive as AA:BB:CC:DD:EE:FF (MikroTik's default radius-mac-format), aa-bb-…,
 * aabb.ccdd.eeff or aabbccddeeff; every comparison uses the first form.
 */
export function normaliseMac(text: string): string | undefined {
  const hex = text.trim().replace(/[:\-.]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  return hex.toUpperCase().match(/../g)!.join(':');
}
