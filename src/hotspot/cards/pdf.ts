// The same A4 sheets as html.ts, through pdfkit, for operators who print from a PDF viewer or
// send the batch to a print shop. DejaVu Sans (Arabic, and the ŋ ɛ ɔ of South Sudanese
// names), DejaVu Sans Mono for what customers type; right-to-left lines through billing's
// TextSetter; QR codes as filled rectangles. A page is drawn, flushed and followed by a turn
// of the event loop, so a 10,000-card batch neither holds every page nor stalls RADIUS.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import PDFDocument from 'pdfkit';
import { isolateLtr, TextSetter, type LaidOutLine } from '../../billing/index.js';
import * as g from './geometry.js';
import type { CardSheet } from './model.js';
import { darkRuns, quietZone, type QrMatrix } from './qr.js';
import { buildSheetView, type CardField, type CardView, type Isolation, type SheetView } from './view.js';

const pt = (mm: number): number => mm * g.ptPerMm;

const ink = '#1a1a1a';
const muted = '#555555';
const cutLine = '#999999';

const requireFile = createRequire(import.meta.url);
const fontFiles = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  mono: 'dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf',
} as const;
type FontName = keyof typeof fontFiles;
let fontBytes: Record<FontName, Buffer> | undefined;

/** Read once per process; pdfkit embeds only the glyphs a sheet uses. */
function fonts(): Record<FontName, Buffer> {
  fontBytes ??= {
    regular: readFileSync(requireFile.resolve(fontFiles.regular)),
    bold: readFileSync(requireFile.resolve(fontFiles.bold)),
    mono: readFileSync(requireFile.resolve(fontFiles.mono)),
  };
  return fontBytes;
}

interface Style {
  font: FontName;
  /** Points. */
  size: number;
  color?: string;
}

type Align = 'start' | 'end' | 'center';

/** A box on a card: the card's corner in points, then offsets and sizes in mm inside its padding. */
interface Box {
  x: number;
  y: number;
  /** From the card's start edge: the left in English, the right in Arabic. */
  offset: number;
  top: number;
  width: number;
  height: number;
}

/** First-strong isolate: the value takes the direction of its own first letter. */
const isolateAuto = (text: string): string => `\u2068${text}\u2069`;

function isolate(text: string, isolation: Isolation): string {
  if (isolation === 'ltr') return isolateLtr(text);
  return isolation === 'auto' ? isolateAuto(text) : text;
}

/** 'Help line 0712 345 678' as one string, the value isolated inside it. */
function labelled(field: CardField): string {
  return `${field.label} ${isolate(field.value, field.isolate)}`;
}

/** The parts of pdfkit's EmbeddedFont that `LayoutMemory` relies on. */
interface LayingOutFont {
  layout(text: string, features?: unknown, onlyWidth?: boolean): unknown;
}

/**
 * pdfkit lays text out again each time it measures or draws it, and keeps no result when
 * features are given, as TextSetter always does so Arabic is shaped whole. On a sheet where
 * every card repeats the same labels that was most of the time: about 20 s for 10,000
 * English cards and 30 s for Arabic, half that with this. It remembers the font's layouts of
 * whole runs until `forget`; if pdfkit's font object ever looks different it does nothing,
 * and only speed suffers.
 */
class LayoutMemory {
  private readonly runs = new Map<object, Map<string, unknown>>();

  remember(pdf: PDFKit.PDFDocument): void {
    const font = (pdf as unknown as { _font?: Partial<LayingOutFont> })._font;
    if (!font || typeof font.layout !== 'function' || this.runs.has(font)) return;
    const original = font.layout.bind(font);
    const runs = new Map<string, unknown>();
    this.runs.set(font, runs);
    font.layout = (text: string, features?: unknown, onlyWidth?: boolean): unknown => {
      // Only TextSetter's whole runs (an empty feature list); pdfkit caches word layouts itself.
      if (!Array.isArray(features) || features.length !== 0) return original(text, features, onlyWidth);
      let run = runs.get(text);
      if (run === undefined) runs.set(text, (run = original(text, features, onlyWidth)));
      return run;
    };
  }

  /** Codes and serials never come back: a page's worth is kept, not a batch's. */
  forget(): void {
    for (const runs of this.runs.values()) runs.clear();
  }
}

