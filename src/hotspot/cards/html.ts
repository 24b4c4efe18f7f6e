// Voucher cards as one standalone page to print on A4: inline CSS, QR codes as inline SVG,
// the logo once as a data URL, no scripts and no external assets, so it prints the same
// offline, from a download or from an e-mail. Each sheet is a fixed 210 × 297 mm box with a
// page break after it; @page has no margin, so browsers print no URL or date over the cards.
import * as g from './geometry.js';
import type { CardSheet } from './model.js';
import { quietZone, darkRuns, type QrMatrix } from './qr.js';
import { buildSheetView, type CardField, type CardView, type Isolation, type SheetView } from './view.js';

/** Text that is already markup: built by the `html` tag below, or this module's own constants. */
class Markup {
  constructor(readonly text: string) {}
}

type Value = Markup | string | number | null | Value[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function interpolate(value: Value): string {
  if (value === null) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return String(value).replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

/** Escapes every interpolated value unless it is itself markup, so no typed name can inject any. */
function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += interpolate(values[i] ?? null) + (strings[i + 1] ?? '');
  return new Markup(out);
}

const mm = (value: number): string => `${Number(value.toFixed(3))}mm`;

// Logical properties (inline/block, start/end) and the grid's own direction mirror the sheet
// for dir="rtl": the first card top right, each QR code at its card's left.
const css = `@page{size:A4;margin:0}
*{box-sizing:border-box;margin:0;padding:0}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:"DejaVu Sans","Noto Sans","Noto Sans Arabic",Tahoma,Arial,sans-serif;color:#1a1a1a;background:#fff}
.sheet{position:relative;width:${mm(g.pageWidth)};height:${mm(g.pageHeight)};overflow:hidden;break-after:page;break-inside:avoid}
.sheet:last-child{break-after:auto}
.grid{position:absolute;inset-block-start:${mm(g.marginTop)};inset-inline-start:${mm(g.marginX)};display:grid;grid-template-columns:repeat(${g.columns},${mm(g.cardWidth)});grid-auto-rows:${mm(g.cardHeight)}}
.card{position:relative;overflow:hidden;border:0 dashed #999;border-inline-end-width:.2mm;border-block-end-width:.2mm}
.card:nth-child(${g.columns}n+1){border-inline-start-width:.2mm}
.card:nth-child(-n+${g.columns}){border-block-start-width:.2mm}
.card>*{position:absolute}
.line{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.head{inset-block-start:${mm(g.padding)};inset-inline:${mm(g.padding)};height:${mm(g.headerHeight)};display:flex;align-items:center;gap:1.5mm}
.logo{flex:none}
.who{flex:1;min-width:0}
.operator{height:${mm(g.lines.operator)};line-height:${mm(g.lines.operator)};font-weight:700;font-size:${g.type.operator}pt}
.help{height:${mm(g.lines.help)};line-height:${mm(g.lines.help)};font-size:${g.type.small}pt;color:#555}
.price{flex:none;max-width:${mm(g.innerWidth / 3)};font-weight:700;font-size:${g.type.price}pt}
.text{inset-block-start:${mm(g.padding + g.bodyTop)};inset-inline-start:${mm(g.padding)}}
.plan{height:${mm(g.lines.plan)};line-height:${mm(g.lines.plan)};font-size:${g.type.plan}pt;font-weight:700}
.label{height:${mm(g.lines.label)};line-height:${mm(g.lines.label)};font-size:${g.type.label}pt;color:#555}
.code{height:${mm(g.lines.code)};line-height:${mm(g.lines.code)};font:700 ${g.type.code}pt/${mm(g.lines.code)} "DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);column-gap:1.5mm;grid-auto-rows:${mm(g.lines.field)};line-height:${mm(g.lines.field)}}
dt{font-size:${g.type.label}pt;color:#555}
dd{font-size:${g.type.field}pt}
.typed{font-family:"DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace;font-weight:700}
.qr{inset-block-start:${mm(g.padding + g.bodyTop)};inset-inline-end:${mm(g.padding)};width:${mm(g.qrSide)};text-align:center}
.qr svg{display:block;width:${mm(g.qrSide)};height:${mm(g.qrSide)}}
.scan{height:${mm(g.smallLine)};line-height:${mm(g.smallLine)};font-size:${g.type.small}pt;color:#555}
.foot{inset-block-start:${mm(g.padding + g.footerTop)};inset-inline:${mm(g.padding)};height:${mm(g.smallLine)};line-height:${mm(g.smallLine)};display:flex;gap:3mm;justify-content:space-between;font-size:${g.type.small}pt;color:#555}
.foot .line{min-width:0}
.foot .serial{flex:none;max-width:50%}
.page-foot{position:absolute;inset-block-start:${mm(g.pageHeight - g.marginBottom + 4)};inset-inline:${mm(g.marginX)};text-align:center;font-size:${g.type.pageFooter}pt;color:#555}
@media screen{body{background:#e5e5e5}.sheet{margin:8mm auto;background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.3)}}`;

/**
 * <bdi> rather than isolate characters in the text: a code copied off the page carries no
 * invisible characters into the login form.
 */
function isolated(text: string, isolate: Isolation): Markup {
  if (isolate === 'ltr') return html`<bdi dir="ltr">${text}</bdi>`;
  return isolate === 'auto' ? html`<bdi>${text}</bdi>` : html`${text}`;
}

/** Label and value on one line, the value isolated: 'Help line 0712 345 678'. */
function labelled(field: CardField): Markup {
  return html`${field.label} ${isolated(field.value, field.isolate)}`;
}

/**
 * The QR code as one path of horizontal strokes, one per run of dark modules ("M x y.5 h n",
 * then "m gap 0 h n" to the next run in the row): about 2.5 KB a card where a rect per module
 * would take 20. The viewBox adds the quiet zone around the symbol.
 */
export function qrSvg(matrix: QrMatrix): string {
  let d = '';
  let row = -1;
  let end = 0;
  for (const run of darkRuns(matrix)) {
    if (run.row !== row) {
      d += `M${run.column} ${run.row}.5h${run.length}`;
      row = run.row;
    } else {
      d += `m${run.column - end} 0h${run.length}`;
    }
    end = run.column + run.length;
  }
  const side = matrix.size + 2 * quietZone;
  return `<svg viewBox="-${quietZone} -${quietZone} ${side} ${side}" shape-rendering="crispEdges" aria-hidden="true"><path stroke="#000" d="${d}"/></svg>`;
}

function card(view: SheetView, c: CardView): Markup {
  const width = g.textWidth(c.qr !== null);
  const logo = view.logo ? html`<svg class="logo" width="${mm(view.logo.width)}" height="${mm(view.logo.height)}" aria-hidden="true"><use href="#logo"/></svg>` : null;
  const codeStyle = c.codeSize === g.type.code ? null : html` style="font-size:${c.codeSize}pt"`;
  const fields = c.fields.map(
    (f) => html`<dt>${f.label}</dt><dd class="line${f.typed ? ' typed' : ''}">${isolated(f.value, f.isolate)}</dd>`,
  );
  const qr = c.qr ? html`<div class="qr">${new Markup(qrSvg(c.qr))}<span class="scan line">${view.labels.scanToLogIn}</span></div>` : null;
  const network = view.network ? html`<span class="line">${labelled(view.network)}</span>` : html`<span></span>`;
  return html`<article class="card">
<div class="head">${logo}<div class="who"><p class="operator line">${isolated(view.operator.name, view.operator.isolate)}</p>${view.operator.help ? html`<p class="help line">${labelled(view.operator.help)}</p>` : null}</div><p class="price line">${isolated(c.price, c.isolate.typed)}</p></div>
<div class="text" style="width:${mm(width)}">
<p class="plan line">${isolated(c.plan, c.isolate.typed)}</p>
<p class="label">${view.labels.code}</p>
<p class="code line"${codeStyle}>${isolated(c.code, c.isolate.code)}</p>
<dl>${fields}</dl>
</div>
${qr}<div class="foot">${network}<span class="serial line">${labelled(c.serial)}</span></div>
</article>
`;
}

function page(view: SheetView, number: number): Markup {
  const footer = html`${view.title} · ${labelled(view.batch)} · ${view.pageLabel(number)}`;
  return html`<section class="sheet"><div class="grid">
${view.cardsOf(number).map((c) => card(view, c))}</div>
<p class="page-foot">${footer}</p></section>
`;
}

/**
 * The page in pieces (head, one piece per A4 sheet, tail), for a web route to stream: a
 * 10,000-card batch is about 30 MB of HTML, and each piece can wait for the socket to drain.
 */
export function* cardsHtmlChunks(sheet: CardSheet): Generator<string, void, undefined> {
  const view = buildSheetView(sheet);
  // The logo is embedded once and each card points at it, instead of carrying a copy each.
  const logo = view.logo
    ? html`<svg width="0" height="0" style="position:absolute" aria-hidden="true"><symbol id="logo" viewBox="0 0 ${view.logo.width} ${view.logo.height}"><image href="${view.logo.dataUrl}" width="${view.logo.width}" height="${view.logo.height}" preserveAspectRatio="none"/></symbol></svg>`
    : null;
  yield html`<!doctype html>
<html lang="${view.lang}" dir="${view.dir}">
<head>
<meta charset="utf-8">
<title>${view.title} · ${view.batch.value}</title>
<style>${new Markup(css)}</style>
</head>
<body>
${logo}
`.text;
  for (let number = 1; number <= view.pages; number++) yield page(view, number).text;
  yield '</body>\n</html>\n';
}

/** The whole page as one string: A4 sheets of 24 cards, print-ready. */
export function renderCardsHtml(sheet: CardSheet): string {
  let out = '';
  for (const chunk of cardsHtmlChunks(sheet)) out += chunk;
  return out;
}
