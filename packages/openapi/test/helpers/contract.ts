import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../src/index';

// Checks real HTTP exchanges against the API document: the status must be documented for the operation,
// the body must match that response's schema, and every documented header must be present when required
// and match its schema when present. Schemas are checked by Ajv's JSON Schema 2020-12 validator (the
// dialect of OpenAPI 3.1) against the document itself, so nothing is copied or converted.

const DOCUMENT_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One operation of the document. */
export interface Operation {
  method: string;
  /** The path template, e.g. `/api/v1/integration/suppliers/{externalId}`. */
  template: string;
  operationId: string;
  /** The JSON pointer of the operation in the document. */
  pointer: string;
  /** Status codes (and ranges such as `2XX`) the operation documents. */
  statuses: string[];
  /** Scopes of its `integrationToken` security requirement, or undefined for the Admin API. */
  scopes: string[] | undefined;
}

/** A response as received. */
export interface Exchange {
  method: string;
  /** The request path, possibly with a query string. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

/** What {@link Contract.check} found. */
export interface CheckResult {
  operation: Operation | undefined;
  problems: string[];
}

type Json = Record<string, unknown>;

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function templateRegExp(template: string): RegExp {
  const pattern = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return new RegExp(`^${pattern}$`);
}

/** The document's operations and a checker of exchanges against them. */
export class Contract {
  readonly operations: Operation[];
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly matchers: { regexp: RegExp; literal: boolean; template: string }[];

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strictTypes: false });
    addFormats(this.ajv);
    // Annotation keywords OpenAPI adds to JSON Schema; they describe, they do not constrain.
    this.ajv.addKeyword({ keyword: 'example' });
    // The document's own top-level fields, so that Ajv, which compiles the root it resolves fragments
    // in, accepts it; every schema inside is still compiled strictly when it is first used.
    for (const keyword of Object.keys(document)) {
      if (!this.ajv.getKeyword(keyword)) this.ajv.addKeyword({ keyword });
    }
    this.ajv.addSchema(document as unknown as Json, DOCUMENT_ID);
    this.operations = [];
    for (const [template, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!isObject(operation)) continue;
        const security = Array.isArray(operation['security']) ? (operation['security'] as Json[]) : [];
        const integration = security.find((requirement) => 'integrationToken' in requirement);
        this.operations.push({
          method: method.toUpperCase(),
          template,
          operationId: String(operation['operationId']),
          pointer: `/paths/${escapePointer(template)}/${method}`,
          statuses: Object.keys(isObject(operation['responses']) ? operation['responses'] : {}),
          scopes: integration === undefined ? undefined : (integration['integrationToken'] as string[]),
        });
      }
    }
    // Literal paths win over templated ones, as in routers.
    this.matchers = Object.keys(document.paths)
      .map((template) => ({ template, regexp: templateRegExp(template), literal: !template.includes('{') }))
      .sort((a, b) => Number(b.literal) - Number(a.literal));
  }

  /** The operation serving `method path`, if the document has one. */
  findOperation(method: string, path: string): Operation | undefined {
    const bare = path.split('?')[0] ?? path;
    const upper = method.toUpperCase();
    for (const matcher of this.matchers) {
      if (!matcher.regexp.test(bare)) continue;
      const found = this.operations.find((op) => op.template === matcher.template && op.method === upper);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The value at a JSON pointer of the document. */
  resolve(pointer: string): unknown {
    let node: unknown = this.document;
    for (const raw of pointer.split('/').slice(1)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
    return node;
  }

  /** Follows `$ref`s (local ones only) to the object they name, with its pointer. */
  private follow(pointer: string): { pointer: string; value: Json } {
    let current = pointer;
    for (let hops = 0; hops < 10; hops += 1) {
      const value = this.resolve(current);
      if (!isObject(value)) throw new Error(`nothing at ${current}`);
      const ref = value['$ref'];
      if (typeof ref !== 'string') return { pointer: current, value };
      current = ref.replace(/^#/, '');
    }
    throw new Error(`too many $ref hops from ${pointer}`);
  }

  /** Validates `value` against the schema at `pointer`; returns Ajv's errors as text. */
  validate(pointer: string, value: unknown): string[] {
    let validator = this.validators.get(pointer);
    if (validator === undefined) {
      const compiled = this.ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
      if (compiled === undefined) throw new Error(`no schema at ${pointer}`);
      validator = compiled;
      this.validators.set(pointer, validator);
    }
    if (validator(value)) return [];
    return (validator.errors ?? []).map(
      (e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`,
    );
  }

  /** Checks one exchange against the document. */
  check(exchange: Exchange): CheckResult {
    const label = `${exchange.method} ${exchange.path.split('?')[0]} → ${exchange.status}`;
    const operation = this.findOperation(exchange.method, exchange.path);
    if (operation === undefined)
      return { operation, problems: [`${label}: no such operation in the document`] };
    const status = String(exchange.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => operation.statuses.includes(k));
    if (key === undefined) {
      return {
        operation,
        problems: [`${label}: status ${status} is not documented for ${operation.operationId}`],
      };
    }
    const response = this.follow(`${operation.pointer}/responses/${escapePointer(key)}`);
    return { operation, problems: this.checkResponse(label, response, exchange) };
  }

  /**
   * Checks a response body and headers against a response object of the document (also used for the
   * webhook requests the platform sends, whose "response" is the request body and headers).
   */
  checkResponse(label: string, response: { pointer: string; value: Json }, exchange: Exchange): string[] {
    const problems: string[] = [];
    const content = isObject(response.value['content']) ? response.value['content'] : undefined;
    if (content === undefined) {
      if (exchange.text !== '')
        problems.push(`${label}: documents no body but got ${exchange.text.slice(0, 200)}`);
    } else {
      const type = exchange.headers.get('content-type') ?? '';
      if (!('application/json' in content) || !type.startsWith('application/json')) {
        problems.push(`${label}: content type ${type} is not documented`);
      } else {
        let body: unknown;
        try {
          body = JSON.parse(exchange.text);
        } catch {
          problems.push(`${label}: body is not JSON: ${exchange.text.slice(0, 200)}`);
        }
        if (body !== undefined) {
          const pointer = `${response.pointer}/content/application~1json/schema`;
          for (const error of this.validate(pointer, body)) problems.push(`${label}: body ${error}`);
        }
      }
    }
    const headers = isObject(response.value['headers']) ? response.value['headers'] : {};
    for (const name of Object.keys(headers)) {
      problems.push(
        ...this.checkHeader(label, `${response.pointer}/headers/${escapePointer(name)}`, name, exchange),
      );
    }
    return problems;
  }

  /** Checks one header against a header (or header parameter) object of the document. */
  checkHeader(label: string, pointer: string, name: string, exchange: Exchange): string[] {
    const header = this.follow(pointer);
    const value = exchange.headers.get(name);
    if (value === null) {
      return header.value['required'] === true ? [`${label}: required header ${name} is missing`] : [];
    }
    const schema = this.resolve(`${header.pointer}/schema`);
    const numeric = isObject(schema) && (schema['type'] === 'integer' || schema['type'] === 'number');
    const typed: unknown = numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    return this.validate(`${header.pointer}/schema`, typed).map(
      (e) => `${label}: header ${name}=${value} ${e}`,
    );
  }
}
