// The same document as html.ts, on A4 through pdfkit, for email attachments and tax records.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { BillingDocument } from './model.js';
import { isolateLtr, TextSetter, type Line } from './pdf-text.js';
import { buildView, type Field, type Isolation } from './view.js';

const margin = 48;
const pageWidth = 595.28;
const pageHeight = 841.89;
const contentWidth = pageWidth - 2 * margin;
const footerHeight = 24;
const contentBottom = pageHeight - margin - footerHeight;
const cellPadding = 5;
const lineGap = 1.5;

const ink = '#1a1a1a';
const muted = '#555555';
const rule = '#dddddd';
const alert = '#b00020';

/*
 * DejaVu Sans, embedded (pdfkit keeps only the glyphs a document uses, ~20 KB a face): one
 * face with Arabic and its joining forms and every Latin letter of East African names (the
 * Dinka and Nuer ŋ ɛ ɔ ɣ of South Sudan), which the standard PDF fonts such as Helvetica do
 * not have. Free licence (Bitstream Vera, public domain changes); it comes from npm, so a fresh
 * install needs no system fonts.
 */
const requireFile = createRequire(import.meta.url);
const fontFiles = { regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf', bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf' } as const;
let fontBytes: Record<keyof typeof fontFiles, Buffer> | undefined;

/** Read once per process: ~1.4 MB that every document would otherwise read again. */
function fonts(): Record<keyof typeof fontFiles, Buffer> {
  fontBytes ??= { regular: readFileSync(requireFile.resolve(fontFiles.regular)), bold: readFileSync(requireFile.resolve(fontFiles.bold)) };
  return fontBytes;
}

type LogicalAlign = 'start' | 'end' | 'center';
interface Style {
  size: number;
  bold?: boolean;
  color?: string;
  align?: LogicalAlign;
  isolate?: Isolation;
}

