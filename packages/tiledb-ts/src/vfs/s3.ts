/**
 * The S3 backend (`s3://bucket/key`), on the AWS SDK for JavaScript v3: the SDK signs requests (or sends them
 * unsigned for public buckets), resolves credentials, region and endpoint from its own environment variables,
 * and parses errors; this module adds what TileDB's access pattern needs on top of it:
 * - byte-range GETs under a bounded number of concurrent requests, ranges asked for together on one object
 *   coalesced into one GET when they are close, and large ranges split into parallel GETs;
 * - retries with exponential backoff and full jitter on throttling, 5xx, connection resets and timeouts,
 *   including a body that stalls mid-read (the SDK retries a request only until its headers arrive);
 * - folders as common prefixes, listed with pagination, as TileDB lays arrays out on object stores;
 * - whole-object writes (one PUT, or a multipart upload completed last): an object is there whole or not at
 *   all, so nothing needs rename or append; `concat` joins objects server-side (UploadPartCopy).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { TileDBError } from "../errors.js";
import type { VFS, VfsEntry } from "./vfs.js";

export interface S3Options {
  /** AWS region; default: the SDK's (AWS_REGION, the shared config), else us-east-1. */
  region?: string;
  /** A custom endpoint (an S3-compatible server), e.g. http://127.0.0.1:9000; default: the SDK's (AWS_ENDPOINT_URL_S3). */
  endpoint?: string;
  /** Path-style addressing (http://host/bucket/key); default: on when an endpoint is given. */
  forcePathStyle?: boolean;
  /**
   * Unsigned requests, for public buckets (no credentials are looked up for them): `true` for every bucket, or the
   * names of the buckets read unsigned, every other bucket signed (e.g. the public Census read, a private cube written).
   */
  anonymous?: boolean | readonly string[];
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Attempts per request before giving up (default 8). */
  maxAttempts?: number;
  /** A request whose connection or body makes no progress for this long is aborted and retried (default 30 s). */
  stallTimeoutMs?: number;
  /** Static credentials instead of the SDK's default chain (environment, shared files, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Traffic so far: what a progress line shows. */
export interface S3Stats {
  bytesFetched: number;
  requests: number;
  retries: number;
}

export const S3_DEFAULT_CONCURRENCY = 16;
/** Ranges on one object closer than this are fetched by one GET (the gap is read and dropped). */
const COALESCE_GAP = 256 * 1024;
/** A GET never grows past this by coalescing; larger single ranges are split into parts of this size. */
const MAX_GET = 8 * 2 ** 20;
/** Objects larger than this are written by multipart upload, in parts of this size. */
const PART_SIZE = 16 * 2 ** 20;
/** S3's smallest part but the last. */
const MIN_PART = 5 * 2 ** 20;
/** Bytes copied per UploadPartCopy (S3 allows up to 5 GiB). */
const MAX_COPY = 2 ** 30;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 5000;

/** Whether `name` follows S3's bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens. */
export function isS3BucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);
}

/** Splits `s3://bucket/key` into bucket and key (no leading or trailing slashes on the key). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!m || m[1].length === 0) throw new TileDBError("E_VFS_SCHEME", `not an s3:// URI: "${uri}"`);
  return { bucket: m[1], key: m[2].replace(/\/+$/, "") };
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const RETRYABLE_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "InternalError",
  "ServiceUnavailable",
  "ConditionalRequestConflict",
  "StalledError",
  "AbortError",
]);
const RETRYABLE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]);

function statusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

function isRetryable(err: unknown): boolean {
  const e = err as SdkError;
  const status = statusOf(err);
  if (status !== undefined && (status >= 500 || status === 429 || status === 409)) return true;
  if (e?.$retryable) return true;
  if (e?.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e?.code && RETRYABLE_CODES.has(e.code)) return true;
  return /socket hang up|ECONNRESET|premature close|aborted|timed? ?out/i.test(e?.message ?? "");
}

function isNotFound(err: unknown): boolean {
  const e = err as SdkError;
  return statusOf(err) === 404 || e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.name === "NoSuchBucket";
}

/** A body that stopped delivering bytes. */
class StalledError extends Error {
  override name = "StalledError";
}

