// Mixed Arabic and Latin lines for pdfkit. Left to itself pdfkit draws text in typed (logical)
// order, with no bidi algorithm, and lets fontkit reverse one word at a time whatever fontkit
// takes for Arabic: an Arabic label comes out with its words backwards and an invoice number
// on the wrong side of the Arabic around it. So here each paragraph is broken into lines with
// the Unicode line breaking algorithm (linebreak, the package pdfkit itself wraps with),
// ordered with the Unicode bidirectional algorithm (bidi-js), and drawn as directional runs
// side by side, each handed to fontkit whole so it joins the Arabic letters and lays the run
// out its way.
import bidiModule from 'bidi-js';
import LineBreaker from 'linebreak';
import type { Isolation } from './view.js';

// bidi-js is CommonJS typed as an ES module: Node hands over its factory as the default import,
// where the types expect it one level down, under `.default`.
const bidiFactory = bidiModule as unknown as typeof bidiModule.default;
const bidi = bidiFactory();

export type Direction = 'ltr' | 'rtl';
export type Align = 'left' | 'right' | 'center';

interface Run {
  /** In the order fontkit wants it: logical for a run it will lay out in the bidi direction. */
  text: string;
  width: number;
  rtl: boolean;
}

export interface Line {
  /** Left to right, as they stand on the page. */
  runs: Run[];
  width: number;
}

/**
 * An empty array, not undefined: any `features` value makes pdfkit lay out a run in one piece
 * instead of word by word, and an empty list keeps fontkit's default features for the script
 * (Arabic joining forms, the required lam-alef ligature, kerning).
 */
const wholeRun = { features: [] };

// fontkit lays a run out right to left when its first character with a script belongs to one
// of these (fontkit's own list of right-to-left scripts), and left to right otherwise.
const firstScripted = /[^\p{Script=Common}\p{Script=Inherited}\p{Script=Unknown}]/u;
const fontkitRtlScript =
  /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Cypriot}\p{Script=Kharoshthi}\p{Script=Phoenician}\p{Script=Nko}\p{Script=Lydian}\p{Script=Avestan}\p{Script=Imperial_Aramaic}\p{Script=Inscriptional_Pahlavi}\p{Script=Inscriptional_Parthian}\p{Script=Old_South_Arabian}\p{Script=Old_Turkic}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Meroitic_Cursive}\p{Script=Meroitic_Hieroglyphs}\p{Script=Manichaean}\p{Script=Mende_Kikakui}\p{Script=Nabataean}\p{Script=Old_North_Arabian}\p{Script=Palmyrene}\p{Script=Psalter_Pahlavi}]/u;

function fontkitReadsRtl(text: string): boolean {
  const first = firstScripted.exec(text);
  return first !== null && fontkitRtlScript.test(first[0]);
}

/** Marks that only steer the bidi algorithm; fonts have no glyph for most of them. */
const bidiControls = /\p{Bidi_Control}/gu;

/** Left-to-right isolate: the text keeps its own order inside a right-to-left line. */
export function isolateLtr(text: string): string {
  return `${isolates.ltr}${text}${endIsolate}`;
}

/** LRI and FSI (first strong isolate: the direction of the first letter), both ended by PDI. */
const isolates = { ltr: '\u2066', auto: '\u2068' } as const;
const endIsolate = '\u2069';

/** Text typed by staff, ready for layout: composed accents, one kind of line break, tabs as spaces. */
function clean(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/\p{Cc}/gu, (char) => (char === '\n' ? char : ' '));
}

type PDF = PDFKit.PDFDocument;

/**
 * Lays out and draws text in the document's current font and size (set with pdf.font and
 * pdf.fontSize before each call), in a paragraph direction fixed per document.
 */
export class TextSetter {
  constructor(
    private readonly pdf: PDF,
    private readonly direction: Direction,
  ) {}

  /** The lines `value` takes in a box `width` wide; an empty value takes none. */
  layout(value: string, width: number, isolation: Isolation = null): Line[] {
    const text = clean(value);
    if (text === '') return [];
    // An isolate cannot span paragraphs: each one gets its own.
    const isolate = (paragraph: string): string => (isolation === null ? paragraph : `${isolates[isolation]}${paragraph}${endIsolate}`);
    return text.split('\n').flatMap((paragraph) => this.paragraph(isolate(paragraph), width));
  }

  /** The width of the widest line of `value` when nothing wraps. */
  naturalWidth(value: string, isolation: Isolation = null): number {
    return Math.max(0, ...this.layout(value, Number.POSITIVE_INFINITY, isolation).map((line) => line.width));
  }

  lineHeight(lineGap: number): number {
    return this.pdf.currentLineHeight(true) + lineGap;
  }

  /** Draws one line with its top at `y`, aligned inside the box from `x`, `width` wide. */
  drawLine(line: Line, x: number, y: number, width: number, align: Align): void {
    let left = align === 'left' ? x : align === 'right' ? x + width - line.width : x + (width - line.width) / 2;
    for (const run of line.runs) {
      this.pdf.text(run.text, left, y, { lineBreak: false, ...wholeRun });
      if (run.rtl) this.ligaturesInVisualOrder(run.text);
      left += run.width;
    }
  }