export function renderPdf(doc: BillingDocument): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const view = buildView(doc);
    const pdf = new PDFDocument({
      size: 'A4',
      margin,
      // Page numbers ("Page 1 of 3") are only known once every line is placed.
      bufferPages: true,
      lang: view.lang,
      displayTitle: true,
      // A fixed date makes the file ID and bytes a function of the document, so re-rendering
      // an old invoice gives the same file and tests can compare outputs.
      info: { Title: `${view.title} ${view.number}`, Author: view.operator.name, CreationDate: new Date(doc.issuedAt) },
    });
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
    pdf.registerFont('regular', fonts().regular);
    pdf.registerFont('bold', fonts().bold);

    // Layout is written in logical coordinates (offset from the reading start); these two turn
    // it into page coordinates, which is all it takes to mirror the page for Arabic.
    const rtl = view.dir === 'rtl';
    const place = (offset: number, width: number): number => (rtl ? margin + contentWidth - offset - width : margin + offset);
    const physical = (align: LogicalAlign = 'start'): 'left' | 'right' | 'center' =>
      align === 'center' ? 'center' : (align === 'start') !== rtl ? 'left' : 'right';

    const setter = new TextSetter(pdf, view.dir);
    const style = (s: Style): void => {
      pdf.font(s.bold ? 'bold' : 'regular').fontSize(s.size).fillColor(s.color ?? ink);
    };
    // Table cells are laid out once to measure their row and once to draw it; shaping is the
    // slow part of a long invoice, so the second time comes from here.
    const laidOut = new Map<string, Line[]>();
    const layout = (value: string, width: number, s: Style): Line[] => {
      style(s);
      const key = `${s.bold ? 'b' : 'r'}${s.size}|${s.isolate ?? ''}|${width}|${value}`;
      let lines = laidOut.get(key);
      if (!lines) laidOut.set(key, (lines = setter.layout(value, width, s.isolate)));
      return lines;
    };
    const measure = (value: string, width: number, s: Style): number => layout(value, width, s).length * setter.lineHeight(lineGap);
    const widthOf = (value: string, s: Style): number => {
      style(s);
      return setter.naturalWidth(value, s.isolate);
    };
    const drawLine = (line: Line, offset: number, y: number, width: number, s: Style): void => {
      style(s);
      setter.drawLine(line, place(offset, width), y, width, physical(s.align));
    };
    /** Writes at a logical position and returns the height used. */
    const write = (value: string, offset: number, y: number, width: number, s: Style): number => {
      const lines = layout(value, width, s);
      lines.forEach((line, i) => drawLine(line, offset, y + i * setter.lineHeight(lineGap), width, s));
      return lines.length * setter.lineHeight(lineGap);
    };
    const hline = (offset: number, width: number, y: number, color: string, thickness: number): void => {
      const x = place(offset, width);
      pdf.save().moveTo(x, y).lineTo(x + width, y).lineWidth(thickness).strokeColor(color).stroke().restore();
    };
    /**
     * One label/value row; returns its height. Facts beside the title line their values up at
     * the end like a column; under a name the value follows its label.
     */
    const pair = (field: Field, offset: number, y: number, width: number, size: number, labelWidth: number, valueAlign: LogicalAlign): number => {
      const valueWidth = width - labelWidth - 8;
      const labelHeight = write(field.label, offset, y, labelWidth, { size, color: muted });
      const valueStyle: Style = { size, bold: true, color: field.alert ? alert : ink, align: valueAlign, isolate: field.isolate };
      const valueHeight = write(field.value, offset + labelWidth + 8, y, valueWidth, valueStyle);
      return Math.max(labelHeight, valueHeight) + 2;
    };

    let y = margin;

    // Header: operator at the start, title and facts at the end.
    const fromWidth = contentWidth * 0.52;
    const metaWidth = contentWidth * 0.42;
    const metaOffset = contentWidth - metaWidth;
    let fromY = y;
    if (view.operator.logo) {
      // Fitted into the box and pushed to its start side, so a wide or a square logo both sit
      // flush with the operator name under it.
      const logoBox: [number, number] = [150, 56];
      pdf.image(view.operator.logo.bytes, place(0, logoBox[0]), fromY, { fit: logoBox, align: rtl ? 'right' : undefined });
      fromY += logoBox[1] + 8;
    }
    fromY += write(view.operator.name, 0, fromY, fromWidth, { size: 13, bold: true, isolate: view.typed });
    for (const line of view.operator.lines) fromY += write(line.text, 0, fromY, fromWidth, { size: 9, color: muted, isolate: line.isolate });
    for (const field of view.operator.fields) fromY += pair(field, 0, fromY, fromWidth, 9, 70, 'start');

    let metaY = y;
    metaY += write(view.title, metaOffset, metaY, metaWidth, { size: 22, bold: true, align: 'end' }) + 4;
    for (const field of view.facts) metaY += pair(field, metaOffset, metaY, metaWidth, 9, 90, 'end');

    y = Math.max(fromY, metaY) + 10;
    hline(0, contentWidth, y, ink, 1.5);
    y += 16;

    // Customer.
    const partyWidth = contentWidth * 0.6;
    y += write(view.party.heading.toLocaleUpperCase(view.lang), 0, y, partyWidth, { size: 8, bold: true, color: muted }) + 2;
    y += write(view.party.name, 0, y, partyWidth, { size: 11, bold: true, isolate: view.typed });
    for (const line of view.party.lines) y += write(line.text, 0, y, partyWidth, { size: 9, isolate: line.isolate });
    for (const field of view.party.fields) y += pair(field, 0, y, partyWidth, 9, 70, 'start');
    y += 16;

    // Lines table. Numeric columns take the width their widest cell needs; the description
    // gets the rest and wraps.
    const head: Style = { size: 8, bold: true, color: muted };
    const body: Style = { size: 9 };
    const widths = view.columns.map((column, i) => {
      if (!column.numeric) return 0;
      const cells = view.rows.map((row) => widthOf(row[i] ?? '', body));
      return Math.max(widthOf(column.label, head), ...cells) + 2 * cellPadding;
    });
    // Many columns of large UGX amounts can outgrow the page; squeeze them (they wrap) before
    // letting the description drop under a readable width.
    const minDescription = 140;
    const needed = widths.reduce((sum, w) => sum + w, 0);
    const squeeze = Math.min(1, (contentWidth - minDescription) / needed);
    for (let i = 0; i < widths.length; i++) widths[i] = (widths[i] ?? 0) * squeeze;
    const descriptionIndex = view.columns.findIndex((column) => !column.numeric);
    widths[descriptionIndex] = contentWidth - needed * squeeze;
    const offsets = widths.map((_, i) => widths.slice(0, i).reduce((sum, w) => sum + w, 0));
    const cellStyle = (base: Style, i: number): Style =>
      view.columns[i]?.numeric ? { ...base, align: 'end' } : { ...base, align: 'start', isolate: view.typed };
    const cellWidth = (i: number): number => (widths[i] ?? 0) - 2 * cellPadding;

    const rowHeight = (cells: string[], base: Style): number =>
      Math.max(...cells.map((cell, i) => measure(cell, cellWidth(i), cellStyle(base, i)))) + 2 * cellPadding;
    const drawRow = (cells: string[], base: Style, top: number): void => {
      cells.forEach((cell, i) => write(cell, (offsets[i] ?? 0) + cellPadding, top + cellPadding, cellWidth(i), cellStyle(base, i)));
    };
    const labels = view.columns.map((column) => column.label);
    const headHeight = rowHeight(labels, head);
    const drawHead = (): void => {
      drawRow(labels, head, y);
      y += headHeight;
      hline(0, contentWidth, y, ink, 0.75);
    };
    const newPage = (): void => {
      pdf.addPage();
      y = margin;
    };

    drawHead();
    for (const cells of view.rows) {
      const height = rowHeight(cells, body);
      if (y + height > contentBottom) {
        newPage();
        drawHead();
      }
      drawRow(cells, body, y);
      y += height;
      hline(0, contentWidth, y, rule, 0.5);
    }
    y += 10;

    // Totals, at the end side under the amounts.
    const totalsWidth = Math.min(260, contentWidth);
    const totalsOffset = contentWidth - totalsWidth;
    const totalsHeight = view.totals.reduce((sum, row) => sum + (row.emphasis ? 22 : 16), 0);
    if (y + totalsHeight > contentBottom) newPage();
    for (const row of view.totals) {
      if (row.emphasis) {
        hline(totalsOffset, totalsWidth, y, ink, 0.75);
        y += 4;
      }
      const s: Style = { size: row.emphasis ? 10.5 : 9.5, bold: row.emphasis, color: row.emphasis ? ink : muted };
      write(row.label, totalsOffset + cellPadding, y, totalsWidth * 0.5 - cellPadding, s);
      write(row.value, totalsOffset + totalsWidth * 0.5, y, totalsWidth * 0.5 - cellPadding, { ...s, color: ink, align: 'end' });
      y += row.emphasis ? 18 : 16;
    }

    if (view.notes) {
      y += 14;
      const noteStyle: Style = { size: 9, isolate: view.notes.isolate };
      const noteLines = layout(view.notes.value, contentWidth, noteStyle);
      const noteLineHeight = setter.lineHeight(lineGap);
      // The heading goes with at least the start of the notes; long notes go on over the page.
      if (y + 14 + Math.min(noteLines.length, 4) * noteLineHeight > contentBottom) newPage();
      y += write(view.notes.label.toLocaleUpperCase(view.lang), 0, y, contentWidth, { size: 8, bold: true, color: muted }) + 2;
      for (const line of noteLines) {
        if (y + noteLineHeight > contentBottom) newPage();
        drawLine(line, 0, y, contentWidth, noteStyle);
        y += noteLineHeight;
      }
    }

    if (view.closing) {
      y += 20;
      if (y + 14 > contentBottom) newPage();
      write(view.closing, 0, y, contentWidth, { size: 10, align: 'center' });
    }

    const { start, count } = pdf.bufferedPageRange();
    for (let page = start; page < start + count; page++) {
      pdf.switchToPage(page);
      // The footer sits inside the bottom margin; without this pdfkit would start a new page.
      pdf.page.margins.bottom = 0;
      const footer = `${isolateLtr(view.number)} · ${view.pageLabel(page - start + 1, count)}`;
      write(footer, 0, pageHeight - margin + 6, contentWidth, { size: 8, color: muted, align: 'center' });
    }
    pdf.end();
  });
}
