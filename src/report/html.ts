// The report's only way of making markup: a tagged template whose interpolated values are
// escaped by escape-html unless they are markup made here. Every cell, file name and server
// message reaches the page as text, never as tags (a `<script>` in an error message shows as
// `<script>`). Values go into element content or double-quoted attributes only, never into
// <style>, <script> or unquoted attributes, where escaping would not be enough.
import escapeHtml from "escape-html";

/** Markup built by `html`: inserted as it is into other `html` templates. */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Markup | string | number | undefined | null | false | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return "";
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join("");
  return escapeHtml(String(value));
}

/** html`<td>${cell}</td>`: the literal parts are markup, every value is escaped text. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Markup(out);
}
