import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { isolateLtr, TextSetter, type Direction, type Line } from './pdf-text.js';

function setter(direction: Direction): TextSetter {
  const pdf = new PDFDocument({ size: 'A4' });
  pdf.font(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')).fontSize(10);
  return new TextSetter(pdf, direction);
}

/** Each run as drawn from left to right, with its direction. */
function runs(line: Line | undefined): string[] {
  return (line?.runs ?? []).map((run) => `${run.rtl ? 'rtl' : 'ltr'}:${run.text}`);
}

describe('mixed Arabic and Latin lines for the PDF', () => {
  it('puts an invoice number after Arabic words at their left, whole, and keeps the Arabic in one run for fontkit to join', () => {
    const [line] = setter('rtl').layout('فاتورة رقم INV-2026-000123', Number.POSITIVE_INFINITY);
    expect(runs(line)).toEqual(['ltr:INV-2026-000123', 'rtl:فاتورة رقم ']);
  });

  it('keeps a Latin name inside an Arabic line in its own order, and mirrors brackets around Arabic words', () => {
    const [line] = setter('rtl').layout('العميل Ŋaŋ Dɛŋ Kɔl (جوبا)', Number.POSITIVE_INFINITY);
    // Logical text of each right-to-left run, brackets swapped: fontkit reverses the run and
    // the reader sees (جوبا) at the left end.
    expect(runs(line)).toEqual(['rtl: )جوبا(', 'ltr:Ŋaŋ Dɛŋ Kɔl', 'rtl:العميل ']);
  });

  it('keeps a phone number in order inside Arabic text only when it is isolated', () => {
    const rtl = setter('rtl');
    expect(runs(rtl.layout(isolateLtr('+254 712 345 678'), Number.POSITIVE_INFINITY)[0])).toEqual(['ltr:+254 712 345 678']);
    // What the bidi algorithm does to it otherwise: the digit groups read right to left.
    expect(runs(rtl.layout('+254 712 345 678', Number.POSITIVE_INFINITY)[0]).join('|')).toBe('ltr:678|rtl: |ltr:345|rtl: |ltr:712|rtl: |ltr:254|rtl:+');
  });

  it('lets an English note in an Arabic document keep its full stop at its end when its direction comes from its first letter', () => {
    const rtl = setter('rtl');
    const note = 'Static IP was not assigned in March.';
    expect(runs(rtl.layout(note, Number.POSITIVE_INFINITY)[0])).toEqual(['rtl:.', 'ltr:Static IP was not assigned in March']);
    expect(runs(rtl.layout(note, Number.POSITIVE_INFINITY, 'auto')[0])).toEqual(['ltr:Static IP was not assigned in March.']);
    expect(runs(rtl.layout('شكرًا لكم.\nThank you.', Number.POSITIVE_INFINITY, 'auto').at(-1))).toEqual(['ltr:Thank you.']);
  });

  it('leaves English lines in one run, and an Arabic name inside them in its own right-to-left run', () => {
    expect(runs(setter('ltr').layout('Home Fibre 10 Mbps, March 2026', Number.POSITIVE_INFINITY)[0])).toEqual(['ltr:Home Fibre 10 Mbps, March 2026']);
    expect(runs(setter('ltr').layout('Paid by محمد علي today', Number.POSITIVE_INFINITY)[0])).toEqual(['ltr:Paid by ', 'rtl:محمد علي', 'ltr: today']);
  });

  it('wraps Arabic text between words, first words on the first line, every line within the width', () => {
    const text = 'ادفع عبر خدمة الدفع بالهاتف إلى الحساب المذكور أعلاه قبل تاريخ الاستحقاق لتجنب إيقاف الخدمة';
    const lines = setter('rtl').layout(text, 120);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.every((line) => line.width <= 120)).toBe(true);
    expect(lines[0]?.runs.at(-1)?.text.startsWith('ادفع عبر')).toBe(true);
    expect(lines.flatMap((line) => line.runs.map((run) => run.text.trim())).join(' ')).toBe(text);
  });

  it('cuts a word wider than the box between characters, and keeps typed line breaks', () => {
    const lines = setter('ltr').layout('MPESA-REF-ABCDEFGHIJKLMNOPQRSTUVWXYZ\nNairobi', 80);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.every((line) => line.width <= 80)).toBe(true);
    expect(lines.slice(0, -1).map((line) => line.runs.map((run) => run.text).join('')).join('')).toBe('MPESA-REF-ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(runs(lines.at(-1))).toEqual(['ltr:Nairobi']);
  });
});