/** A counting semaphore: at most `limit` requests in flight. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

interface PendingRange {
  offset: number;
  length: number;
  into?: Uint8Array;
  resolve: (bytes: Uint8Array) => void;
  reject: (err: unknown) => void;
}

function joinParts(data: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data.length === 1) return data[0];
  const total = data.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of data) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The bytes of `data` as consecutive slices of at most `size` bytes (views where a slice lies in one part). */
function* slices(data: readonly Uint8Array[], size: number): Generator<Uint8Array> {
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  for (const part of data) {
    for (let at = 0; at < part.byteLength; ) {
      const take = Math.min(size - heldBytes, part.byteLength - at);
      held.push(part.subarray(at, at + take));
      heldBytes += take;
      at += take;
      if (heldBytes === size) {
        yield joinParts(held);
        held = [];
        heldBytes = 0;
      }
    }
  }
  if (heldBytes > 0) yield joinParts(held);
}

/** The S3 storage backend; one instance per configuration, shared by everything that reads or writes. */
export class S3VFS implements VFS {
  private readonly slots: Slots;
  private readonly maxAttempts: number;
  private readonly stallMs: number;
  private readonly stats: S3Stats = { bytesFetched: 0, requests: 0, retries: 0 };
  /** Ranges asked for in the current tick, by URI, fetched together on the next one. */
  private readonly pending = new Map<string, PendingRange[]>();
  /** What the signed and the unsigned client share: region, endpoint, and one connection pool. */
  private readonly config: S3ClientConfig;
  /** One client per signing mode, made on first use. */
  private readonly clients: { signed?: S3Client; unsigned?: S3Client } = {};

