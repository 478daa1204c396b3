/**
 * The kit's one way to talk to the app: a JSON request with a bearer token,
 * answered by status and body text. A network failure is status 0, never a
 * pass.
 */

/** A response as the kit sees it. */
export interface KitResponse {
  readonly status: number;
  readonly text: string;
  /** The parsed body when it is JSON. */
  readonly json: unknown;
}

/** What a request needs. */
export interface KitRequest {
  readonly method: string;
  readonly url: string;
  readonly token: string;
  readonly body?: unknown;
}

/** Sends one request. */
export async function send(
  doFetch: typeof fetch,
  req: KitRequest,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<KitResponse> {
  const init: RequestInit = {
    method: req.method,
    headers: {
      accept: 'application/json',
      ...headers,
      authorization: `Bearer ${req.token}`,
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (req.body !== undefined) init.body = JSON.stringify(req.body);
  let res: Response;
  try {
    res = await doFetch(req.url, init);
  } catch (err) {
    return { status: 0, text: `request failed: ${err instanceof Error ? err.message : String(err)}`, json: undefined };
  }
  const text = await res.text();
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, text, json };
}