  private paragraph(paragraph: string, width: number): Line[] {
    if (paragraph.trim() === '') return [{ runs: [], width: 0 }];
    const levels = bidi.getEmbeddingLevels(paragraph, this.direction);
    const line = (start: number, end: number): Line => this.line(paragraph, levels, start, end);
    // Most cells fit on one line; measuring each break candidate is only worth it when not.
    const whole = line(0, paragraph.length);
    if (whole.width <= width) return [whole];
    const lines: Line[] = [];
    const breaker = new LineBreaker(paragraph);
    let start = 0;
    let fits = 0;
    for (let next = breaker.nextBreak(); next !== null; next = breaker.nextBreak()) {
      if (fits > start && line(start, next.position).width > width) {
        lines.push(line(start, fits));
        start = fits;
      }
      // A word wider than the box on its own (a long reference, a URL) is cut between
      // characters, as pdfkit does, rather than running over the next column.
      while (line(start, next.position).width > width) {
        const cut = this.longestFit(paragraph, start, next.position, width, line);
        lines.push(line(start, cut));
        start = cut;
      }
      fits = next.position;
      if (next.required && next.position < paragraph.length) {
        lines.push(line(start, fits));
        start = fits;
      }
    }
    if (start < paragraph.length || lines.length === 0) lines.push(line(start, paragraph.length));
    return lines;
  }

  /** The end of the longest run of whole characters from `start` that fits; at least one. */
  private longestFit(paragraph: string, start: number, end: number, width: number, line: (start: number, end: number) => Line): number {
    const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(paragraph.slice(start, end));
    let cut = start;
    for (const { index, segment } of graphemes) {
      const after = start + index + segment.length;
      if (cut > start && line(start, after).width > width) break;
      cut = after;
    }
    return cut;
  }

  /** Characters [start, end) of a paragraph as one line, trailing spaces left off. */
  private line(paragraph: string, levels: ReturnType<typeof bidi.getEmbeddingLevels>, start: number, end: number): Line {
    let last = end - 1;
    while (last >= start && /\s/u.test(paragraph[last] ?? '')) last--;
    if (last < start) return { runs: [], width: 0 };
    const visual = bidi.getReorderedIndices(paragraph, levels, start, last).slice(start, last + 1);
    const mirrored = bidi.getMirroredCharactersMap(paragraph, levels.levels, start, last);

    // Neighbours on the page that are neighbours in the text, at one level, form a run.
    const groups: number[][] = [];
    let previous = -2;
    for (const index of visual) {
      const level = levels.levels[index] ?? 0;
      const step = level % 2 === 1 ? -1 : 1;
      const group = groups.at(-1);
      if (group && index === previous + step && levels.levels[previous] === level) group.push(index);
      else groups.push([index]);
      previous = index;
    }

    const runs = groups.flatMap((group): Run[] => {
      const rtl = (levels.levels[group[0] ?? 0] ?? 0) % 2 === 1;
      const logical = [...group].sort((a, b) => a - b);
      const text = logical.map((index) => mirrored.get(index) ?? paragraph[index]).join('').replace(bidiControls, '');
      if (text === '') return [];
      // A run fontkit would lay out the other way (Latin digits inside Arabic text, brackets
      // between Arabic words) has no letters to join, so it is handed over already reversed.
      const ordered = fontkitReadsRtl(text) === rtl ? text : [...text].reverse().join('');
      return [{ text: ordered, width: this.pdf.widthOfString(ordered, wholeRun), rtl }];
    });
    return { runs, width: runs.reduce((sum, run) => sum + run.width, 0) };
  }

  /**
   * Text extractors (poppler's pdftotext, pdf.js) read right-to-left text by walking the glyphs
   * from right to left, but spread the characters of one ligature over its width from left to
   * right: the lam-alef of الإجمالي would be copied, searched and extracted as اإلجمالي. Giving
   * such ligatures their characters in visual order in the font's ToUnicode map makes the
   * extracted text logical again. pdfkit has no option for this and keeps the map on its font
   * object; if that object ever looks different this does nothing, and only extraction suffers.
   */
  private ligaturesInVisualOrder(text: string): void {
    const font = (this.pdf as unknown as { _font?: Partial<EmbeddedFontInternals> })._font;
    if (!font || typeof font.layout !== 'function' || !font.subset || !Array.isArray(font.unicode)) return;
    for (const glyph of font.layout(text, wholeRun.features).glyphs) {
      if (glyph.codePoints.length < 2) continue;
      font.unicode[font.subset.includeGlyph(glyph.id)] = [...glyph.codePoints].reverse();
    }
  }
}

/** The parts of pdfkit's EmbeddedFont that `ligaturesInVisualOrder` relies on. */
interface EmbeddedFontInternals {
  layout(text: string, features: string[]): { glyphs: Array<{ id: number; codePoints: number[] }> };
  subset: { includeGlyph(id: number): number };
  unicode: number[][];
}
