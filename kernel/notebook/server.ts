/**
 * Where a remote run goes: a Jupyter Server's base URL and token, read from `--server URL`
 * and `--token T` (or `$JUPYTER_TOKEN`). Kept apart from remote-kernel.ts so reading the
 * command line does not load @jupyterlab/services.
 *
 * @example
 * parseServer("http://127.0.0.1:8888/lab?token=abc", undefined, process.env.JUPYTER_TOKEN); // { url: "http://127.0.0.1:8888/", token: "abc" }
 */

export interface ServerOptions {
  /** The server's base URL, ending in "/" ("http://host:8888/", "https://hub/user/me/"). */
  url: string;
  token: string;
}

/**
 * A URL copied from the browser or `jupyter server list` (`…/lab?token=abc`) gives its token
 * and base URL. The token: `token` (--token) first, then the URL's, then `fallback` ($JUPYTER_TOKEN).
 */
export function parseServer(url: string, token: string | undefined, fallback?: string): ServerOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--server ${url}: not a URL (expected http://host:port/ or https://…)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`--server ${url}: expected an http:// or https:// URL`);
  const fromUrl = parsed.searchParams.get("token") ?? undefined;
  parsed.search = "";
  parsed.hash = "";
  // The page a browser shows (…/lab, …/tree) is not part of the base URL.
  parsed.pathname = parsed.pathname.replace(/\/(lab|tree)\/?$/, "/");
  if (!parsed.pathname.endsWith("/")) parsed.pathname += "/";
  return { url: parsed.toString(), token: token ?? fromUrl ?? fallback ?? "" };
}
