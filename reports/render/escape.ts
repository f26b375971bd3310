const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Markup that is already safe: the only value the `html` tag inserts without escaping. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A value the `html` tag accepts: text is escaped, SafeHtml is kept, arrays are joined, nullish and false vanish. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  return escapeHtml(String(value));
}

/** Tagged template that HTML-escapes every interpolated value unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, i) => out + renderValue(values[i - 1] as HtmlValue) + part));
}

/**
 * Serialises data for a `<script type="application/json">` element: `<`, `>`, `&`
 * and the JS line separators are written as \u escapes, so no input can close the element.
 */
export function jsonForScript(data: unknown): SafeHtml {
  return new SafeHtml(
    JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** Makes trusted JavaScript source safe to inline in a `<script>` element (no early `</script>`, no `<!--`). */
export function inlineScript(source: string): SafeHtml {
  return new SafeHtml(source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--'));
}

const MARKDOWN_SPECIALS = /[\\`*_[\]|~]/g;
/** Every line terminator a Markdown renderer may honour (a lone CR, NEL, LS, PS, VT, FF too). */
const LINE_TERMINATORS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;
/** Other controls, which a terminal showing summary.md would act on. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Escapes text for a Markdown table cell or a one-line paragraph: every line terminator becomes a
 * space (so no input can end a row), other control characters are dropped, Markdown specials are
 * backslash-escaped and `<`, `>` and `&` become entities because GitHub renders inline HTML.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(LINE_TERMINATORS, ' ')
    .replace(CONTROLS, '')
    .replace(/[&<>]/g, (char) => HTML_ESCAPES[char]!)
    .replace(MARKDOWN_SPECIALS, (char) => `\\${char}`);
}