/** The smallest a value shrinks to before it is cut short with an ellipsis. */
const minScale = 0.8;

class SheetPainter {
  private readonly rtl: boolean;
  private readonly setter: TextSetter;
  /** Layouts of text that repeats on every card (labels, operator, plan, price); codes and serials are not kept. */
  private readonly repeated = new Map<string, { line: LaidOutLine; size: number }>();
  private readonly logoImage: PDFKit.Mixins.ImageSrc | null;
  private readonly layouts = new LayoutMemory();

  constructor(
    private readonly pdf: PDFKit.PDFDocument,
    private readonly view: SheetView,
  ) {
    this.rtl = view.dir === 'rtl';
    this.setter = new TextSetter(pdf, view.dir);
    // Opened once, so every card refers to one embedded image instead of a copy each.
    // pdfkit takes an opened image wherever it takes bytes; its types do not say so.
    this.logoImage = view.logo ? (pdf as unknown as ImageOpener).openImage(view.logo.bytes) : null;
  }

  /**
   * The line `value` makes in `width` points, shrunk a little or cut short with an ellipsis if
   * it is too long; leaves the document's font set to the size used, for drawing it.
   */
  private fit(value: string, width: number, style: Style, keep: boolean): { line: LaidOutLine; size: number } {
    const key = `${style.font}|${style.size}|${width.toFixed(2)}|${value}`;
    const known = keep ? this.repeated.get(key) : undefined;
    if (known) {
      this.setFont(style.font, known.size);
      return known;
    }
    const lay = (text: string, size: number): LaidOutLine => {
      this.setFont(style.font, size);
      return this.setter.layout(text, Number.POSITIVE_INFINITY)[0] ?? { runs: [], width: 0 };
    };
    let size = style.size;
    let line = lay(value, size);
    if (line.width > width) {
      size = style.size * Math.max(minScale, width / line.width);
      line = lay(value, size);
    }
    if (line.width > width) line = this.cut(value, width, size, lay);
    const fitted = { line, size };
    if (keep) this.repeated.set(key, fitted);
    return fitted;
  }

  private setFont(font: FontName, size: number): void {
    this.pdf.font(font).fontSize(size);
    this.layouts.remember(this.pdf);
  }

  /** The longest start of `value` that fits with an ellipsis after it. */
  private cut(value: string, width: number, size: number, lay: (text: string, size: number) => LaidOutLine): LaidOutLine {
    // Isolate marks are not letters; cut the text inside them and close them again.
    const open = /^[\u2066-\u2068]/u.exec(value)?.[0] ?? '';
    const inner = open ? value.slice(open.length, -1) : value;
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(inner)].map((s) => s.segment);
    let low = 0;
    let high = graphemes.length;
    let best = lay('…', size);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      const text = `${graphemes.slice(0, mid).join('').trimEnd()}…`;
      const line = lay(open ? `${open}${text}\u2069` : text, size);
      if (line.width <= width) {
        best = line;
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return best;
  }

  /** Physical x of a box `width` mm wide at `offset` mm from the card's inner start edge. */
  private place(cardX: number, offset: number, width: number): number {
    return this.rtl ? cardX + pt(g.padding + g.innerWidth - offset - width) : cardX + pt(g.padding + offset);
  }

  /**
   * One line of text in a box of the card, centred on the box's height as CSS centres a line
   * in its line-height, so the PDF and the printed HTML put text at the same place.
   */
  private text(value: string, box: Box, style: Style, align: Align, keep: boolean): void {
    const width = pt(box.width);
    const { line } = this.fit(value, width, style, keep);
    this.pdf.fillColor(style.color ?? ink);
    const lineHeight = this.pdf.currentLineHeight(false);
    const y = box.y + pt(g.padding + box.top) + (pt(box.height) - lineHeight) / 2;
    const x = this.place(box.x, box.offset, box.width);
    const physical = align === 'center' ? 'center' : (align === 'start') !== this.rtl ? 'left' : 'right';
    this.setter.drawLine(line, x, y, width, physical);
  }

