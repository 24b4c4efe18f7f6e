// A standalone page a cashier can print on A4, email, or open on a customer's phone: inline
// CSS, no scripts, no external assets, so it renders the same offline and from an attachment.
import type { BillingDocument } from './model.js';
import { buildView, type Field, type Isolation, type TextLine } from './view.js';

/** Text that is already markup: built by the `html` tag below, or this module's own constants. */
class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Markup | string | number | null | Value[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

function interpolate(value: Value): string {
  if (value === null) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(String(value));
}

/**
 * Escapes every interpolated value unless it is itself the result of `html`, so staff-typed
 * names and descriptions cannot inject markup and no call site has to remember to escape.
 */
function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  return new Markup(strings.reduce((out, part, i) => out + part + (i < values.length ? interpolate(values[i] ?? null) : ''), ''));
}

// Logical properties (inline/block, start/end) so dir="rtl" mirrors the page without a second
// stylesheet. Below 560px the line table turns into one card per line, labelled from data-label.
const css = `@page{size:A4;margin:14mm}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",Arial,sans-serif;color:#1a1a1a;background:#fff}
main{max-width:820px;margin:0 auto;padding:24px 16px}
p,h1,h2,dl,dd{margin:0}
header{display:flex;flex-wrap:wrap;justify-content:space-between;gap:16px;padding-block-end:16px;border-block-end:2px solid #1a1a1a}
.logo{display:block;width:auto;height:auto;max-width:160px;max-height:64px;margin-block-end:8px}
.name{font-weight:600;font-size:1.05em}
.meta{margin-inline-start:auto;min-width:240px}
h1{font-size:1.6em;text-align:end;margin-block-end:6px}
dl div{display:flex;justify-content:space-between;gap:16px}
dt{color:#555}
dd{text-align:end;font-weight:500}
.alert{color:#b00020;font-weight:700}
.party{margin-block:20px}
h2{font-size:.8em;text-transform:uppercase;letter-spacing:.05em;color:#555;font-weight:600;margin-block-end:4px}
.party dl{max-width:320px}
.pre{white-space:pre-line}
table{width:100%;border-collapse:collapse}
th,td{padding:6px 8px;text-align:start;vertical-align:top}
thead th{font-size:.8em;color:#555;font-weight:600;border-block-end:1px solid #1a1a1a}
tbody td{border-block-end:1px solid #ddd}
.num{text-align:end;white-space:nowrap;font-variant-numeric:tabular-nums}
tr{break-inside:avoid}
.totals{width:auto;min-width:50%;margin-inline-start:auto;margin-block-start:12px}
.totals th{font-weight:400;color:#555}
.totals td,.totals th{border:0}
.totals .em th,.totals .em td{font-weight:700;color:#1a1a1a;border-block-start:1px solid #1a1a1a}
.notes{margin-block-start:20px}
.closing{margin-block-start:24px;text-align:center}
@media (max-width:560px){
.meta{margin-inline-start:0;width:100%}
h1{text-align:start}
.lines thead{display:none}
.lines tr{display:block;border-block-end:1px solid #ddd;padding-block:6px}
.lines td{display:flex;justify-content:space-between;gap:12px;border:0;padding:2px 0}
.lines td::before{content:attr(data-label);color:#555}
.lines td:first-child{font-weight:600}
.lines td:first-child::before{content:none}
.totals{width:100%}
}
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}}`;

/**
 * <bdi> rather than the isolate characters U+2066-U+2069 in the text: a customer who copies an
 * account or phone number into M-Pesa gets no invisible characters with it.
 */
function isolated(text: string, isolate: Isolation | undefined): Markup {
  if (isolate === 'ltr') return html`<bdi dir="ltr">${text}</bdi>`;
  return isolate === 'auto' ? html`<bdi>${text}</bdi>` : html`${text}`;
}

function fields(list: Field[]): Markup {
  if (list.length === 0) return html``;
  return html`<dl>${list.map((f) => html`<div><dt>${f.label}</dt><dd${f.alert ? html` class="alert"` : null}>${isolated(f.value, f.isolate)}</dd></div>`)}</dl>`;
}

function lines(list: TextLine[]): Markup {
  return html`${list.map((line) => html`<p class="pre">${isolated(line.text, line.isolate)}</p>\n`)}`;
}

export function renderHtml(doc: BillingDocument): string {
  const view = buildView(doc);
  const logo = view.operator.logo ? html`<img class="logo" alt="${view.operator.name}" src="${view.operator.logo.dataUrl}">` : null;
  const head = view.columns.map((c) => html`<th scope="col"${c.numeric ? html` class="num"` : null}>${c.label}</th>`);
  const rows = view.rows.map(
    (cells) =>
      html`<tr>${cells.map((cell, i) => {
        const column = view.columns[i];
        return html`<td data-label="${column?.label ?? ''}"${column?.numeric ? html` class="num"` : null}>${column?.numeric ? cell : isolated(cell, view.typed)}</td>`;
      })}</tr>`,
  );
  const totals = view.totals.map((row) => html`<tr${row.emphasis ? html` class="em"` : null}><th scope="row">${row.label}</th><td class="num">${row.value}</td></tr>`);

  return html`<!doctype html>
<html lang="${view.lang}" dir="${view.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${view.title} ${view.number}</title>
<style>${new Markup(css)}</style>
</head>
<body>
<main>
<header>
<div class="from">${logo}
<p class="name">${isolated(view.operator.name, view.typed)}</p>
${lines(view.operator.lines)}${fields(view.operator.fields)}
</div>
<div class="meta">
<h1>${view.title}</h1>
${fields(view.facts)}
</div>
</header>
<section class="party">
<h2>${view.party.heading}</h2>
<p class="name">${isolated(view.party.name, view.typed)}</p>
${lines(view.party.lines)}${fields(view.party.fields)}
</section>
<table class="lines">
<thead><tr>${head}</tr></thead>
<tbody>
${rows.map((row) => html`${row}\n`)}</tbody>
</table>
<table class="totals"><tbody>
${totals.map((row) => html`${row}\n`)}</tbody></table>
${view.notes ? html`<section class="notes"><h2>${view.notes.label}</h2><p class="pre">${isolated(view.notes.value, view.notes.isolate)}</p></section>` : null}
${view.closing ? html`<p class="closing">${view.closing}</p>` : null}
</main>
</body>
</html>
`.text;
}
