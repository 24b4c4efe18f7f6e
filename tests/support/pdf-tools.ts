import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// PDFs under test are read back with poppler (pdftotext, pdfinfo, pdffonts, pdfimages from
// poppler-utils), the tools behind most Linux PDF viewers, rather than by parsing pdfkit's
// output: what they extract is what a person copying or searching the document gets.

/** Runs one poppler tool on `pdf` and answers its stdout; pdftotext writes to stdout too. */
export function poppler(tool: string, pdf: Buffer, ...args: string[]): string {
  // The tools want a file; each call gets its own, gone when the call returns.
  const work = mkdtempSync(path.join(tmpdir(), 'lango-pdf-test-'));
  try {
    const file = path.join(work, 'document.pdf');
    writeFileSync(file, pdf);
    const run = spawnSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
    if (run.error) throw new Error(`${tool} is needed to read the PDFs back (Debian: apt-get install poppler-utils): ${run.error.message}`);
    if (run.status !== 0) throw new Error(`${tool} failed: ${run.stderr}`);
    return run.stdout;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The text of one page, or of all, without the marks pdftotext puts around right-to-left
 * words: they are not what a reader compares.
 */
export function pdfText(pdf: Buffer, page?: number): string {
  const pages = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return poppler('pdftotext', pdf, '-enc', 'UTF-8', ...pages).replace(/\p{Bidi_Control}/gu, '');
}

export interface PdfImage {
  page: number;
  /** 'image', or 'smask' for the alpha channel of a PNG with transparency. */
  type: string;
  width: number;
  height: number;
  /** How the image is stored: 'jpeg' for a JPEG passed through, 'image' for raw pixels. */
  encoding: string;
  /** The image XObject drawn: one object drawn many times is one embedded copy. */
  object: number;
}

/** pdfimages -list: one row per image drawn. */
export function pdfImages(pdf: Buffer): PdfImage[] {
  // Columns: page num type width height color comp bpc enc interp object ID …, after two header lines.
  return poppler('pdfimages', pdf, '-list')
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const cells = line.trim().split(/\s+/);
      return { page: Number(cells[0]), type: cells[2] ?? '', width: Number(cells[3]), height: Number(cells[4]), encoding: cells[8] ?? '', object: Number(cells[10]) };
    });
}
