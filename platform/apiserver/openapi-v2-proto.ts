/**
 * `/openapi/v2` in the protobuf encoding client-go asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): the
 * message `openapi.v2.Document` of the gnostic OpenAPI v2 model. kubectl
 * 1.27 and 1.28 read it before any `apply` or `create -f` (their validator
 * and, without OpenAPI v3 patching, the patch metadata of `apply`).
 *
 * Only what openapi.ts's Swagger documents contain is encoded: info, paths
 * with their operations (operationId, parameters, a 200 response, vendor
 * extensions) and definitions (type, format, description, required,
 * properties, additionalProperties, items, vendor extensions). Vendor
 * extension values are carried as YAML text, which JSON text is.
 */

type Json = Record<string, unknown>;

/** A protobuf message being written: fields appended in order. */
class Message {
  private readonly parts: Buffer[] = [];

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 127) {
      bytes.push((v & 127) | 128);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  string(field: number, value: unknown): this {
    if (typeof value !== 'string' || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) for (const v of values) this.string(field, v);
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  message(field: number, m: Message | undefined): this {
    return m ? this.bytes(field, m.toBuffer()) : this;
  }

  private bytes(field: number, b: Buffer): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `repeated NamedAny vendor_extension`: every `x-` key, its value as YAML (JSON) text in `Any.yaml` (field 2). */
function vendorExtensions(m: Message, field: number, source: Json): void {
  for (const [k, v] of Object.entries(source)) {
    if (!k.startsWith('x-')) continue;
    m.message(field, new Message().string(1, k).message(2, new Message().string(2, JSON.stringify(v))));
  }
}

function schema(s: Json): Message {
  const m = new Message().string(1, s.$ref).string(2, s.format).string(4, s.description).strings(19, s.required);
  if (isObject(s.additionalProperties)) m.message(21, new Message().message(1, schema(s.additionalProperties)));
  if (typeof s.type === 'string') m.message(22, new Message().string(1, s.type));
  if (isObject(s.items)) m.message(23, new Message().message(1, schema(s.items)));
  if (isObject(s.properties)) {
    const props = new Message();
    for (const [name, value] of Object.entries(s.properties)) if (isObject(value)) props.message(1, new Message().string(1, name).message(2, schema(value)));
    m.message(25, props);
  }
  vendorExtensions(m, 31, s);
  return m;
}

/** A non-body parameter (query or path) as `ParametersItem{parameter{non_body_parameter{…}}}`. */
function parameter(p: Json): Message {
  const sub =
    p.in === 'path'
      ? new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(5, p.type)
      : new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(6, p.type);
  const nonBody = new Message().message(p.in === 'path' ? 4 : 3, sub);
  return new Message().message(1, new Message().message(2, nonBody));
}

function operation(op: Json): Message {
  const m = new Message().string(5, op.operationId);
  for (const p of Array.isArray(op.parameters) ? op.parameters : []) if (isObject(p)) m.message(8, parameter(p));
  const responses = new Message();
  for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {}))
    if (isObject(r)) responses.message(1, new Message().string(1, code).message(2, new Message().message(1, new Message().string(1, r.description))));
  m.message(9, responses);
  vendorExtensions(m, 13, op);
  return m;
}

const OPERATION_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function pathItem(item: Json): Message {
  const m = new Message();
  for (const [method, field] of Object.entries(OPERATION_FIELDS)) if (isObject(item[method])) m.message(field, operation(item[method] as Json));
  for (const p of Array.isArray(item.parameters) ? item.parameters : []) if (isObject(p)) m.message(9, parameter(p));
  return m;
}

/** The protobuf encoding of a Swagger 2.0 document built by openapi.ts. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = new Message();
  for (const [name, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) if (isObject(item)) paths.message(2, new Message().string(1, name).message(2, pathItem(item)));
  const definitions = new Message();
  for (const [name, s] of Object.entries(isObject(doc.definitions) ? doc.definitions : {})) if (isObject(s)) definitions.message(1, new Message().string(1, name).message(2, schema(s)));
  return new Message()
    .string(1, doc.swagger)
    .message(2, new Message().string(1, info.title).string(2, info.version))
    .message(8, paths)
    .message(9, definitions)
    .toBuffer();
}
