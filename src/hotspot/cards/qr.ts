// QR codes as plain geometry. The `qrcode` package encodes (segments, Reed-Solomon, masks);
// the renderers draw its modules themselves, as vector squares, so a card needs no image, no
// canvas and no font, and prints sharp at any size.
import QRCode from 'qrcode';

export interface QrMatrix {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** Row-major, 1 = dark. */
  modules: Uint8Array;
}

/** A horizontal stretch of dark modules in one row. */
export interface DarkRun {
  row: number;
  column: number;
  length: number;
}

/**
 * Modules of white border a reader needs around the symbol. The standard asks for 4; cards
 * leave 2 inside the drawn square and get the rest from the card's own white margin.
 */
export const quietZone = 2;

/**
 * Level M (about 15 % of the symbol may be lost) rather than the library's default: a card
 * is scratched, folded and printed on cheap printers, and a login URL still fits in a small
 * symbol (version 4, 33 modules, for a 60-character URL).
 */
export function qrMatrix(text: string): QrMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, modules: Uint8Array.from(modules.data) };
}

/**
 * The dark modules as horizontal runs: one rectangle per run instead of one per module cuts
 * what the SVG and PDF hold about threefold, and leaves no hairline seams between neighbours.
 */
export function darkRuns(matrix: QrMatrix): DarkRun[] {
  const runs: DarkRun[] = [];
  const { size, modules } = matrix;
  for (let row = 0; row < size; row++) {
    let column = 0;
    while (column < size) {
      if (modules[row * size + column] !== 1) {
        column++;
        continue;
      }
      const start = column;
      while (column < size && modules[row * size + column] === 1) column++;
      runs.push({ row, column: start, length: column - start });
    }
  }
  return runs;
}
