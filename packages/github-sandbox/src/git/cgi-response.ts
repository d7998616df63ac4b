/** The header block a CGI program writes before its body. */
export interface CgiHead {
  status: number;
  headers: Array<[string, string]>;
  /** Body bytes that arrived in the same chunks as the header block. */
  rest: Buffer;
}

/**
 * Splits a CGI response into its head and the start of its body once the blank line arrived;
 * returns undefined while more output is needed. `Status: 404 Not Found` sets the status
 * (200 when absent, per RFC 3875).
 */
export function parseCgiHead(output: Buffer): CgiHead | undefined {
  const crlf = output.indexOf("\r\n\r\n");
  const lf = output.indexOf("\n\n");
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : lf >= 0 ? { at: lf, length: 2 } : undefined;
  if (!end) return undefined;
  const lines = output.subarray(0, end.at).toString("latin1").split(/\r?\n/);
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, rest: output.subarray(end.at + end.length) };
}
