/**
 * HTML outputs carry their styles inline (see `src/render/html.ts`); tests that check the
 * structure read it without them.
 */
export function markup(html: string): string {
  return html.replace(/ (style|align)="[^"]*"/g, "");
}