  constructor(readonly options: S3Options = {}) {
    const concurrency = options.concurrency ?? S3_DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TileDBError("E_INVALID_ARGUMENT", `S3 concurrency ${concurrency} must be a positive integer`);
    for (const bucket of Array.isArray(options.anonymous) ? options.anonymous : []) {
      if (!isS3BucketName(bucket)) throw new TileDBError("E_INVALID_ARGUMENT", `anonymous S3 bucket "${bucket}" is not a bucket name (e.g. cellxgene-census-public-us-west-2)`);
    }
    this.slots = new Slots(concurrency);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.stallMs = options.stallTimeoutMs ?? 30_000;
    const agentOptions = { keepAlive: true, maxSockets: concurrency + 4 };
    const config: S3ClientConfig = {
      // retries are ours (see `retrying`): one policy for requests and the bodies they stream
      maxAttempts: 1,
      // a bucket in another region than `region` answers 301 naming its own; the SDK then asks there
      followRegionRedirects: true,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: this.stallMs,
        requestTimeout: this.stallMs,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
      }),
    };
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    config.region = region ?? "us-east-1";
    if (options.endpoint) config.endpoint = options.endpoint;
    const custom = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    config.forcePathStyle = options.forcePathStyle ?? custom !== undefined;
    this.config = config;
  }

  /** Whether requests to `bucket` go unsigned. */
  private isAnonymous(bucket: string): boolean {
    const anonymous = this.options.anonymous;
    return Array.isArray(anonymous) ? anonymous.includes(bucket) : anonymous === true;
  }

  /** The SDK client that reaches `bucket`: unsigned for an anonymous bucket, else signed by the credentials. */
  clientFor(bucket: string): S3Client {
    if (this.isAnonymous(bucket)) {
      // a signer that passes the request through, and no credential lookup
      this.clients.unsigned ??= new S3Client({ ...this.config, signer: { sign: async (request) => request }, credentials: { accessKeyId: "", secretAccessKey: "" } });
      return this.clients.unsigned;
    }
    const credentials = this.options.credentials;
    this.clients.signed ??= new S3Client(credentials ? { ...this.config, credentials } : this.config);
    return this.clients.signed;
  }

  /** Bytes fetched, requests sent and retries so far. */
  traffic(): S3Stats {
    return { ...this.stats };
  }

  /** Runs one request in a slot, retrying transient failures with backoff and jitter. */
  private async retrying<T>(bucket: string, what: string, op: (client: S3Client, signal: AbortSignal) => Promise<T>): Promise<T> {
    const client = this.clientFor(bucket);
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      try {
        this.stats.requests++;
        return await this.slots.run(() => op(client, controller.signal));
      } catch (err) {
        controller.abort();
        if (attempt >= this.maxAttempts || !isRetryable(err)) throw this.error(bucket, what, err, attempt);
        this.stats.retries++;
        const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, Math.random() * cap));
      }
    }
  }

  /** An SDK failure as a TileDBError naming the object and what went wrong. */
  private error(bucket: string, what: string, err: unknown, attempts: number): TileDBError {
    if (err instanceof TileDBError) return err;
    const e = err as SdkError;
    const status = statusOf(err);
    const detail = `${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(err)}`;
    if (isNotFound(err)) {
      const which = e?.name === "NoSuchBucket" ? "no such bucket" : "no such object";
      return new TileDBError("E_NOT_FOUND", `${what}: ${which}`, { cause: err });
    }
    if (status === 403 || e?.name === "AccessDenied" || e?.name === "InvalidAccessKeyId" || e?.name === "SignatureDoesNotMatch") {
      const hint = this.isAnonymous(bucket)
        ? "the request was unsigned (--s3-anonymous); the bucket may need credentials"
        : "check the credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE), or use --s3-anonymous for a public bucket";
      return new TileDBError("E_ACCESS_DENIED", `${what}: access denied, ${detail} — ${hint}`, { cause: err });
    }
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    return new TileDBError("E_IO", `${what}: ${detail}${tries}`, { cause: err });
  }

  /** GET bytes [offset, offset + length) of an object (the whole object when length is undefined) into `out`. */
  private async get(uri: string, offset: number, length: number | undefined, out?: Uint8Array): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(uri);
    const range = length === undefined ? (offset > 0 ? `bytes=${offset}-` : undefined) : `bytes=${offset}-${offset + length - 1}`;
    const what = `read s3://${bucket}/${key}${length === undefined ? "" : ` (${length} bytes at ${offset})`}`;
    return this.retrying(bucket, what, async (client, signal) => {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }), { abortSignal: signal });
      return this.body(res.Body, length ?? Number(res.ContentLength ?? 0), out, what);
    });
  }

  /** Reads a response body of `expected` bytes into `out` (when large enough) or a new buffer. */
  private async body(stream: unknown, expected: number, out: Uint8Array | undefined, what: string): Promise<Uint8Array> {
    const body = stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void };
    const target = out && out.byteLength >= expected ? out.subarray(0, expected) : new Uint8Array(expected);
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(stalled, this.stallMs);
      function stalled() {
        const err = new StalledError(`no bytes for a while after ${got} of ${expected}`);
        body.destroy?.(err);
        reject(err);
      }
      body.on("data", (chunk: Uint8Array) => {
        clearTimeout(timer);
        timer = setTimeout(stalled, this.stallMs);
        if (got + chunk.byteLength > expected) {
          body.destroy?.();
          reject(new TileDBError("E_IO", `${what}: the server sent more bytes than asked for`));
          return;
        }
        target.set(chunk, got);
        got += chunk.byteLength;
        this.stats.bytesFetched += chunk.byteLength;
      });
      body.on("end", () => {
        clearTimeout(timer);
        resolve();
      });
      body.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    if (got !== expected) {
      // a short body is a broken connection: retried
      throw Object.assign(new Error(`premature close: ${got} of ${expected} bytes`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
    }
    return target;
  }

  /** One GET with a suffix range: the object's size comes back with its last bytes (no HEAD first). */
  async readTail(uri: string, length: number): Promise<{ bytes: Uint8Array; size: number }> {
    const { bucket, key } = parseS3Uri(uri);
    const what = `read s3://${bucket}/${key} (last ${length} bytes)`;
    try {
      return await this.retrying(bucket, what, async (client, signal) => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=-${length}` }), { abortSignal: signal });
        const n = Number(res.ContentLength ?? 0);
        // "bytes first-last/size"; a server that ignores the range sends the whole object
        const total = /\/(\d+)$/.exec(res.ContentRange ?? "");
        const bytes = await this.body(res.Body, n, undefined, what);
        return { bytes, size: total ? Number(total[1]) : n };
      });
    } catch (err) {
      // an empty object has no last bytes to range over (416)
      if (statusOf((err as Error).cause) === 416) return { bytes: new Uint8Array(0), size: await this.size(uri) };
      throw err;
    }
  }

  async read(uri: string, offset?: number, length?: number, into?: Uint8Array): Promise<Uint8Array> {
    const start = offset ?? 0;
    if (start < 0 || (length !== undefined && length < 0)) throw new TileDBError("E_IO", `read ${uri}: invalid range offset=${start} length=${length}`);
    if (into && length !== undefined && into.byteLength < length) throw new TileDBError("E_IO", `read ${uri}: ${length} bytes do not fit the ${into.byteLength}-byte buffer given`);
    if (length === 0) return into ? into.subarray(0, 0) : new Uint8Array(0);
    if (length === undefined) return this.get(uri, start, undefined);
    if (length > MAX_GET) {
      // a large range as parallel GETs of MAX_GET bytes into one buffer
      const out = into ? into.subarray(0, length) : new Uint8Array(length);
      const parts: Promise<Uint8Array>[] = [];
      for (let at = 0; at < length; at += MAX_GET) {
        const n = Math.min(MAX_GET, length - at);
        parts.push(this.get(uri, start + at, n, out.subarray(at, at + n)));
      }
      await Promise.all(parts);
      return out;
    }
    // ranges asked for in the same tick are gathered and coalesced (see flush)
    return new Promise<Uint8Array>((resolve, reject) => {
      let list = this.pending.get(uri);
      if (!list) {
        list = [];
        this.pending.set(uri, list);
        queueMicrotask(() => this.flush(uri));
      }
      list.push({ offset: start, length, into, resolve, reject });
    });
  }

  /** Fetches the ranges gathered for `uri`: sorted, merged where they are close, one GET per merged range. */
  private flush(uri: string): void {
    const list = this.pending.get(uri) ?? [];
    this.pending.delete(uri);
    list.sort((a, b) => a.offset - b.offset);
    let group: PendingRange[] = [];
    let end = 0;
    const fetch = (g: PendingRange[]) => {
      if (g.length === 1) {
        const r = g[0];
        this.get(uri, r.offset, r.length, r.into).then(r.resolve, r.reject);
        return;
      }
      const lo = g[0].offset;
      const hi = g.reduce((m, r) => Math.max(m, r.offset + r.length), 0);
      this.get(uri, lo, hi - lo).then(
        (bytes) => {
          for (const r of g) {
            const view = bytes.subarray(r.offset - lo, r.offset - lo + r.length);
            if (r.into) {
              r.into.set(view);
              r.resolve(r.into.subarray(0, r.length));
            } else r.resolve(view);
          }
        },
        (err) => {
          for (const r of g) r.reject(err);
        },
      );
    };
    for (const r of list) {
      if (group.length > 0 && (r.offset > end + COALESCE_GAP || Math.max(end, r.offset + r.length) - group[0].offset > MAX_GET)) {
        fetch(group);
        group = [];
      }
      if (group.length === 0) end = 0;
      group.push(r);
      end = Math.max(end, r.offset + r.length);
    }
    if (group.length > 0) fetch(group);
  }

  async size(uri: string): Promise<number> {
    const { bucket, key } = parseS3Uri(uri);
    const head = await this.retrying(bucket, `size of s3://${bucket}/${key}`, (client, signal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }));
    return Number(head.ContentLength ?? 0);
  }

  /** One page after another of the objects and common prefixes under `prefix`. */
  private async *pages(bucket: string, prefix: string, delimiter: string | undefined, maxKeys?: number) {
    let token: string | undefined;
    do {
      const page = await this.retrying(bucket, `list s3://${bucket}/${prefix}`, (client, signal) =>
        client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: maxKeys }), { abortSignal: signal }),
      );
      yield page;
      token = page.IsTruncated && maxKeys === undefined ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async ls(uri: string): Promise<VfsEntry[]> {
    const { bucket, key } = parseS3Uri(uri);
    const prefix = key === "" ? "" : `${key}/`;
    const base = `s3://${bucket}/${prefix}`;
    const out: VfsEntry[] = [];
    for await (const page of this.pages(bucket, prefix, "/")) {
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? "").slice(prefix.length).replace(/\/$/, "");
        if (name) out.push({ uri: `${base}${name}`, name, isDir: true, size: 0 });
      }
      for (const o of page.Contents ?? []) {
        const name = (o.Key ?? "").slice(prefix.length);
        if (name) out.push({ uri: `${base}${name}`, name, isDir: false, size: Number(o.Size ?? 0) });
      }
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  /** Whether anything lies under `key/` (a folder, in object-store terms). */
  private async hasChildren(bucket: string, key: string): Promise<boolean> {
    if (key === "") {
      try {
        await this.retrying(bucket, `bucket s3://${bucket}`, (client, signal) => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal }));
        return true;
      } catch (err) {
        if ((err as TileDBError).code === "E_NOT_FOUND") return false;
        throw err;
      }
    }
    for await (const page of this.pages(bucket, `${key}/`, undefined, 1)) return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    return false;
  }

  async exists(uri: string): Promise<boolean> {
    const { bucket, key } = parseS3Uri(uri);
    if (key !== "") {
      try {
        await this.size(uri);
        return true;
      } catch (err) {
        if ((err as TileDBError).code !== "E_NOT_FOUND") throw err;
      }
    }
    return this.hasChildren(bucket, key);
  }

  async isDir(uri: string): Promise<boolean> {
    const { bucket, key } = parseS3Uri(uri);
    return this.hasChildren(bucket, key);
  }

  /** Object stores have no folders: a folder exists once something is written under it. */
  async mkdir(_uri: string): Promise<void> {}

  async write(uri: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = data instanceof Uint8Array ? [data] : data;
    const total = parts.reduce((s, p) => s + p.byteLength, 0);
    const { bucket, key } = parseS3Uri(uri);
    if (total <= PART_SIZE) {
      const body = joinParts(parts);
      await this.retrying(bucket, `write s3://${bucket}/${key}`, (client, signal) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength }), { abortSignal: signal }));
      return;
    }
    await this.multipart(bucket, key, async (upload) => {
      const sent: Promise<void>[] = [];
      for (const slice of slices(parts, PART_SIZE)) sent.push(upload.part(slice));
      await Promise.all(sent);
    });
  }

  async writeExclusive(uri: string, data: Uint8Array): Promise<boolean> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      await this.retrying(bucket, `create s3://${bucket}/${key}`, (client, signal) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentLength: data.byteLength, IfNoneMatch: "*" }), { abortSignal: signal }),
      );
      return true;
    } catch (err) {
      if (statusOf((err as TileDBError).cause) === 412) return false;
      throw err;
    }
  }

  /**
   * A multipart upload: `fill` adds parts (numbered in call order); completed only when all are in, so the
   * object appears whole; aborted on failure, so no parts are left behind.
   */
  private async multipart(bucket: string, key: string, fill: (upload: { part(bytes: Uint8Array): Promise<void>; copy(source: string, from: number, to: number): Promise<void> }) => Promise<void>): Promise<void> {
    const what = `write s3://${bucket}/${key}`;
    const created = await this.retrying(bucket, what, (client, signal) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }));
    const uploadId = created.UploadId;
    const etags: string[] = [];
    let next = 0;
    const upload = {
      part: async (bytes: Uint8Array) => {
        const n = ++next;
        const r = await this.retrying(bucket, `${what} (part ${n})`, (client, signal) =>
          client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: bytes, ContentLength: bytes.byteLength }), { abortSignal: signal }),
        );
        etags[n - 1] = r.ETag ?? "";
      },
      copy: async (source: string, from: number, to: number) => {
        const n = ++next;
        const src = parseS3Uri(source);
        const r = await this.retrying(bucket, `${what} (part ${n} from ${source})`, (client, signal) =>
          client.send(
            new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, CopySource: `${src.bucket}/${encodeURIComponent(src.key).replace(/%2F/g, "/")}`, CopySourceRange: `bytes=${from}-${to - 1}` }),
            { abortSignal: signal },
          ),
        );
        etags[n - 1] = r.CopyPartResult?.ETag ?? "";
      },
    };
    try {
      await fill(upload);
      await this.retrying(bucket, what, (client, signal) =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }), { abortSignal: signal }),
      );
    } catch (err) {
      await this.clientFor(bucket).send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Joins the sources into `to` server-side: a multipart upload whose parts are copied from them (UploadPartCopy);
   * sources under the 5 MiB part minimum are fetched and sent with their neighbours. Small totals are one PUT.
   */
  async concat(sources: readonly string[], to: string): Promise<void> {
    const sizes = await Promise.all(sources.map((s) => this.size(s)));
    const total = sizes.reduce((s, n) => s + n, 0);
    if (total < MIN_PART * 2) {
      await this.write(to, await Promise.all(sources.map((s, i) => (sizes[i] > 0 ? this.read(s) : new Uint8Array(0)))));
    } else {
      const { bucket, key } = parseS3Uri(to);
      await this.multipart(bucket, key, async (upload) => {
        const sent: Promise<void>[] = [];
        let held: Uint8Array[] = [];
        let heldBytes = 0;
        const flushHeld = () => {
          sent.push(upload.part(joinParts(held)));
          held = [];
          heldBytes = 0;
        };
        for (let i = 0; i < sources.length; i++) {
          const size = sizes[i];
          let at = 0;
          // a part fetched and being filled must reach the minimum before anything copied follows it
          if (heldBytes > 0) {
            const n = Math.min(size, MIN_PART - heldBytes);
            if (n > 0) held.push(await this.read(sources[i], 0, n));
            heldBytes += n;
            at = n;
            if (heldBytes >= MIN_PART) flushHeld();
          }
          const rest = size - at;
          if (rest >= MIN_PART) {
            for (let p = at; p < size; ) {
              const end = size - p > MAX_COPY + MIN_PART ? p + MAX_COPY : size; // no short copied part but the last
              sent.push(upload.copy(sources[i], p, end));
              p = end;
            }
          } else if (rest > 0) {
            held.push(await this.read(sources[i], at, rest));
            heldBytes += rest;
          }
        }
        if (heldBytes > 0) flushHeld();
        await Promise.all(sent);
      });
    }
    await this.removeKeys(sources.map((s) => parseS3Uri(s)));
  }

  private async removeKeys(objects: Array<{ bucket: string; key: string }>): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const o of objects) byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), o.key]);
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const r = await this.retrying(bucket, `remove ${batch.length} objects from s3://${bucket}`, (client, signal) =>
          client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: signal }),
        );
        const failed = r.Errors?.[0];
        if (failed) throw new TileDBError("E_IO", `remove s3://${bucket}/${failed.Key}: ${failed.Code}: ${failed.Message}`);
      }
    }
  }

  async remove(uri: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    if (key === "") throw new TileDBError("E_INVALID_ARGUMENT", `refusing to remove the whole bucket s3://${bucket}`);
    const keys = [key];
    for await (const page of this.pages(bucket, `${key}/`, undefined)) for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    await this.removeKeys(keys.map((k) => ({ bucket, key: k })));
  }
}
