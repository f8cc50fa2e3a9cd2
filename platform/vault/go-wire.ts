/**
 * What Vault's Go HTTP stack puts on the wire, for the parts shell clients
 * see: encoding/json's Encoder output, net/http's status texts and canonical
 * header names. vault-manager runs `curl ...; echo $?` and splits the last
 * line off as curl's exit code, so the "\n" that ends every JSON document
 * Vault writes is part of the contract, not formatting.
 */

/**
 * One JSON document as Go's json.Encoder writes it: HTML-safe (`<`, `>`, `&`,
 * U+2028, U+2029 as \u escapes), `\b` and `\f` as \u0008 and \u000c (the Go
 * releases that built Vault 1.14 had no short forms for them), then "\n".
 * JSON.stringify emits those characters only inside strings, and the
 * alternation consumes each escape pair whole, so `\\b` (a backslash, then b)
 * stays as it is.
 */
export function encodeJsonDocument(value: unknown): string {
  const text = JSON.stringify(value).replace(/\\[\\bf]|[<>&\u2028\u2029]/g, (m) => GO_ESCAPES[m] ?? m);
  return `${text}\n`;
}

const GO_ESCAPES: Record<string, string> = {
  '\\b': '\\u0008',
  '\\f': '\\u000c',
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** net/http's StatusText table (several differ from Node's: 413, 414, 416, 418; Go has no 509). */
const GO_STATUS_TEXT: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content',
  206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large', 414: 'Request URI Too Long',
  415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot",
  421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early',
  426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage', 508: 'Loop Detected',
  510: 'Not Extended', 511: 'Network Authentication Required',
};

/** The reason phrase of Vault's status line for `code`; Go's fallback for codes it has no text for (472 → `status code 472`). */
export function goStatusText(code: number): string {
  return GO_STATUS_TEXT[code] ?? `status code ${code}`;
}

/** textproto.CanonicalMIMEHeaderKey for the ASCII names the double sends: `content-type` → `Content-Type`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1)))
    .join('-');
}
