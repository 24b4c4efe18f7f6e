// The operator's logo travels as a data URL in the setting operator.logo and as bytes in the
// document model; both ends check what the bytes are, not what a file name or URL claims.
import PDFDocument from 'pdfkit';
import { PNG } from 'pngjs';

export type LogoType = 'image/png' | 'image/jpeg';

const signatures: Array<[LogoType, Buffer]> = [
  ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  // Every JPEG starts with SOI (FF D8) and then a marker (FF ..), JFIF, Exif or bare.
  ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff])],
];

/** PNG or JPEG by the magic bytes, the two formats both browsers and pdfkit draw; else null. */
function logoType(bytes: Buffer): LogoType | null {
  for (const [type, signature] of signatures) {
    if (bytes.length > signature.length && bytes.subarray(0, signature.length).equals(signature)) return type;
  }
  return null;
}

/**
 * The type of a logo pdfkit can draw, or null. pdfkit's image parsers throw on a broken
 * header, which would fail the whole document; worse, it decodes a PNG with transparency in a
 * callback, where damaged pixel data throws out of reach and stops the process. So a PNG is
 * fully decoded (pngjs) and the image then drawn on a scratch page here, where a failure is caught.
 */
export function drawableLogoType(bytes: Buffer): LogoType | null {
  const type = logoType(bytes);
  if (type === null) return null;
  try {
    // The PNG first: pdfkit must not meet damaged pixels it would decode out of reach.
    if (type === 'image/png') PNG.sync.read(bytes);
    new PDFDocument().image(bytes, 0, 0, { width: 1 });
  } catch {
    return null;
  }
  return type;
}

export function logoDataUrl(bytes: Buffer, type: LogoType): string {
  return `data:${type};base64,${bytes.toString('base64')}`;
}

/** The image bytes of a stored logo, or null for no logo. */
export function logoFromDataUrl(url: string | null): Buffer | null {
  const match = url === null ? null : /^data:image\/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)$/.exec(url);
  return match?.[1] ? Buffer.from(match[1], 'base64') : null;
}
