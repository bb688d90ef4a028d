import { defined } from '../../shared/invariant.js';

/**
 * Escaping for the self-contained report pages: text into HTML, data into an inline
 * `<script type="application/json">`, code into an inline `<script>`. Scenario names are user data.
 */

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => defined(HTML_ENTITIES[char], 'an entity per matched character'));
}

const JSON_UNSAFE: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON for the body of an inline script: no `<`, `>` or `&` survive (so neither `</script>` nor
 * `<!--` can end or alter the element); the escapes decode to the same characters in JSON.parse.
 */
export function inlineJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('inlineJson: value is not representable as JSON');
  return json.replace(/[<>&\u2028\u2029]/g, (char) => defined(JSON_UNSAFE[char], 'an escape per matched character'));
}

/**
 * JavaScript source for the body of an inline script. `</script` and `<!--` can only occur in
 * strings, regular expressions or comments of valid code, where `<\/` and `<\!` mean the same.
 */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
