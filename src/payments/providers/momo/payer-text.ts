// payerMessage and payeeNote: MoMo answers 400 to apostrophes, "unusual characters" and more
// than 160 characters (§2.4). Which characters are unusual is not documented, so the text is
// folded to plain ASCII letters, digits and a little punctuation; what is left is cut at 160.

const MAX_LENGTH = 160;

export function sanitisePayerText(text: string, fallback = 'Payment'): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD: é → e
    .replace(/['‘’`´]/g, '') // apostrophes, never a space: "Lango's" → "Langos"
    .replace(/[^A-Za-z0-9 .,:;!?()#+\-_/=@&]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_LENGTH)
    .trim();
  return folded || fallback;
}
