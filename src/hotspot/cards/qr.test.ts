import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { darkRuns, qrMatrix } from './qr.js';

describe('QR geometry', () => {
  it('covers exactly the dark modules with horizontal runs, one per unbroken stretch', () => {
    const url = 'http://hotspot.example/login?dst=&username=K7QXM4PA';
    const matrix = qrMatrix(url);
    const reference = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
    expect(matrix.size).toBe(reference.size);
    const painted = new Uint8Array(matrix.size * matrix.size);
    for (const run of darkRuns(matrix)) {
      expect(run.length).toBeGreaterThan(0);
      // A run starts after a light module or the edge, and ends before one.
      expect(run.column === 0 || reference.get(run.row, run.column - 1) === 0).toBe(true);
      expect(run.column + run.length === matrix.size || reference.get(run.row, run.column + run.length) === 0).toBe(true);
      for (let column = run.column; column < run.column + run.length; column++) painted[run.row * matrix.size + column] = 1;
    }
    expect([...painted]).toEqual([...reference.data]);
  });

  it('uses error correction level M, which keeps a 60-character login URL at version 4', () => {
    const matrix = qrMatrix('http://hotspot.example/login?dst=&username=ABCDEFGH12345678');
    expect(matrix.size).toBe(33);
  });
});