  private qr(matrix: QrMatrix, x: number, y: number): void {
    const side = pt(g.qrSide);
    const module = side / (matrix.size + 2 * quietZone);
    const left = x + quietZone * module;
    const top = y + quietZone * module;
    for (const run of darkRuns(matrix)) this.pdf.rect(left + run.column * module, top + run.row * module, run.length * module, module);
    this.pdf.fillColor('#000000').fill();
  }

  card(card: CardView, x: number, y: number): void {
    const view = this.view;
    const box = (offset: number, top: number, width: number, height: number): Box => ({ x, y, offset, top, width, height });
    const keep = true;

    // Operator line: logo, name over help line, price at the end.
    let offset = 0;
    if (view.logo && this.logoImage) {
      const top = (g.headerHeight - view.logo.height) / 2;
      this.pdf.image(this.logoImage, this.place(x, 0, view.logo.width), y + pt(g.padding + top), {
        width: pt(view.logo.width),
        height: pt(view.logo.height),
      });
      offset = view.logo.width + 1.5;
    }
    const priceStyle: Style = { font: 'bold', size: g.type.price };
    const priceWidth = Math.min(this.naturalWidth(isolate(card.price, card.isolate.typed), priceStyle, keep), g.innerWidth / 3);
    this.text(isolate(card.price, card.isolate.typed), box(g.innerWidth - priceWidth, 0, priceWidth, g.headerHeight), priceStyle, 'end', keep);
    const whoWidth = g.innerWidth - offset - priceWidth - 1.5;
    const name = isolate(view.operator.name, view.operator.isolate);
    if (view.operator.help) {
      const nameTop = (g.headerHeight - g.lines.operator - g.lines.help) / 2;
      this.text(name, box(offset, nameTop, whoWidth, g.lines.operator), { font: 'bold', size: g.type.operator }, 'start', keep);
      this.text(labelled(view.operator.help), box(offset, nameTop + g.lines.operator, whoWidth, g.lines.help), { font: 'regular', size: g.type.small, color: muted }, 'start', keep);
    } else {
      this.text(name, box(offset, 0, whoWidth, g.headerHeight), { font: 'bold', size: g.type.operator }, 'start', keep);
    }

    // Text beside the QR code.
    const width = g.textWidth(card.qr !== null);
    let top = g.bodyTop;
    this.text(isolate(card.plan, card.isolate.typed), box(0, top, width, g.lines.plan), { font: 'bold', size: g.type.plan }, 'start', keep);
    top += g.lines.plan;
    this.text(view.labels.code, box(0, top, width, g.lines.label), { font: 'regular', size: g.type.label, color: muted }, 'start', keep);
    top += g.lines.label;
    this.text(isolate(card.code, card.isolate.code), box(0, top, width, g.lines.code), { font: 'mono', size: card.codeSize }, 'start', false);
    top += g.lines.code;
    const labelWidth = Math.max(...card.fields.map((f) => this.naturalWidth(f.label, fieldLabel, keep)));
    for (const field of card.fields) {
      this.text(field.label, box(0, top, labelWidth, g.lines.field), fieldLabel, 'start', keep);
      const valueStyle: Style = field.typed ? { font: 'mono', size: g.type.field } : { font: 'regular', size: g.type.field };
      this.text(isolate(field.value, field.isolate), box(labelWidth + 1.5, top, width - labelWidth - 1.5, g.lines.field), valueStyle, 'start', !field.typed);
      top += g.lines.field;
    }

    // The QR code at the end side, 'Scan to log in' under it.
    if (card.qr) {
      const qrOffset = g.innerWidth - g.qrSide;
      this.qr(card.qr, this.place(x, qrOffset, g.qrSide), y + pt(g.padding + g.bodyTop));
      this.text(view.labels.scanToLogIn, box(qrOffset, g.bodyTop + g.qrSide, g.qrSide, g.smallLine), { font: 'regular', size: g.type.small, color: muted }, 'center', keep);
    }

    // Bottom line: the network at the start, the serial at the end.
    const small: Style = { font: 'regular', size: g.type.small, color: muted };
    const serial = labelled(card.serial);
    const serialWidth = Math.min(this.naturalWidth(serial, small, false), g.innerWidth / 2);
    this.text(serial, box(g.innerWidth - serialWidth, g.footerTop, serialWidth, g.smallLine), small, 'end', false);
    if (view.network) this.text(labelled(view.network), box(0, g.footerTop, g.innerWidth - serialWidth - 3, g.smallLine), small, 'start', keep);
  }

