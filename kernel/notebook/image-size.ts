/**
 * The pixel size of a PNG given as base64 (as notebooks store images), read from its header
 * without decoding the image: for placeholders in the terminal, and to draw upscaled images
 * with crisp pixels on the HTML page.
 *
 * @example
 * pngSize("iVBORw0KGgoAAAANSUhEUgAAABgAAAAM...") // [24, 12]
 */
export function pngSize(base64: string): [number, number] | undefined {
  const head = Buffer.from(base64.replace(/\s+/g, "").slice(0, 44), "base64");
  if (head.length < 24 || head.readUInt32BE(0) !== 0x89504e47) return undefined;
  return [head.readUInt32BE(16), head.readUInt32BE(20)];
}