  private naturalWidth(value: string, style: Style, keep: boolean): number {
    return this.fit(value, Number.POSITIVE_INFINITY, style, keep).line.width / g.ptPerMm;
  }

  /** Dashed cut lines along every edge of the cards on the page, each drawn once. */
  cutLines(count: number): void {
    const full = Math.floor(count / g.columns);
    const rest = count % g.columns;
    const x = (column: number): number => pt(g.marginX + (this.rtl ? g.columns - column : column) * g.cardWidth);
    const y = (row: number): number => pt(g.marginTop + row * g.cardHeight);
    const cardsIn = (row: number): number => (row < full ? g.columns : row === full ? rest : 0);
    const pdf = this.pdf;
    pdf.save().lineWidth(0.5).strokeColor(cutLine).dash(3, { space: 2 });
    // Across: each row edge, as wide as the wider row beside it (only the last row is short).
    for (let row = 0; row <= full + (rest > 0 ? 1 : 0); row++) {
      const span = Math.max(cardsIn(row - 1), cardsIn(row));
      if (span > 0) pdf.moveTo(x(0), y(row)).lineTo(x(span), y(row));
    }
    // Down: each column edge, as far as cards reach beside it.
    for (let column = 0; column <= g.columns; column++) {
      const reach = full + (rest > 0 && column <= rest ? 1 : 0);
      if (reach > 0) pdf.moveTo(x(column), y(0)).lineTo(x(column), y(reach));
    }
    pdf.stroke().undash().restore();
  }

  page(number: number): void {
    const cards = this.view.cardsOf(number);
    cards.forEach((card, i) => {
      const column = i % g.columns;
      const row = Math.floor(i / g.columns);
      const physical = this.rtl ? g.columns - 1 - column : column;
      this.card(card, pt(g.marginX + physical * g.cardWidth), pt(g.marginTop + row * g.cardHeight));
    });
    this.cutLines(cards.length);
    this.layouts.forget();
    const footer = `${this.view.title} · ${labelled(this.view.batch)} · ${this.view.pageLabel(number)}`;
    const style: Style = { font: 'regular', size: g.type.pageFooter, color: muted };
    const pageWidth = g.pageWidth - 2 * g.marginX;
    const { line } = this.fit(footer, pt(pageWidth), style, false);
    this.pdf.fillColor(muted);
    this.setter.drawLine(line, pt(g.marginX), pt(g.pageHeight - g.marginBottom + 4), pt(pageWidth), 'center');
  }
}

interface ImageOpener {
  openImage(bytes: Buffer): PDFKit.Mixins.ImageSrc;
}

const fieldLabel: Style = { font: 'regular', size: g.type.label, color: muted };

/**
 * The sheet as a PDF stream (pdfkit's document is a Readable): pages are written out as they
 * are drawn, for a web route to pipe to the client. Drawing errors arrive as 'error'.
 */
export function cardsPdfStream(sheet: CardSheet): PDFKit.PDFDocument {
  const view = buildSheetView(sheet);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 0,
    lang: view.lang,
    displayTitle: true,
    // A fixed date keeps the bytes a function of the sheet, so printing a batch twice gives the same file.
    info: { Title: `${view.title} · ${view.batch.value}`, Author: view.operator.name, CreationDate: new Date(0) },
  });
  pdf.registerFont('regular', fonts().regular);
  pdf.registerFont('bold', fonts().bold);
  pdf.registerFont('mono', fonts().mono);
  const painter = new SheetPainter(pdf, view);
  void (async () => {
    for (let number = 1; number <= view.pages; number++) {
      if (number > 1) pdf.addPage();
      painter.page(number);
      // The finished page goes out with the next addPage; let sockets and RADIUS run meanwhile.
      await nextTurn();
    }
    pdf.end();
  })().catch((err: unknown) => pdf.emit('error', err));
  return pdf;
}

/** The whole sheet as one PDF: A4 pages of 24 cards, ceil(cards / 24) pages. */
export function renderCardsPdf(sheet: CardSheet): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const pdf = cardsPdfStream(sheet);
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}
