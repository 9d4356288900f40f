var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res) => function __init() {
  return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
};
var __commonJS = (cb, mod) => function __require() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  1 ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// chains/errors.ts
function redactUrl(raw) {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    url.search = "";
    url.pathname = url.pathname.split("/").map((segment) => segment.length >= 20 && /\d/.test(segment) && /[A-Za-z]/.test(segment) ? "***" : segment).join("/");
    return url.toString().replace(/\/$/, "");
  } catch {
    return "<invalid url>";
  }
}
function networkCause(error) {
  let message = "";
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message.replace(/^error sending request .*?\): /, "").replace(/https?:\/\/[^\s)]+/g, (url) => redactUrl(url));
}
function parseRetryAfter(header, now = Date.now()) {
  const value = header?.trim();
  if (!value) return void 0;
  if (/^\d+$/.test(value)) return Number(value);
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? void 0 : Math.max(0, Math.ceil((at - now) / 1e3));
}
var ReadError, isTransientStatus;
var init_errors = __esm({
  "chains/errors.ts"() {
    ReadError = class extends Error {
      errorClass;
      data;
      name;
      constructor(errorClass, message, data = {}, options) {
        super(message, options), this.errorClass = errorClass, this.data = data, this.name = "ReadError";
      }
    };
    isTransientStatus = (status) => status === 403 || status === 408 || status === 429 || status >= 500;
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/version.js
var version;
var init_version = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/version.js"() {
    version = "2.57.20";
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/base.js
function walk(err, fn) {
  if (fn?.(err)) return err;
  if (err && typeof err === "object" && "cause" in err && err.cause !== void 0) return walk(err.cause, fn);
  return fn ? null : err;
}
var errorConfig, BaseError;
var init_base = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/base.js"() {
    init_version();
    errorConfig = {
      getDocsUrl: ({ docsBaseUrl, docsPath = "", docsSlug }) => docsPath ? `${docsBaseUrl ?? "https://viem.sh"}${docsPath}${docsSlug ? `#${docsSlug}` : ""}` : void 0,
      version: `viem@${version}`
    };
    BaseError = class _BaseError extends Error {
      constructor(shortMessage, args = {}) {
        const details = (() => {
          if (args.cause instanceof _BaseError) return args.cause.details;
          if (args.cause?.message) return args.cause.message;
          return args.details;
        })();
        const docsPath = (() => {
          if (args.cause instanceof _BaseError) return args.cause.docsPath || args.docsPath;
          return args.docsPath;
        })();
        const docsUrl = errorConfig.getDocsUrl?.({
          ...args,
          docsPath
        });
        const message = [
          shortMessage || "An error occurred.",
          "",
          ...args.metaMessages ? [
            ...args.metaMessages,
            ""
          ] : [],
          ...docsUrl ? [
            `Docs: ${docsUrl}`
          ] : [],
          ...details ? [
            `Details: ${details}`
          ] : [],
          ...errorConfig.version ? [
            `Version: ${errorConfig.version}`
          ] : []
        ].join("\n");
        super(message, args.cause ? {
          cause: args.cause
        } : void 0);
        Object.defineProperty(this, "details", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "docsPath", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "metaMessages", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "shortMessage", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "version", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "name", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: "BaseError"
        });
        this.details = details;
        this.docsPath = docsPath;
        this.metaMessages = args.metaMessages;
        this.name = args.name ?? this.name;
        this.shortMessage = shortMessage;
        this.version = version;
      }
      walk(fn) {
        return walk(this, fn);
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/address.js
var InvalidAddressError;
var init_address = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/address.js"() {
    init_base();
    InvalidAddressError = class extends BaseError {
      constructor({ address }) {
        super(`Address "${address}" is invalid.`, {
          metaMessages: [
            "- Address must be a hex value of 20 bytes (40 hex characters).",
            "- Address must match its checksum counterpart."
          ],
          name: "InvalidAddressError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/isHex.js
function isHex(value, { even = false, strict = true } = {}) {
  if (!value) return false;
  if (typeof value !== "string") return false;
  if (even && value.length % 2 !== 0) return false;
  return strict ? /^0x[0-9a-fA-F]*$/.test(value) : value.startsWith("0x");
}
var init_isHex = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/isHex.js"() {
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/data.js
var SliceOffsetOutOfBoundsError, SizeExceedsPaddingSizeError;
var init_data = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/data.js"() {
    init_base();
    SliceOffsetOutOfBoundsError = class extends BaseError {
      constructor({ offset, position, size: size3 }) {
        super(`Slice ${position === "start" ? "starting" : "ending"} at offset "${offset}" is out-of-bounds (size: ${size3}).`, {
          name: "SliceOffsetOutOfBoundsError"
        });
      }
    };
    SizeExceedsPaddingSizeError = class extends BaseError {
      constructor({ size: size3, targetSize, type }) {
        super(`${type.charAt(0).toUpperCase()}${type.slice(1).toLowerCase()} size (${size3}) exceeds padding size (${targetSize}).`, {
          name: "SizeExceedsPaddingSizeError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/pad.js
function pad(hexOrBytes, { dir, size: size3 = 32 } = {}) {
  if (typeof hexOrBytes === "string") return padHex(hexOrBytes, {
    dir,
    size: size3
  });
  return padBytes(hexOrBytes, {
    dir,
    size: size3
  });
}
function padHex(hex_, { dir, size: size3 = 32 } = {}) {
  if (size3 === null) return hex_;
  const hex = hex_.replace("0x", "");
  if (hex.length > size3 * 2) throw new SizeExceedsPaddingSizeError({
    size: Math.ceil(hex.length / 2),
    targetSize: size3,
    type: "hex"
  });
  return `0x${hex[dir === "right" ? "padEnd" : "padStart"](size3 * 2, "0")}`;
}
function padBytes(bytes, { dir, size: size3 = 32 } = {}) {
  if (size3 === null) return bytes;
  if (bytes.length > size3) throw new SizeExceedsPaddingSizeError({
    size: bytes.length,
    targetSize: size3,
    type: "bytes"
  });
  const paddedBytes = new Uint8Array(size3);
  for (let i = 0; i < size3; i++) {
    const padEnd = dir === "right";
    paddedBytes[padEnd ? i : size3 - i - 1] = bytes[padEnd ? i : bytes.length - i - 1];
  }
  return paddedBytes;
}
var init_pad = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/pad.js"() {
    init_data();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/encoding.js
var IntegerOutOfRangeError, InvalidBytesBooleanError, SizeOverflowError;
var init_encoding = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/encoding.js"() {
    init_base();
    IntegerOutOfRangeError = class extends BaseError {
      constructor({ max, min, signed, size: size3, value }) {
        super(`Number "${value}" is not in safe ${size3 ? `${size3 * 8}-bit ${signed ? "signed" : "unsigned"} ` : ""}integer range ${max ? `(${min} to ${max})` : `(above ${min})`}`, {
          name: "IntegerOutOfRangeError"
        });
      }
    };
    InvalidBytesBooleanError = class extends BaseError {
      constructor(bytes) {
        super(`Bytes value "${bytes}" is not a valid boolean. The bytes array must contain a single byte of either a 0 or 1 value.`, {
          name: "InvalidBytesBooleanError"
        });
      }
    };
    SizeOverflowError = class extends BaseError {
      constructor({ givenSize, maxSize }) {
        super(`Size cannot exceed ${maxSize} bytes. Given size: ${givenSize} bytes.`, {
          name: "SizeOverflowError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/size.js
function size(value) {
  if (isHex(value, {
    strict: false
  })) return Math.ceil((value.length - 2) / 2);
  return value.length;
}
var init_size = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/size.js"() {
    init_isHex();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/trim.js
function trim(hexOrBytes, { dir = "left" } = {}) {
  let data = typeof hexOrBytes === "string" ? hexOrBytes.replace("0x", "") : hexOrBytes;
  let sliceLength = 0;
  for (let i = 0; i < data.length - 1; i++) {
    if (data[dir === "left" ? i : data.length - i - 1].toString() === "0") sliceLength++;
    else break;
  }
  data = dir === "left" ? data.slice(sliceLength) : data.slice(0, data.length - sliceLength);
  if (typeof hexOrBytes === "string") {
    if (data.length === 1 && dir === "right") data = `${data}0`;
    return `0x${data.length % 2 === 1 ? `0${data}` : data}`;
  }
  return data;
}
var init_trim = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/trim.js"() {
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/fromHex.js
function assertSize(hexOrBytes, { size: size3 }) {
  if (size(hexOrBytes) > size3) throw new SizeOverflowError({
    givenSize: size(hexOrBytes),
    maxSize: size3
  });
}
function hexToBigInt(hex, opts = {}) {
  const { signed } = opts;
  if (opts.size) assertSize(hex, {
    size: opts.size
  });
  const value = BigInt(hex);
  if (!signed) return value;
  const size3 = Math.ceil((hex.length - 2) / 2);
  const max = (1n << BigInt(size3) * 8n - 1n) - 1n;
  if (value <= max) return value;
  return value - BigInt(`0x${"f".padStart(size3 * 2, "f")}`) - 1n;
}
function hexToNumber(hex, opts = {}) {
  const value = hexToBigInt(hex, opts);
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new IntegerOutOfRangeError({
    max: `${Number.MAX_SAFE_INTEGER}`,
    min: `${Number.MIN_SAFE_INTEGER}`,
    signed: opts.signed,
    size: opts.size,
    value: `${value}n`
  });
  return number;
}
var init_fromHex = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/fromHex.js"() {
    init_encoding();
    init_size();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/toHex.js
function toHex(value, opts = {}) {
  if (typeof value === "number" || typeof value === "bigint") return numberToHex(value, opts);
  if (typeof value === "string") {
    return stringToHex(value, opts);
  }
  if (typeof value === "boolean") return boolToHex(value, opts);
  return bytesToHex(value, opts);
}
function boolToHex(value, opts = {}) {
  const hex = `0x${Number(value)}`;
  if (typeof opts.size === "number") {
    assertSize(hex, {
      size: opts.size
    });
    return pad(hex, {
      size: opts.size
    });
  }
  return hex;
}
function bytesToHex(value, opts = {}) {
  let string = "";
  for (let i = 0; i < value.length; i++) {
    string += hexes[value[i]];
  }
  const hex = `0x${string}`;
  if (typeof opts.size === "number") {
    assertSize(hex, {
      size: opts.size
    });
    return pad(hex, {
      dir: "right",
      size: opts.size
    });
  }
  return hex;
}
function numberToHex(value_, opts = {}) {
  const { signed, size: size3 } = opts;
  const value = BigInt(value_);
  let maxValue;
  if (size3) {
    if (signed) maxValue = (1n << BigInt(size3) * 8n - 1n) - 1n;
    else maxValue = 2n ** (BigInt(size3) * 8n) - 1n;
  } else if (typeof value_ === "number") {
    maxValue = BigInt(Number.MAX_SAFE_INTEGER);
  }
  const minValue = typeof maxValue === "bigint" && signed ? -maxValue - 1n : 0;
  if (maxValue && value > maxValue || value < minValue) {
    const suffix = typeof value_ === "bigint" ? "n" : "";
    throw new IntegerOutOfRangeError({
      max: maxValue ? `${maxValue}${suffix}` : void 0,
      min: `${minValue}${suffix}`,
      signed,
      size: size3,
      value: `${value_}${suffix}`
    });
  }
  const hex = `0x${(signed && value < 0 ? (1n << BigInt(size3 * 8)) + BigInt(value) : value).toString(16)}`;
  if (size3) return pad(hex, {
    size: size3
  });
  return hex;
}
function stringToHex(value_, opts = {}) {
  const value = encoder.encode(value_);
  return bytesToHex(value, opts);
}
var hexes, encoder;
var init_toHex = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/toHex.js"() {
    init_encoding();
    init_pad();
    init_fromHex();
    hexes = /* @__PURE__ */ Array.from({
      length: 256
    }, (_v, i) => i.toString(16).padStart(2, "0"));
    encoder = /* @__PURE__ */ new TextEncoder();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/toBytes.js
function toBytes(value, opts = {}) {
  if (typeof value === "number" || typeof value === "bigint") return numberToBytes(value, opts);
  if (typeof value === "boolean") return boolToBytes(value, opts);
  if (isHex(value)) return hexToBytes(value, opts);
  return stringToBytes(value, opts);
}
function boolToBytes(value, opts = {}) {
  const bytes = new Uint8Array(1);
  bytes[0] = Number(value);
  if (typeof opts.size === "number") {
    assertSize(bytes, {
      size: opts.size
    });
    return pad(bytes, {
      size: opts.size
    });
  }
  return bytes;
}
function charCodeToBase16(char) {
  if (char >= charCodeMap.zero && char <= charCodeMap.nine) return char - charCodeMap.zero;
  if (char >= charCodeMap.A && char <= charCodeMap.F) return char - (charCodeMap.A - 10);
  if (char >= charCodeMap.a && char <= charCodeMap.f) return char - (charCodeMap.a - 10);
  return void 0;
}
function hexToBytes(hex, opts = {}) {
  let hexString = hex.slice(2);
  if (hexString.length % 2) hexString = `0${hexString}`;
  if (opts.size) {
    assertSize(hex, {
      size: opts.size
    });
    hexString = hexString.padEnd(opts.size * 2, "0");
  }
  const length = hexString.length / 2;
  const bytes = new Uint8Array(length);
  for (let index2 = 0, j = 0; index2 < length; index2++) {
    const nibbleLeft = charCodeToBase16(hexString.charCodeAt(j++));
    const nibbleRight = charCodeToBase16(hexString.charCodeAt(j++));
    if (nibbleLeft === void 0 || nibbleRight === void 0) {
      throw new BaseError(`Invalid byte sequence ("${hexString[j - 2]}${hexString[j - 1]}" in "${hexString}").`);
    }
    bytes[index2] = nibbleLeft * 16 + nibbleRight;
  }
  return bytes;
}
function numberToBytes(value, opts) {
  const hex = numberToHex(value, opts);
  return hexToBytes(hex);
}
function stringToBytes(value, opts = {}) {
  const bytes = encoder2.encode(value);
  if (typeof opts.size === "number") {
    assertSize(bytes, {
      size: opts.size
    });
    return pad(bytes, {
      dir: "right",
      size: opts.size
    });
  }
  return bytes;
}
var encoder2, charCodeMap;
var init_toBytes = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/toBytes.js"() {
    init_base();
    init_isHex();
    init_pad();
    init_fromHex();
    init_toHex();
    encoder2 = /* @__PURE__ */ new TextEncoder();
    charCodeMap = {
      zero: 48,
      nine: 57,
      A: 65,
      F: 70,
      a: 97,
      f: 102
    };
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/_u64.js
function fromBig(n, le = false) {
  if (le) return {
    h: Number(n & U32_MASK64),
    l: Number(n >> _32n & U32_MASK64)
  };
  return {
    h: Number(n >> _32n & U32_MASK64) | 0,
    l: Number(n & U32_MASK64) | 0
  };
}
function split(lst, le = false) {
  const len = lst.length;
  let Ah = new Uint32Array(len);
  let Al = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const { h, l } = fromBig(lst[i], le);
    [Ah[i], Al[i]] = [
      h,
      l
    ];
  }
  return [
    Ah,
    Al
  ];
}
var U32_MASK64, _32n, rotlSH, rotlSL, rotlBH, rotlBL;
var init_u64 = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/_u64.js"() {
    U32_MASK64 = /* @__PURE__ */ BigInt(2 ** 32 - 1);
    _32n = /* @__PURE__ */ BigInt(32);
    rotlSH = (h, l, s) => h << s | l >>> 32 - s;
    rotlSL = (h, l, s) => l << s | h >>> 32 - s;
    rotlBH = (h, l, s) => l << s - 32 | h >>> 64 - s;
    rotlBL = (h, l, s) => h << s - 32 | l >>> 64 - s;
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/utils.js
function isBytes(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function anumber(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error("positive integer expected, got " + n);
}
function abytes(b, ...lengths) {
  if (!isBytes(b)) throw new Error("Uint8Array expected");
  if (lengths.length > 0 && !lengths.includes(b.length)) throw new Error("Uint8Array expected of length " + lengths + ", got length=" + b.length);
}
function aexists(instance, checkFinished = true) {
  if (instance.destroyed) throw new Error("Hash instance has been destroyed");
  if (checkFinished && instance.finished) throw new Error("Hash#digest() has already been called");
}
function aoutput(out, instance) {
  abytes(out);
  const min = instance.outputLen;
  if (out.length < min) {
    throw new Error("digestInto() expects output buffer of length at least " + min);
  }
}
function u32(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
function createView(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function rotr(word2, shift) {
  return word2 << 32 - shift | word2 >>> shift;
}
function byteSwap(word2) {
  return word2 << 24 & 4278190080 | word2 << 8 & 16711680 | word2 >>> 8 & 65280 | word2 >>> 24 & 255;
}
function byteSwap32(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap(arr[i]);
  }
  return arr;
}
function utf8ToBytes(str) {
  if (typeof str !== "string") throw new Error("string expected");
  return new Uint8Array(new TextEncoder().encode(str));
}
function toBytes2(data) {
  if (typeof data === "string") data = utf8ToBytes(data);
  abytes(data);
  return data;
}
function createHasher(hashCons) {
  const hashC = (msg) => hashCons().update(toBytes2(msg)).digest();
  const tmp = hashCons();
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.create = () => hashCons();
  return hashC;
}
var isLE, swap32IfBE, Hash;
var init_utils = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/utils.js"() {
    isLE = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([
      287454020
    ]).buffer)[0] === 68)();
    swap32IfBE = isLE ? (u) => u : byteSwap32;
    Hash = class {
    };
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha3.js
function keccakP(s, rounds = 24) {
  const B = new Uint32Array(5 * 2);
  for (let round = 24 - rounds; round < 24; round++) {
    for (let x = 0; x < 10; x++) B[x] = s[x] ^ s[x + 10] ^ s[x + 20] ^ s[x + 30] ^ s[x + 40];
    for (let x = 0; x < 10; x += 2) {
      const idx1 = (x + 8) % 10;
      const idx0 = (x + 2) % 10;
      const B0 = B[idx0];
      const B1 = B[idx0 + 1];
      const Th = rotlH(B0, B1, 1) ^ B[idx1];
      const Tl = rotlL(B0, B1, 1) ^ B[idx1 + 1];
      for (let y = 0; y < 50; y += 10) {
        s[x + y] ^= Th;
        s[x + y + 1] ^= Tl;
      }
    }
    let curH = s[2];
    let curL = s[3];
    for (let t = 0; t < 24; t++) {
      const shift = SHA3_ROTL[t];
      const Th = rotlH(curH, curL, shift);
      const Tl = rotlL(curH, curL, shift);
      const PI = SHA3_PI[t];
      curH = s[PI];
      curL = s[PI + 1];
      s[PI] = Th;
      s[PI + 1] = Tl;
    }
    for (let y = 0; y < 50; y += 10) {
      for (let x = 0; x < 10; x++) B[x] = s[y + x];
      for (let x = 0; x < 10; x++) s[y + x] ^= ~B[(x + 2) % 10] & B[(x + 4) % 10];
    }
    s[0] ^= SHA3_IOTA_H[round];
    s[1] ^= SHA3_IOTA_L[round];
  }
  clean(B);
}
var _0n, _1n, _2n, _7n, _256n, _0x71n, SHA3_PI, SHA3_ROTL, _SHA3_IOTA, IOTAS, SHA3_IOTA_H, SHA3_IOTA_L, rotlH, rotlL, Keccak, gen, keccak_256;
var init_sha3 = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha3.js"() {
    init_u64();
    init_utils();
    _0n = BigInt(0);
    _1n = BigInt(1);
    _2n = BigInt(2);
    _7n = BigInt(7);
    _256n = BigInt(256);
    _0x71n = BigInt(113);
    SHA3_PI = [];
    SHA3_ROTL = [];
    _SHA3_IOTA = [];
    for (let round = 0, R = _1n, x = 1, y = 0; round < 24; round++) {
      [x, y] = [
        y,
        (2 * x + 3 * y) % 5
      ];
      SHA3_PI.push(2 * (5 * y + x));
      SHA3_ROTL.push((round + 1) * (round + 2) / 2 % 64);
      let t = _0n;
      for (let j = 0; j < 7; j++) {
        R = (R << _1n ^ (R >> _7n) * _0x71n) % _256n;
        if (R & _2n) t ^= _1n << (_1n << /* @__PURE__ */ BigInt(j)) - _1n;
      }
      _SHA3_IOTA.push(t);
    }
    IOTAS = split(_SHA3_IOTA, true);
    SHA3_IOTA_H = IOTAS[0];
    SHA3_IOTA_L = IOTAS[1];
    rotlH = (h, l, s) => s > 32 ? rotlBH(h, l, s) : rotlSH(h, l, s);
    rotlL = (h, l, s) => s > 32 ? rotlBL(h, l, s) : rotlSL(h, l, s);
    Keccak = class _Keccak extends Hash {
      // NOTE: we accept arguments in bytes instead of bits here.
      constructor(blockLen, suffix, outputLen, enableXOF = false, rounds = 24) {
        super();
        this.pos = 0;
        this.posOut = 0;
        this.finished = false;
        this.destroyed = false;
        this.enableXOF = false;
        this.blockLen = blockLen;
        this.suffix = suffix;
        this.outputLen = outputLen;
        this.enableXOF = enableXOF;
        this.rounds = rounds;
        anumber(outputLen);
        if (!(0 < blockLen && blockLen < 200)) throw new Error("only keccak-f1600 function is supported");
        this.state = new Uint8Array(200);
        this.state32 = u32(this.state);
      }
      clone() {
        return this._cloneInto();
      }
      keccak() {
        swap32IfBE(this.state32);
        keccakP(this.state32, this.rounds);
        swap32IfBE(this.state32);
        this.posOut = 0;
        this.pos = 0;
      }
      update(data) {
        aexists(this);
        data = toBytes2(data);
        abytes(data);
        const { blockLen, state } = this;
        const len = data.length;
        for (let pos = 0; pos < len; ) {
          const take = Math.min(blockLen - this.pos, len - pos);
          for (let i = 0; i < take; i++) state[this.pos++] ^= data[pos++];
          if (this.pos === blockLen) this.keccak();
        }
        return this;
      }
      finish() {
        if (this.finished) return;
        this.finished = true;
        const { state, suffix, pos, blockLen } = this;
        state[pos] ^= suffix;
        if ((suffix & 128) !== 0 && pos === blockLen - 1) this.keccak();
        state[blockLen - 1] ^= 128;
        this.keccak();
      }
      writeInto(out) {
        aexists(this, false);
        abytes(out);
        this.finish();
        const bufferOut = this.state;
        const { blockLen } = this;
        for (let pos = 0, len = out.length; pos < len; ) {
          if (this.posOut >= blockLen) this.keccak();
          const take = Math.min(blockLen - this.posOut, len - pos);
          out.set(bufferOut.subarray(this.posOut, this.posOut + take), pos);
          this.posOut += take;
          pos += take;
        }
        return out;
      }
      xofInto(out) {
        if (!this.enableXOF) throw new Error("XOF is not possible for this instance");
        return this.writeInto(out);
      }
      xof(bytes) {
        anumber(bytes);
        return this.xofInto(new Uint8Array(bytes));
      }
      digestInto(out) {
        aoutput(out, this);
        if (this.finished) throw new Error("digest() was already called");
        this.writeInto(out);
        this.destroy();
        return out;
      }
      digest() {
        return this.digestInto(new Uint8Array(this.outputLen));
      }
      destroy() {
        this.destroyed = true;
        clean(this.state);
      }
      _cloneInto(to) {
        const { blockLen, suffix, outputLen, rounds, enableXOF } = this;
        to || (to = new _Keccak(blockLen, suffix, outputLen, enableXOF, rounds));
        to.state32.set(this.state32);
        to.pos = this.pos;
        to.posOut = this.posOut;
        to.finished = this.finished;
        to.rounds = rounds;
        to.suffix = suffix;
        to.outputLen = outputLen;
        to.enableXOF = enableXOF;
        to.destroyed = this.destroyed;
        return to;
      }
    };
    gen = (suffix, blockLen, outputLen) => createHasher(() => new Keccak(blockLen, suffix, outputLen));
    keccak_256 = /* @__PURE__ */ (() => gen(1, 136, 256 / 8))();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/hash/keccak256.js
function keccak256(value, to_) {
  const to = to_ || "hex";
  const bytes = keccak_256(isHex(value, {
    strict: false
  }) ? toBytes(value) : value);
  if (to === "bytes") return bytes;
  return toHex(bytes);
}
var init_keccak256 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/hash/keccak256.js"() {
    init_sha3();
    init_isHex();
    init_toBytes();
    init_toHex();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/lru.js
var LruMap;
var init_lru = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/lru.js"() {
    LruMap = class extends Map {
      constructor(size3) {
        super();
        Object.defineProperty(this, "maxSize", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.maxSize = size3;
      }
      get(key) {
        const value = super.get(key);
        if (super.has(key)) {
          super.delete(key);
          super.set(key, value);
        }
        return value;
      }
      set(key, value) {
        if (super.has(key)) super.delete(key);
        super.set(key, value);
        if (this.maxSize && this.size > this.maxSize) {
          const firstKey = super.keys().next().value;
          if (firstKey !== void 0) super.delete(firstKey);
        }
        return this;
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/address/isAddress.js
function isAddress(address, options) {
  const { strict = true } = options ?? {};
  if (!addressRegex.test(address)) return false;
  if (!strict || address.toLowerCase() === address) return true;
  let result = isAddressCache.get(address);
  if (result === void 0) {
    result = checksumAddress(address) === address;
    isAddressCache.set(address, result);
  }
  return result;
}
var addressRegex, isAddressCache;
var init_isAddress = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/address/isAddress.js"() {
    init_lru();
    init_getAddress();
    addressRegex = /^0x[a-fA-F0-9]{40}$/;
    isAddressCache = /* @__PURE__ */ new LruMap(8192);
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/address/getAddress.js
function checksumAddress(address_, chainId) {
  const lower = address_.toLowerCase();
  const cacheKey = `${lower}.${chainId}`;
  const cached = checksumAddressCache.get(cacheKey);
  if (cached) return cached;
  const hexAddress = chainId ? `${chainId}${lower}` : lower.substring(2);
  const hash = keccak256(stringToBytes(hexAddress), "bytes");
  const address = (chainId ? hexAddress.substring(`${chainId}0x`.length) : hexAddress).split("");
  for (let i = 0; i < 40; i += 2) {
    if (hash[i >> 1] >> 4 >= 8 && address[i]) {
      address[i] = address[i].toUpperCase();
    }
    if ((hash[i >> 1] & 15) >= 8 && address[i + 1]) {
      address[i + 1] = address[i + 1].toUpperCase();
    }
  }
  const result = `0x${address.join("")}`;
  checksumAddressCache.set(cacheKey, result);
  return result;
}
function getAddress(address, chainId) {
  if (!isAddress(address, {
    strict: false
  })) throw new InvalidAddressError({
    address
  });
  return checksumAddress(address, chainId);
}
var checksumAddressCache;
var init_getAddress = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/address/getAddress.js"() {
    init_address();
    init_toBytes();
    init_keccak256();
    init_lru();
    init_isAddress();
    checksumAddressCache = /* @__PURE__ */ new LruMap(8192);
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/formatAbiItem.js
function formatAbiParams(params, { includeName = false } = {}) {
  if (!params) return "";
  return params.map((param) => formatAbiParam(param, {
    includeName
  })).join(includeName ? ", " : ",");
}
function formatAbiParam(param, { includeName }) {
  if (param.type.startsWith("tuple")) {
    return `(${formatAbiParams(param.components, {
      includeName
    })})${param.type.slice("tuple".length)}`;
  }
  return param.type + (includeName && param.name ? ` ${param.name}` : "");
}
var init_formatAbiItem = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/formatAbiItem.js"() {
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/abi.js
var AbiDecodingDataSizeTooSmallError, AbiDecodingZeroDataError, InvalidAbiDecodingTypeError;
var init_abi = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/abi.js"() {
    init_formatAbiItem();
    init_base();
    AbiDecodingDataSizeTooSmallError = class extends BaseError {
      constructor({ data, params, size: size3 }) {
        super([
          `Data size of ${size3} bytes is too small for given parameters.`
        ].join("\n"), {
          metaMessages: [
            `Params: (${formatAbiParams(params, {
              includeName: true
            })})`,
            `Data:   ${data} (${size3} bytes)`
          ],
          name: "AbiDecodingDataSizeTooSmallError"
        });
        Object.defineProperty(this, "data", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "params", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "size", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.data = data;
        this.params = params;
        this.size = size3;
      }
    };
    AbiDecodingZeroDataError = class extends BaseError {
      constructor({ cause } = {}) {
        super('Cannot decode zero data ("0x") with ABI parameters.', {
          name: "AbiDecodingZeroDataError",
          cause
        });
      }
    };
    InvalidAbiDecodingTypeError = class extends BaseError {
      constructor(type, { docsPath }) {
        super([
          `Type "${type}" is not a valid decoding type.`,
          "Please provide a valid ABI type."
        ].join("\n"), {
          docsPath,
          name: "InvalidAbiDecodingType"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/cursor.js
var NegativeOffsetError, PositionOutOfBoundsError, RecursiveReadLimitExceededError;
var init_cursor = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/cursor.js"() {
    init_base();
    NegativeOffsetError = class extends BaseError {
      constructor({ offset }) {
        super(`Offset \`${offset}\` cannot be negative.`, {
          name: "NegativeOffsetError"
        });
      }
    };
    PositionOutOfBoundsError = class extends BaseError {
      constructor({ length, position }) {
        super(`Position \`${position}\` is out of bounds (\`0 < position < ${length}\`).`, {
          name: "PositionOutOfBoundsError"
        });
      }
    };
    RecursiveReadLimitExceededError = class extends BaseError {
      constructor({ count, limit }) {
        super(`Recursive read limit of \`${limit}\` exceeded (recursive read count: \`${count}\`).`, {
          name: "RecursiveReadLimitExceededError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/cursor.js
function createCursor(bytes, { recursiveReadLimit = 8192 } = {}) {
  const cursor = Object.create(staticCursor);
  cursor.bytes = bytes;
  cursor.dataView = new DataView(bytes.buffer ?? bytes, bytes.byteOffset, bytes.byteLength);
  cursor.positionReadCount = /* @__PURE__ */ new Map();
  cursor.recursiveReadLimit = recursiveReadLimit;
  return cursor;
}
var staticCursor;
var init_cursor2 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/cursor.js"() {
    init_cursor();
    staticCursor = {
      bytes: new Uint8Array(),
      dataView: new DataView(new ArrayBuffer(0)),
      position: 0,
      positionReadCount: /* @__PURE__ */ new Map(),
      recursiveReadCount: 0,
      recursiveReadLimit: Number.POSITIVE_INFINITY,
      assertReadLimit() {
        if (this.recursiveReadCount >= this.recursiveReadLimit) throw new RecursiveReadLimitExceededError({
          count: this.recursiveReadCount + 1,
          limit: this.recursiveReadLimit
        });
      },
      assertPosition(position) {
        if (position < 0 || position > this.bytes.length - 1) throw new PositionOutOfBoundsError({
          length: this.bytes.length,
          position
        });
      },
      decrementPosition(offset) {
        if (offset < 0) throw new NegativeOffsetError({
          offset
        });
        const position = this.position - offset;
        this.assertPosition(position);
        this.position = position;
      },
      getReadCount(position) {
        return this.positionReadCount.get(position || this.position) || 0;
      },
      incrementPosition(offset) {
        if (offset < 0) throw new NegativeOffsetError({
          offset
        });
        const position = this.position + offset;
        this.assertPosition(position);
        this.position = position;
      },
      inspectByte(position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position);
        return this.bytes[position];
      },
      inspectBytes(length, position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position + length - 1);
        return this.bytes.subarray(position, position + length);
      },
      inspectUint8(position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position);
        return this.bytes[position];
      },
      inspectUint16(position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position + 1);
        return this.dataView.getUint16(position);
      },
      inspectUint24(position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position + 2);
        return (this.dataView.getUint16(position) << 8) + this.dataView.getUint8(position + 2);
      },
      inspectUint32(position_) {
        const position = position_ ?? this.position;
        this.assertPosition(position + 3);
        return this.dataView.getUint32(position);
      },
      pushByte(byte) {
        this.assertPosition(this.position);
        this.bytes[this.position] = byte;
        this.position++;
      },
      pushBytes(bytes) {
        this.assertPosition(this.position + bytes.length - 1);
        this.bytes.set(bytes, this.position);
        this.position += bytes.length;
      },
      pushUint8(value) {
        this.assertPosition(this.position);
        this.bytes[this.position] = value;
        this.position++;
      },
      pushUint16(value) {
        this.assertPosition(this.position + 1);
        this.dataView.setUint16(this.position, value);
        this.position += 2;
      },
      pushUint24(value) {
        this.assertPosition(this.position + 2);
        this.dataView.setUint16(this.position, value >> 8);
        this.dataView.setUint8(this.position + 2, value & ~4294967040);
        this.position += 3;
      },
      pushUint32(value) {
        this.assertPosition(this.position + 3);
        this.dataView.setUint32(this.position, value);
        this.position += 4;
      },
      readByte() {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectByte();
        this.position++;
        return value;
      },
      readBytes(length, size3) {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectBytes(length);
        this.position += size3 ?? length;
        return value;
      },
      readUint8() {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectUint8();
        this.position += 1;
        return value;
      },
      readUint16() {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectUint16();
        this.position += 2;
        return value;
      },
      readUint24() {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectUint24();
        this.position += 3;
        return value;
      },
      readUint32() {
        this.assertReadLimit();
        this._touch();
        const value = this.inspectUint32();
        this.position += 4;
        return value;
      },
      get remaining() {
        return this.bytes.length - this.position;
      },
      setPosition(position) {
        const oldPosition = this.position;
        this.assertPosition(position);
        this.position = position;
        return () => this.position = oldPosition;
      },
      _touch() {
        if (this.recursiveReadLimit === Number.POSITIVE_INFINITY) return;
        const count = this.getReadCount();
        this.positionReadCount.set(this.position, count + 1);
        if (count > 0) this.recursiveReadCount++;
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/slice.js
function assertStartOffset(value, start) {
  if (typeof start === "number" && start > 0 && start > size(value) - 1) throw new SliceOffsetOutOfBoundsError({
    offset: start,
    position: "start",
    size: size(value)
  });
}
function assertEndOffset(value, start, end) {
  if (typeof start === "number" && typeof end === "number" && size(value) !== end - start) {
    throw new SliceOffsetOutOfBoundsError({
      offset: end,
      position: "end",
      size: size(value)
    });
  }
}
function sliceBytes(value_, start, end, { strict } = {}) {
  assertStartOffset(value_, start);
  const value = value_.slice(start, end);
  if (strict) assertEndOffset(value, start, end);
  return value;
}
var init_slice = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/data/slice.js"() {
    init_data();
    init_size();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/fromBytes.js
function bytesToBigInt(bytes, opts = {}) {
  if (typeof opts.size !== "undefined") assertSize(bytes, {
    size: opts.size
  });
  const hex = bytesToHex(bytes);
  return hexToBigInt(hex, opts);
}
function bytesToBool(bytes_, opts = {}) {
  let bytes = bytes_;
  if (typeof opts.size !== "undefined") {
    assertSize(bytes, {
      size: opts.size
    });
    bytes = trim(bytes);
  }
  if (bytes.length > 1 || bytes[0] > 1) throw new InvalidBytesBooleanError(bytes);
  return Boolean(bytes[0]);
}
function bytesToNumber(bytes, opts = {}) {
  if (typeof opts.size !== "undefined") assertSize(bytes, {
    size: opts.size
  });
  const hex = bytesToHex(bytes);
  return hexToNumber(hex, opts);
}
function bytesToString(bytes_, opts = {}) {
  let bytes = bytes_;
  if (typeof opts.size !== "undefined") {
    assertSize(bytes, {
      size: opts.size
    });
    bytes = trim(bytes, {
      dir: "right"
    });
  }
  return new TextDecoder().decode(bytes);
}
var init_fromBytes = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/encoding/fromBytes.js"() {
    init_encoding();
    init_trim();
    init_fromHex();
    init_toHex();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/encodeAbiParameters.js
function getArrayComponents(type) {
  const matches = type.match(/^(.*)\[(\d+)?\]$/);
  return matches ? [
    matches[2] ? Number(matches[2]) : null,
    matches[1]
  ] : void 0;
}
var init_encodeAbiParameters = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/encodeAbiParameters.js"() {
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/decodeAbiParameters.js
function decodeAbiParameters(params, data) {
  const bytes = typeof data === "string" ? hexToBytes(data) : data;
  const cursor = createCursor(bytes);
  if (size(bytes) === 0 && params.length > 0) throw new AbiDecodingZeroDataError();
  if (size(data) && size(data) < 32) throw new AbiDecodingDataSizeTooSmallError({
    data: typeof data === "string" ? data : bytesToHex(data),
    params,
    size: size(data)
  });
  const budget = {
    limit: bytes.length * 32,
    used: 0
  };
  let consumed = 0;
  const values = [];
  for (let i = 0; i < params.length; ++i) {
    const param = params[i];
    if (consumed < bytes.length) cursor.setPosition(consumed);
    const [data2, consumed_] = decodeParameter(cursor, param, {
      budget,
      staticPosition: 0
    });
    consumed += consumed_;
    values.push(data2);
  }
  return values;
}
function decodeParameter(cursor, param, { budget, staticPosition }) {
  const arrayComponents = getArrayComponents(param.type);
  if (arrayComponents) {
    const [length, type] = arrayComponents;
    return decodeArray(cursor, {
      ...param,
      type
    }, {
      budget,
      length,
      staticPosition
    });
  }
  if (param.type === "tuple") return decodeTuple(cursor, param, {
    budget,
    staticPosition
  });
  if (param.type === "address") return decodeAddress(cursor);
  if (param.type === "bool") return decodeBool(cursor);
  if (param.type.startsWith("bytes")) return decodeBytes(cursor, param, {
    budget,
    staticPosition
  });
  if (param.type.startsWith("uint") || param.type.startsWith("int")) return decodeNumber(cursor, param);
  if (param.type === "string") return decodeString(cursor, {
    budget,
    staticPosition
  });
  throw new InvalidAbiDecodingTypeError(param.type, {
    docsPath: "/docs/contract/decodeAbiParameters"
  });
}
function decodeAddress(cursor) {
  const value = cursor.readBytes(32);
  return [
    checksumAddress(bytesToHex(sliceBytes(value, -20))),
    32
  ];
}
function decodeArray(cursor, param, { budget, length, staticPosition }) {
  if (length === null) {
    const offset = bytesToNumber(cursor.readBytes(sizeOfOffset));
    const start = staticPosition + offset;
    const startOfData = start + sizeOfLength;
    cursor.setPosition(start);
    const length2 = bytesToNumber(cursor.readBytes(sizeOfLength));
    const dynamicChild = hasDynamicChild(param);
    let consumed2 = 0;
    const value2 = [];
    for (let i = 0; i < length2; ++i) {
      cursor.setPosition(startOfData + (dynamicChild ? i * 32 : consumed2));
      const [data, consumed_] = decodeParameter(cursor, param, {
        budget,
        staticPosition: startOfData
      });
      consumed2 += consumed_;
      value2.push(data);
      if (consumed_ === 0) {
        cursor.assertReadLimit();
        cursor._touch();
      }
    }
    cursor.setPosition(staticPosition + 32);
    return [
      value2,
      32
    ];
  }
  if (hasDynamicChild(param)) {
    const offset = bytesToNumber(cursor.readBytes(sizeOfOffset));
    const start = staticPosition + offset;
    const value2 = [];
    for (let i = 0; i < length; ++i) {
      cursor.setPosition(start + i * 32);
      const [data] = decodeParameter(cursor, param, {
        budget,
        staticPosition: start
      });
      value2.push(data);
    }
    cursor.setPosition(staticPosition + 32);
    return [
      value2,
      32
    ];
  }
  let consumed = 0;
  const value = [];
  for (let i = 0; i < length; ++i) {
    const [data, consumed_] = decodeParameter(cursor, param, {
      budget,
      staticPosition: staticPosition + consumed
    });
    consumed += consumed_;
    value.push(data);
    if (consumed_ === 0) {
      cursor.assertReadLimit();
      cursor._touch();
    }
  }
  return [
    value,
    consumed
  ];
}
function decodeBool(cursor) {
  return [
    bytesToBool(cursor.readBytes(32), {
      size: 32
    }),
    32
  ];
}
function decodeBytes(cursor, param, { budget, staticPosition }) {
  const [_, size3] = param.type.split("bytes");
  if (!size3) {
    const offset = bytesToNumber(cursor.readBytes(32));
    cursor.setPosition(staticPosition + offset);
    const length = bytesToNumber(cursor.readBytes(32));
    if (length === 0) {
      cursor.setPosition(staticPosition + 32);
      return [
        "0x",
        32
      ];
    }
    const data = cursor.readBytes(length);
    budget.used += length;
    if (budget.used > budget.limit) throw new AbiDecodingSizeLimitExceededError({
      limit: budget.limit
    });
    cursor.setPosition(staticPosition + 32);
    return [
      bytesToHex(data),
      32
    ];
  }
  const value = bytesToHex(cursor.readBytes(Number.parseInt(size3, 10), 32));
  return [
    value,
    32
  ];
}
function decodeNumber(cursor, param) {
  const signed = param.type.startsWith("int");
  const size3 = Number.parseInt(param.type.split("int")[1] || "256", 10);
  const value = cursor.readBytes(32);
  return [
    size3 > 48 ? bytesToBigInt(value, {
      signed
    }) : bytesToNumber(value, {
      signed
    }),
    32
  ];
}
function decodeTuple(cursor, param, { budget, staticPosition }) {
  const hasUnnamedChild = param.components.length === 0 || param.components.some(({ name }) => !name);
  const value = hasUnnamedChild ? [] : {};
  let consumed = 0;
  if (hasDynamicChild(param)) {
    const offset = bytesToNumber(cursor.readBytes(sizeOfOffset));
    const start = staticPosition + offset;
    for (let i = 0; i < param.components.length; ++i) {
      const component = param.components[i];
      cursor.setPosition(start + consumed);
      const [data, consumed_] = decodeParameter(cursor, component, {
        budget,
        staticPosition: start
      });
      consumed += consumed_;
      value[hasUnnamedChild ? i : component?.name] = data;
    }
    cursor.setPosition(staticPosition + 32);
    return [
      value,
      32
    ];
  }
  for (let i = 0; i < param.components.length; ++i) {
    const component = param.components[i];
    const [data, consumed_] = decodeParameter(cursor, component, {
      budget,
      staticPosition
    });
    value[hasUnnamedChild ? i : component?.name] = data;
    consumed += consumed_;
  }
  return [
    value,
    consumed
  ];
}
function decodeString(cursor, { budget, staticPosition }) {
  const offset = bytesToNumber(cursor.readBytes(32));
  const start = staticPosition + offset;
  cursor.setPosition(start);
  const length = bytesToNumber(cursor.readBytes(32));
  if (length === 0) {
    cursor.setPosition(staticPosition + 32);
    return [
      "",
      32
    ];
  }
  const data = cursor.readBytes(length, 32);
  budget.used += length;
  if (budget.used > budget.limit) throw new AbiDecodingSizeLimitExceededError({
    limit: budget.limit
  });
  const value = bytesToString(data);
  cursor.setPosition(staticPosition + 32);
  return [
    value,
    32
  ];
}
function hasDynamicChild(param) {
  const { type } = param;
  if (type === "string") return true;
  if (type === "bytes") return true;
  if (type.endsWith("[]")) return true;
  if (type === "tuple") return param.components?.some(hasDynamicChild);
  const arrayComponents = getArrayComponents(param.type);
  if (arrayComponents && hasDynamicChild({
    ...param,
    type: arrayComponents[1]
  })) return true;
  return false;
}
var sizeOfLength, sizeOfOffset, AbiDecodingSizeLimitExceededError;
var init_decodeAbiParameters = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/abi/decodeAbiParameters.js"() {
    init_abi();
    init_base();
    init_getAddress();
    init_cursor2();
    init_size();
    init_slice();
    init_fromBytes();
    init_toBytes();
    init_toHex();
    init_encodeAbiParameters();
    sizeOfLength = 32;
    sizeOfOffset = 32;
    AbiDecodingSizeLimitExceededError = class extends BaseError {
      constructor({ limit }) {
        super(`Decoded \`bytes\` and \`string\` values exceed the size limit of ${limit} bytes.`, {
          name: "AbiDecodingSizeLimitExceededError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/stringify.js
var stringify;
var init_stringify = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/stringify.js"() {
    stringify = (value, replacer2, space) => JSON.stringify(value, (key, value_) => {
      const value2 = typeof value_ === "bigint" ? value_.toString() : value_;
      return typeof replacer2 === "function" ? replacer2(key, value2) : value2;
    }, space);
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/unit/Value.js
function format(value, decimals = 0) {
  if (!Number.isInteger(decimals) || decimals < 0) throw new InvalidDecimalsError({
    decimals
  });
  let display = value.toString();
  const negative = display.startsWith("-");
  if (negative) display = display.slice(1);
  display = display.padStart(decimals, "0");
  let [integer2, fraction] = [
    display.slice(0, display.length - decimals),
    display.slice(display.length - decimals)
  ];
  fraction = fraction.replace(/(0+)$/, "");
  return `${negative ? "-" : ""}${integer2 || "0"}${fraction ? `.${fraction}` : ""}`;
}
function formatGwei(wei, unit = "wei") {
  return format(wei, exponents.gwei - exponents[unit]);
}
var exponents, InvalidDecimalsError;
var init_Value = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/unit/Value.js"() {
    exponents = {
      wei: 0,
      gwei: 9,
      szabo: 12,
      finney: 15,
      ether: 18
    };
    InvalidDecimalsError = class extends Error {
      constructor({ decimals }) {
        super(`\`decimals\` must be a non-negative integer. Got \`${decimals}\`.`);
        Object.defineProperty(this, "name", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: "Value.InvalidDecimalsError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/unit/formatGwei.js
function formatGwei2(wei, unit = "wei") {
  return formatGwei(wei, unit);
}
var init_formatGwei = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/unit/formatGwei.js"() {
    init_Value();
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/_md.js
function setBigUint64(view, byteOffset, value, isLE2) {
  if (typeof view.setBigUint64 === "function") return view.setBigUint64(byteOffset, value, isLE2);
  const _32n2 = BigInt(32);
  const _u32_max = BigInt(4294967295);
  const wh = Number(value >> _32n2 & _u32_max);
  const wl = Number(value & _u32_max);
  const h = isLE2 ? 4 : 0;
  const l = isLE2 ? 0 : 4;
  view.setUint32(byteOffset + h, wh, isLE2);
  view.setUint32(byteOffset + l, wl, isLE2);
}
function Chi(a, b, c) {
  return a & b ^ ~a & c;
}
function Maj(a, b, c) {
  return a & b ^ a & c ^ b & c;
}
var HashMD, SHA256_IV;
var init_md = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/_md.js"() {
    init_utils();
    HashMD = class extends Hash {
      constructor(blockLen, outputLen, padOffset, isLE2) {
        super();
        this.finished = false;
        this.length = 0;
        this.pos = 0;
        this.destroyed = false;
        this.blockLen = blockLen;
        this.outputLen = outputLen;
        this.padOffset = padOffset;
        this.isLE = isLE2;
        this.buffer = new Uint8Array(blockLen);
        this.view = createView(this.buffer);
      }
      update(data) {
        aexists(this);
        data = toBytes2(data);
        abytes(data);
        const { view, buffer: buffer2, blockLen } = this;
        const len = data.length;
        for (let pos = 0; pos < len; ) {
          const take = Math.min(blockLen - this.pos, len - pos);
          if (take === blockLen) {
            const dataView = createView(data);
            for (; blockLen <= len - pos; pos += blockLen) this.process(dataView, pos);
            continue;
          }
          buffer2.set(data.subarray(pos, pos + take), this.pos);
          this.pos += take;
          pos += take;
          if (this.pos === blockLen) {
            this.process(view, 0);
            this.pos = 0;
          }
        }
        this.length += data.length;
        this.roundClean();
        return this;
      }
      digestInto(out) {
        aexists(this);
        aoutput(out, this);
        this.finished = true;
        const { buffer: buffer2, view, blockLen, isLE: isLE2 } = this;
        let { pos } = this;
        buffer2[pos++] = 128;
        clean(this.buffer.subarray(pos));
        if (this.padOffset > blockLen - pos) {
          this.process(view, 0);
          pos = 0;
        }
        for (let i = pos; i < blockLen; i++) buffer2[i] = 0;
        setBigUint64(view, blockLen - 8, BigInt(this.length * 8), isLE2);
        this.process(view, 0);
        const oview = createView(out);
        const len = this.outputLen;
        if (len % 4) throw new Error("_sha2: outputLen should be aligned to 32bit");
        const outLen = len / 4;
        const state = this.get();
        if (outLen > state.length) throw new Error("_sha2: outputLen bigger than state");
        for (let i = 0; i < outLen; i++) oview.setUint32(4 * i, state[i], isLE2);
      }
      digest() {
        const { buffer: buffer2, outputLen } = this;
        this.digestInto(buffer2);
        const res = buffer2.slice(0, outputLen);
        this.destroy();
        return res;
      }
      _cloneInto(to) {
        to || (to = new this.constructor());
        to.set(...this.get());
        const { blockLen, buffer: buffer2, length, finished, destroyed, pos } = this;
        to.destroyed = destroyed;
        to.finished = finished;
        to.length = length;
        to.pos = pos;
        if (length % blockLen) to.buffer.set(buffer2);
        return to;
      }
      clone() {
        return this._cloneInto();
      }
    };
    SHA256_IV = /* @__PURE__ */ Uint32Array.from([
      1779033703,
      3144134277,
      1013904242,
      2773480762,
      1359893119,
      2600822924,
      528734635,
      1541459225
    ]);
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha2.js
var SHA256_K, SHA256_W, SHA256, sha256;
var init_sha2 = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha2.js"() {
    init_md();
    init_utils();
    SHA256_K = /* @__PURE__ */ Uint32Array.from([
      1116352408,
      1899447441,
      3049323471,
      3921009573,
      961987163,
      1508970993,
      2453635748,
      2870763221,
      3624381080,
      310598401,
      607225278,
      1426881987,
      1925078388,
      2162078206,
      2614888103,
      3248222580,
      3835390401,
      4022224774,
      264347078,
      604807628,
      770255983,
      1249150122,
      1555081692,
      1996064986,
      2554220882,
      2821834349,
      2952996808,
      3210313671,
      3336571891,
      3584528711,
      113926993,
      338241895,
      666307205,
      773529912,
      1294757372,
      1396182291,
      1695183700,
      1986661051,
      2177026350,
      2456956037,
      2730485921,
      2820302411,
      3259730800,
      3345764771,
      3516065817,
      3600352804,
      4094571909,
      275423344,
      430227734,
      506948616,
      659060556,
      883997877,
      958139571,
      1322822218,
      1537002063,
      1747873779,
      1955562222,
      2024104815,
      2227730452,
      2361852424,
      2428436474,
      2756734187,
      3204031479,
      3329325298
    ]);
    SHA256_W = /* @__PURE__ */ new Uint32Array(64);
    SHA256 = class extends HashMD {
      constructor(outputLen = 32) {
        super(64, outputLen, 8, false);
        this.A = SHA256_IV[0] | 0;
        this.B = SHA256_IV[1] | 0;
        this.C = SHA256_IV[2] | 0;
        this.D = SHA256_IV[3] | 0;
        this.E = SHA256_IV[4] | 0;
        this.F = SHA256_IV[5] | 0;
        this.G = SHA256_IV[6] | 0;
        this.H = SHA256_IV[7] | 0;
      }
      get() {
        const { A, B, C, D, E, F, G, H: H2 } = this;
        return [
          A,
          B,
          C,
          D,
          E,
          F,
          G,
          H2
        ];
      }
      // prettier-ignore
      set(A, B, C, D, E, F, G, H2) {
        this.A = A | 0;
        this.B = B | 0;
        this.C = C | 0;
        this.D = D | 0;
        this.E = E | 0;
        this.F = F | 0;
        this.G = G | 0;
        this.H = H2 | 0;
      }
      process(view, offset) {
        for (let i = 0; i < 16; i++, offset += 4) SHA256_W[i] = view.getUint32(offset, false);
        for (let i = 16; i < 64; i++) {
          const W15 = SHA256_W[i - 15];
          const W2 = SHA256_W[i - 2];
          const s0 = rotr(W15, 7) ^ rotr(W15, 18) ^ W15 >>> 3;
          const s1 = rotr(W2, 17) ^ rotr(W2, 19) ^ W2 >>> 10;
          SHA256_W[i] = s1 + SHA256_W[i - 7] + s0 + SHA256_W[i - 16] | 0;
        }
        let { A, B, C, D, E, F, G, H: H2 } = this;
        for (let i = 0; i < 64; i++) {
          const sigma1 = rotr(E, 6) ^ rotr(E, 11) ^ rotr(E, 25);
          const T1 = H2 + sigma1 + Chi(E, F, G) + SHA256_K[i] + SHA256_W[i] | 0;
          const sigma0 = rotr(A, 2) ^ rotr(A, 13) ^ rotr(A, 22);
          const T2 = sigma0 + Maj(A, B, C) | 0;
          H2 = G;
          G = F;
          F = E;
          E = D + T1 | 0;
          D = C;
          C = B;
          B = A;
          A = T1 + T2 | 0;
        }
        A = A + this.A | 0;
        B = B + this.B | 0;
        C = C + this.C | 0;
        D = D + this.D | 0;
        E = E + this.E | 0;
        F = F + this.F | 0;
        G = G + this.G | 0;
        H2 = H2 + this.H | 0;
        this.set(A, B, C, D, E, F, G, H2);
      }
      roundClean() {
        clean(SHA256_W);
      }
      destroy() {
        this.set(0, 0, 0, 0, 0, 0, 0, 0);
        clean(this.buffer);
      }
    };
    sha256 = /* @__PURE__ */ createHasher(() => new SHA256());
  }
});

// ../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha256.js
var sha2562;
var init_sha256 = __esm({
  "../../../node_modules/.deno/@noble+hashes@1.8.0/node_modules/@noble/hashes/esm/sha256.js"() {
    init_sha2();
    sha2562 = sha256;
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/hash/sha256.js
function sha2563(value, to_) {
  const to = to_ || "hex";
  const bytes = sha2562(isHex(value, {
    strict: false
  }) ? toBytes(value) : value);
  if (to === "bytes") return bytes;
  return toHex(bytes);
}
var init_sha2562 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/hash/sha256.js"() {
    init_sha256();
    init_isHex();
    init_toBytes();
    init_toHex();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/node.js
var ExecutionRevertedError, FeeCapTooHighError, FeeCapTooLowError, NonceTooHighError, NonceTooLowError, NonceMaxValueError, InsufficientFundsError, IntrinsicGasTooHighError, IntrinsicGasTooLowError, TransactionTypeNotSupportedError, TipAboveFeeCapError;
var init_node = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/node.js"() {
    init_formatGwei();
    init_base();
    ExecutionRevertedError = class extends BaseError {
      constructor({ cause, message } = {}) {
        const reason = message?.replace("execution reverted: ", "")?.replace("execution reverted", "");
        super(`Execution reverted ${reason ? `with reason: ${reason}` : "for an unknown reason"}.`, {
          cause,
          name: "ExecutionRevertedError"
        });
      }
    };
    Object.defineProperty(ExecutionRevertedError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 3
    });
    Object.defineProperty(ExecutionRevertedError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /execution reverted|gas required exceeds allowance/
    });
    FeeCapTooHighError = class extends BaseError {
      constructor({ cause, maxFeePerGas } = {}) {
        super(`The fee cap (\`maxFeePerGas\`${typeof maxFeePerGas === "bigint" ? ` = ${formatGwei2(maxFeePerGas)} gwei` : ""}) cannot be higher than the maximum allowed value (2^256-1).`, {
          cause,
          name: "FeeCapTooHighError"
        });
      }
    };
    Object.defineProperty(FeeCapTooHighError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /max fee per gas higher than 2\^256-1|fee cap higher than 2\^256-1/
    });
    FeeCapTooLowError = class extends BaseError {
      constructor({ cause, maxFeePerGas } = {}) {
        super(`The fee cap (\`maxFeePerGas\`${typeof maxFeePerGas === "bigint" ? ` = ${formatGwei2(maxFeePerGas)} gwei` : ""}) cannot be lower than the block base fee.`, {
          cause,
          name: "FeeCapTooLowError"
        });
      }
    };
    Object.defineProperty(FeeCapTooLowError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /max fee per gas less than block base fee|fee cap less than block base fee|transaction is outdated/
    });
    NonceTooHighError = class extends BaseError {
      constructor({ cause, nonce } = {}) {
        super(`Nonce provided for the transaction ${nonce ? `(${nonce}) ` : ""}is higher than the next one expected.`, {
          cause,
          name: "NonceTooHighError"
        });
      }
    };
    Object.defineProperty(NonceTooHighError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /nonce too high/
    });
    NonceTooLowError = class extends BaseError {
      constructor({ cause, nonce } = {}) {
        super([
          `Nonce provided for the transaction ${nonce ? `(${nonce}) ` : ""}is lower than the current nonce of the account.`,
          "Try increasing the nonce or find the latest nonce with `getTransactionCount`."
        ].join("\n"), {
          cause,
          name: "NonceTooLowError"
        });
      }
    };
    Object.defineProperty(NonceTooLowError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /nonce too low|transaction already imported|already known/
    });
    NonceMaxValueError = class extends BaseError {
      constructor({ cause, nonce } = {}) {
        super(`Nonce provided for the transaction ${nonce ? `(${nonce}) ` : ""}exceeds the maximum allowed nonce.`, {
          cause,
          name: "NonceMaxValueError"
        });
      }
    };
    Object.defineProperty(NonceMaxValueError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /nonce has max value/
    });
    InsufficientFundsError = class extends BaseError {
      constructor({ cause } = {}) {
        super([
          "The total cost (gas * gas fee + value) of executing this transaction exceeds the balance of the account."
        ].join("\n"), {
          cause,
          metaMessages: [
            "This error could arise when the account does not have enough funds to:",
            " - pay for the total gas fee,",
            " - pay for the value to send.",
            " ",
            "The cost of the transaction is calculated as `gas * gas fee + value`, where:",
            " - `gas` is the amount of gas needed for transaction to execute,",
            " - `gas fee` is the gas fee,",
            " - `value` is the amount of ether to send to the recipient."
          ],
          name: "InsufficientFundsError"
        });
      }
    };
    Object.defineProperty(InsufficientFundsError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /insufficient funds|exceeds transaction sender account balance|outoffunds/
    });
    IntrinsicGasTooHighError = class extends BaseError {
      constructor({ cause, gas } = {}) {
        super(`The amount of gas ${gas ? `(${gas}) ` : ""}provided for the transaction exceeds the limit allowed for the block.`, {
          cause,
          name: "IntrinsicGasTooHighError"
        });
      }
    };
    Object.defineProperty(IntrinsicGasTooHighError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /intrinsic gas too high|gas limit reached/
    });
    IntrinsicGasTooLowError = class extends BaseError {
      constructor({ cause, gas } = {}) {
        super(`The amount of gas ${gas ? `(${gas}) ` : ""}provided for the transaction is too low.`, {
          cause,
          name: "IntrinsicGasTooLowError"
        });
      }
    };
    Object.defineProperty(IntrinsicGasTooLowError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /intrinsic gas too low/
    });
    TransactionTypeNotSupportedError = class extends BaseError {
      constructor({ cause }) {
        super("The transaction type is not supported for this chain.", {
          cause,
          name: "TransactionTypeNotSupportedError"
        });
      }
    };
    Object.defineProperty(TransactionTypeNotSupportedError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /transaction type not valid/
    });
    TipAboveFeeCapError = class extends BaseError {
      constructor({ cause, maxPriorityFeePerGas, maxFeePerGas } = {}) {
        super([
          `The provided tip (\`maxPriorityFeePerGas\`${typeof maxPriorityFeePerGas === "bigint" ? ` = ${formatGwei2(maxPriorityFeePerGas)} gwei` : ""}) cannot be higher than the fee cap (\`maxFeePerGas\`${typeof maxFeePerGas === "bigint" ? ` = ${formatGwei2(maxFeePerGas)} gwei` : ""}).`
        ].join("\n"), {
          cause,
          name: "TipAboveFeeCapError"
        });
      }
    };
    Object.defineProperty(TipAboveFeeCapError, "nodeMessage", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: /max priority fee per gas higher than max fee per gas|tip higher than fee cap/
    });
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/utils.js
function getAbortError(signal) {
  if (signal?.reason) return signal.reason;
  if (typeof DOMException === "function") return new DOMException("This operation was aborted", "AbortError");
  const error = new Error("This operation was aborted");
  error.name = "AbortError";
  return error;
}
function isAbortError(error) {
  return typeof error === "object" && error !== null && "name" in error && error.name === "AbortError";
}
var getUrl;
var init_utils2 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/utils.js"() {
    getUrl = (url) => {
      try {
        const parsed = new URL(url);
        if (!parsed.username && !parsed.password) return url;
        parsed.username = "";
        parsed.password = "";
        return parsed.toString();
      } catch {
        return url;
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/request.js
var HttpRequestError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError;
var init_request = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/request.js"() {
    init_stringify();
    init_base();
    init_utils2();
    HttpRequestError = class extends BaseError {
      constructor({ body, cause, details, headers, status, url }) {
        super("HTTP request failed.", {
          cause,
          details,
          metaMessages: [
            status && `Status: ${status}`,
            `URL: ${getUrl(url)}`,
            body && `Request body: ${stringify(body)}`
          ].filter(Boolean),
          name: "HttpRequestError"
        });
        Object.defineProperty(this, "body", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "headers", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "status", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "url", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.body = body;
        this.headers = headers;
        this.status = status;
        this.url = url;
      }
    };
    ResponseBodyTooLargeError = class extends BaseError {
      constructor({ maxSize, size: size3 }) {
        super("HTTP response body exceeded the size limit.", {
          metaMessages: [
            `Max: ${maxSize} bytes`,
            `Received: ${size3} bytes`
          ],
          name: "ResponseBodyTooLargeError"
        });
        Object.defineProperty(this, "maxSize", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "size", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.maxSize = maxSize;
        this.size = size3;
      }
    };
    RpcRequestError = class extends BaseError {
      constructor({ body, error, headers, status, url }) {
        super("RPC Request failed.", {
          cause: error,
          details: error.message,
          metaMessages: [
            status && `Status: ${status}`,
            `URL: ${getUrl(url)}`,
            `Request body: ${stringify(body)}`
          ].filter(Boolean),
          name: "RpcRequestError"
        });
        Object.defineProperty(this, "code", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "data", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "headers", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "status", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        Object.defineProperty(this, "url", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.code = error.code;
        this.data = error.data;
        this.headers = headers;
        this.status = status;
        this.url = url;
      }
    };
    TimeoutError = class extends BaseError {
      constructor({ body, url }) {
        super("The request took too long to respond.", {
          details: "The request timed out.",
          metaMessages: [
            `URL: ${getUrl(url)}`,
            `Request body: ${stringify(body)}`
          ],
          name: "TimeoutError"
        });
        Object.defineProperty(this, "url", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.url = url;
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/rpc.js
var unknownErrorCode, RpcError, ProviderRpcError, ParseRpcError, InvalidRequestRpcError, MethodNotFoundRpcError, InvalidParamsRpcError, InternalRpcError, InvalidInputRpcError, ResourceNotFoundRpcError, ResourceUnavailableRpcError, TransactionRejectedRpcError, MethodNotSupportedRpcError, LimitExceededRpcError, JsonRpcVersionUnsupportedError, UserRejectedRequestError, UnauthorizedProviderError, UnsupportedProviderMethodError, ProviderDisconnectedError, ChainDisconnectedError, SwitchChainError, UnsupportedNonOptionalCapabilityError, UnsupportedChainIdError, DuplicateIdError, UnknownBundleIdError, BundleTooLargeError, AtomicReadyWalletRejectedUpgradeError, AtomicityNotSupportedError, WalletConnectSessionSettlementError, UnknownRpcError;
var init_rpc = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/rpc.js"() {
    init_base();
    init_request();
    unknownErrorCode = -1;
    RpcError = class extends BaseError {
      constructor(cause, { code, docsPath, metaMessages, name, shortMessage }) {
        super(shortMessage, {
          cause,
          docsPath,
          metaMessages: metaMessages || cause?.metaMessages,
          name: name || "RpcError"
        });
        Object.defineProperty(this, "code", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.name = name || cause.name;
        this.code = cause instanceof RpcRequestError ? cause.code : code ?? unknownErrorCode;
      }
    };
    ProviderRpcError = class extends RpcError {
      constructor(cause, options) {
        super(cause, options);
        Object.defineProperty(this, "data", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: void 0
        });
        this.data = options.data;
      }
    };
    ParseRpcError = class _ParseRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _ParseRpcError.code,
          name: "ParseRpcError",
          shortMessage: "Invalid JSON was received by the server. An error occurred on the server while parsing the JSON text."
        });
      }
    };
    Object.defineProperty(ParseRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32700
    });
    InvalidRequestRpcError = class _InvalidRequestRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _InvalidRequestRpcError.code,
          name: "InvalidRequestRpcError",
          shortMessage: "JSON is not a valid request object."
        });
      }
    };
    Object.defineProperty(InvalidRequestRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32600
    });
    MethodNotFoundRpcError = class _MethodNotFoundRpcError extends RpcError {
      constructor(cause, { method } = {}) {
        super(cause, {
          code: _MethodNotFoundRpcError.code,
          name: "MethodNotFoundRpcError",
          shortMessage: `The method${method ? ` "${method}"` : ""} does not exist / is not available.`
        });
      }
    };
    Object.defineProperty(MethodNotFoundRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32601
    });
    InvalidParamsRpcError = class _InvalidParamsRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _InvalidParamsRpcError.code,
          name: "InvalidParamsRpcError",
          shortMessage: [
            "Invalid parameters were provided to the RPC method.",
            "Double check you have provided the correct parameters."
          ].join("\n")
        });
      }
    };
    Object.defineProperty(InvalidParamsRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32602
    });
    InternalRpcError = class _InternalRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _InternalRpcError.code,
          name: "InternalRpcError",
          shortMessage: "An internal error was received."
        });
      }
    };
    Object.defineProperty(InternalRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32603
    });
    InvalidInputRpcError = class _InvalidInputRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _InvalidInputRpcError.code,
          name: "InvalidInputRpcError",
          shortMessage: [
            "Missing or invalid parameters.",
            "Double check you have provided the correct parameters."
          ].join("\n")
        });
      }
    };
    Object.defineProperty(InvalidInputRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32e3
    });
    ResourceNotFoundRpcError = class _ResourceNotFoundRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _ResourceNotFoundRpcError.code,
          name: "ResourceNotFoundRpcError",
          shortMessage: "Requested resource not found."
        });
        Object.defineProperty(this, "name", {
          enumerable: true,
          configurable: true,
          writable: true,
          value: "ResourceNotFoundRpcError"
        });
      }
    };
    Object.defineProperty(ResourceNotFoundRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32001
    });
    ResourceUnavailableRpcError = class _ResourceUnavailableRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _ResourceUnavailableRpcError.code,
          name: "ResourceUnavailableRpcError",
          shortMessage: "Requested resource not available."
        });
      }
    };
    Object.defineProperty(ResourceUnavailableRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32002
    });
    TransactionRejectedRpcError = class _TransactionRejectedRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _TransactionRejectedRpcError.code,
          name: "TransactionRejectedRpcError",
          shortMessage: "Transaction creation failed."
        });
      }
    };
    Object.defineProperty(TransactionRejectedRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32003
    });
    MethodNotSupportedRpcError = class _MethodNotSupportedRpcError extends RpcError {
      constructor(cause, { method } = {}) {
        super(cause, {
          code: _MethodNotSupportedRpcError.code,
          name: "MethodNotSupportedRpcError",
          shortMessage: `Method${method ? ` "${method}"` : ""} is not supported.`
        });
      }
    };
    Object.defineProperty(MethodNotSupportedRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32004
    });
    LimitExceededRpcError = class _LimitExceededRpcError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _LimitExceededRpcError.code,
          name: "LimitExceededRpcError",
          shortMessage: "Request exceeds defined limit."
        });
      }
    };
    Object.defineProperty(LimitExceededRpcError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32005
    });
    JsonRpcVersionUnsupportedError = class _JsonRpcVersionUnsupportedError extends RpcError {
      constructor(cause) {
        super(cause, {
          code: _JsonRpcVersionUnsupportedError.code,
          name: "JsonRpcVersionUnsupportedError",
          shortMessage: "Version of JSON-RPC protocol is not supported."
        });
      }
    };
    Object.defineProperty(JsonRpcVersionUnsupportedError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: -32006
    });
    UserRejectedRequestError = class _UserRejectedRequestError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _UserRejectedRequestError.code,
          name: "UserRejectedRequestError",
          shortMessage: "User rejected the request."
        });
      }
    };
    Object.defineProperty(UserRejectedRequestError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4001
    });
    UnauthorizedProviderError = class _UnauthorizedProviderError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _UnauthorizedProviderError.code,
          name: "UnauthorizedProviderError",
          shortMessage: "The requested method and/or account has not been authorized by the user."
        });
      }
    };
    Object.defineProperty(UnauthorizedProviderError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4100
    });
    UnsupportedProviderMethodError = class _UnsupportedProviderMethodError extends ProviderRpcError {
      constructor(cause, { method } = {}) {
        super(cause, {
          code: _UnsupportedProviderMethodError.code,
          name: "UnsupportedProviderMethodError",
          shortMessage: `The Provider does not support the requested method${method ? ` " ${method}"` : ""}.`
        });
      }
    };
    Object.defineProperty(UnsupportedProviderMethodError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4200
    });
    ProviderDisconnectedError = class _ProviderDisconnectedError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _ProviderDisconnectedError.code,
          name: "ProviderDisconnectedError",
          shortMessage: "The Provider is disconnected from all chains."
        });
      }
    };
    Object.defineProperty(ProviderDisconnectedError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4900
    });
    ChainDisconnectedError = class _ChainDisconnectedError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _ChainDisconnectedError.code,
          name: "ChainDisconnectedError",
          shortMessage: "The Provider is not connected to the requested chain."
        });
      }
    };
    Object.defineProperty(ChainDisconnectedError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4901
    });
    SwitchChainError = class _SwitchChainError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _SwitchChainError.code,
          name: "SwitchChainError",
          shortMessage: "An error occurred when attempting to switch chain."
        });
      }
    };
    Object.defineProperty(SwitchChainError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4902
    });
    UnsupportedNonOptionalCapabilityError = class _UnsupportedNonOptionalCapabilityError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _UnsupportedNonOptionalCapabilityError.code,
          name: "UnsupportedNonOptionalCapabilityError",
          shortMessage: "This Wallet does not support a capability that was not marked as optional."
        });
      }
    };
    Object.defineProperty(UnsupportedNonOptionalCapabilityError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5700
    });
    UnsupportedChainIdError = class _UnsupportedChainIdError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _UnsupportedChainIdError.code,
          name: "UnsupportedChainIdError",
          shortMessage: "This Wallet does not support the requested chain ID."
        });
      }
    };
    Object.defineProperty(UnsupportedChainIdError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5710
    });
    DuplicateIdError = class _DuplicateIdError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _DuplicateIdError.code,
          name: "DuplicateIdError",
          shortMessage: "There is already a bundle submitted with this ID."
        });
      }
    };
    Object.defineProperty(DuplicateIdError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5720
    });
    UnknownBundleIdError = class _UnknownBundleIdError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _UnknownBundleIdError.code,
          name: "UnknownBundleIdError",
          shortMessage: "This bundle id is unknown / has not been submitted"
        });
      }
    };
    Object.defineProperty(UnknownBundleIdError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5730
    });
    BundleTooLargeError = class _BundleTooLargeError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _BundleTooLargeError.code,
          name: "BundleTooLargeError",
          shortMessage: "The call bundle is too large for the Wallet to process."
        });
      }
    };
    Object.defineProperty(BundleTooLargeError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5740
    });
    AtomicReadyWalletRejectedUpgradeError = class _AtomicReadyWalletRejectedUpgradeError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _AtomicReadyWalletRejectedUpgradeError.code,
          name: "AtomicReadyWalletRejectedUpgradeError",
          shortMessage: "The Wallet can support atomicity after an upgrade, but the user rejected the upgrade."
        });
      }
    };
    Object.defineProperty(AtomicReadyWalletRejectedUpgradeError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5750
    });
    AtomicityNotSupportedError = class _AtomicityNotSupportedError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _AtomicityNotSupportedError.code,
          name: "AtomicityNotSupportedError",
          shortMessage: "The wallet does not support atomic execution but the request requires it."
        });
      }
    };
    Object.defineProperty(AtomicityNotSupportedError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 5760
    });
    WalletConnectSessionSettlementError = class _WalletConnectSessionSettlementError extends ProviderRpcError {
      constructor(cause) {
        super(cause, {
          code: _WalletConnectSessionSettlementError.code,
          name: "WalletConnectSessionSettlementError",
          shortMessage: "WalletConnect session settlement failed."
        });
      }
    };
    Object.defineProperty(WalletConnectSessionSettlementError, "code", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 7e3
    });
    UnknownRpcError = class extends RpcError {
      constructor(cause) {
        super(cause, {
          name: "UnknownRpcError",
          shortMessage: "An unknown RPC error occurred."
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withDedupe.js
function withDedupe(fn, { enabled = true, id }) {
  if (!enabled || !id) return fn();
  if (promiseCache.get(id)) return promiseCache.get(id);
  const promise = fn().finally(() => promiseCache.delete(id));
  promiseCache.set(id, promise);
  return promise;
}
var promiseCache;
var init_withDedupe = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withDedupe.js"() {
    init_lru();
    promiseCache = /* @__PURE__ */ new LruMap(8192);
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/wait.js
async function wait(time, { signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(getAbortError(signal));
      return;
    }
    const cleanup = () => signal?.removeEventListener("abort", onAbort);
    const timeout = setTimeout(() => {
      cleanup();
      resolve();
    }, Math.min(time, 2 ** 31 - 1));
    const onAbort = () => {
      clearTimeout(timeout);
      cleanup();
      reject(getAbortError(signal));
    };
    signal?.addEventListener("abort", onAbort, {
      once: true
    });
  });
}
var init_wait = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/wait.js"() {
    init_utils2();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withRetry.js
function withRetry(fn, { delay: delay_ = 100, retryCount = 2, shouldRetry: shouldRetry3 = () => true, signal } = {}) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(getAbortError(signal));
    signal?.addEventListener("abort", onAbort, {
      once: true
    });
    const attemptRetry = async ({ count = 0 } = {}) => {
      if (signal?.aborted) {
        reject(getAbortError(signal));
        return;
      }
      const retry = async ({ error }) => {
        const delay = typeof delay_ === "function" ? delay_({
          count,
          error
        }) : delay_;
        if (delay) {
          try {
            await wait(delay, {
              signal
            });
          } catch (err) {
            reject(err);
            return;
          }
        }
        return attemptRetry({
          count: count + 1
        });
      };
      try {
        const data = await fn();
        resolve(data);
      } catch (err) {
        if (signal?.aborted) {
          reject(getAbortError(signal));
          return;
        }
        if (isAbortError(err)) {
          reject(err);
          return;
        }
        if (count < retryCount && await shouldRetry3({
          count,
          error: err
        })) return retry({
          error: err
        });
        reject(err);
      }
    };
    void attemptRetry().catch(reject).finally(() => signal?.removeEventListener("abort", onAbort));
  });
}
var init_withRetry = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withRetry.js"() {
    init_utils2();
    init_wait();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/buildRequest.js
function buildRequest(request, options = {}) {
  return async (args, overrideOptions = {}) => {
    const { dedupe = false, methods, retryDelay = 150, retryCount = 3, signal, uid: uid2 } = {
      ...options,
      ...overrideOptions
    };
    const { method } = args;
    if (methods?.exclude?.includes(method)) throw new MethodNotSupportedRpcError(new Error("method not supported"), {
      method
    });
    if (methods?.include && !methods.include.includes(method)) throw new MethodNotSupportedRpcError(new Error("method not supported"), {
      method
    });
    if (signal?.aborted) throw getAbortError(signal);
    const requestId = dedupe ? hashString(`${uid2}.${stringify(args)}`) : void 0;
    return withDedupe(() => withRetry(async () => {
      try {
        return await request(args, signal ? {
          signal
        } : void 0);
      } catch (err_) {
        if (signal?.aborted) throw getAbortError(signal);
        if (isAbortError(err_)) throw err_;
        const err = err_;
        switch (err.code) {
          // -32700
          case ParseRpcError.code:
            throw new ParseRpcError(err);
          // -32600
          case InvalidRequestRpcError.code:
            throw new InvalidRequestRpcError(err);
          // -32601
          case MethodNotFoundRpcError.code:
            throw new MethodNotFoundRpcError(err, {
              method: args.method
            });
          // -32602
          case InvalidParamsRpcError.code:
            throw new InvalidParamsRpcError(err);
          // -32603
          case InternalRpcError.code:
            throw new InternalRpcError(err);
          // -32000
          case InvalidInputRpcError.code:
            throw new InvalidInputRpcError(err);
          // -32001
          case ResourceNotFoundRpcError.code:
            throw new ResourceNotFoundRpcError(err);
          // -32002
          case ResourceUnavailableRpcError.code:
            throw new ResourceUnavailableRpcError(err);
          // -32003
          case TransactionRejectedRpcError.code:
            throw new TransactionRejectedRpcError(err);
          // -32004
          case MethodNotSupportedRpcError.code:
            throw new MethodNotSupportedRpcError(err, {
              method: args.method
            });
          // -32005
          case LimitExceededRpcError.code:
            throw new LimitExceededRpcError(err);
          // -32006
          case JsonRpcVersionUnsupportedError.code:
            throw new JsonRpcVersionUnsupportedError(err);
          // 4001
          case UserRejectedRequestError.code:
            throw new UserRejectedRequestError(err);
          // 4100
          case UnauthorizedProviderError.code:
            throw new UnauthorizedProviderError(err);
          // 4200
          case UnsupportedProviderMethodError.code:
            throw new UnsupportedProviderMethodError(err);
          // 4900
          case ProviderDisconnectedError.code:
            throw new ProviderDisconnectedError(err);
          // 4901
          case ChainDisconnectedError.code:
            throw new ChainDisconnectedError(err);
          // 4902
          case SwitchChainError.code:
            throw new SwitchChainError(err);
          // 5700
          case UnsupportedNonOptionalCapabilityError.code:
            throw new UnsupportedNonOptionalCapabilityError(err);
          // 5710
          case UnsupportedChainIdError.code:
            throw new UnsupportedChainIdError(err);
          // 5720
          case DuplicateIdError.code:
            throw new DuplicateIdError(err);
          // 5730
          case UnknownBundleIdError.code:
            throw new UnknownBundleIdError(err);
          // 5740
          case BundleTooLargeError.code:
            throw new BundleTooLargeError(err);
          // 5750
          case AtomicReadyWalletRejectedUpgradeError.code:
            throw new AtomicReadyWalletRejectedUpgradeError(err);
          // 5760
          case AtomicityNotSupportedError.code:
            throw new AtomicityNotSupportedError(err);
          // CAIP-25: User Rejected Error
          // https://docs.walletconnect.com/2.0/specs/clients/sign/error-codes#rejected-caip-25
          case 5e3:
            throw new UserRejectedRequestError(err);
          // WalletConnect: Session Settlement Failed
          // https://docs.walletconnect.com/2.0/specs/clients/sign/error-codes
          case WalletConnectSessionSettlementError.code:
            throw new WalletConnectSessionSettlementError(err);
          default:
            if (err_ instanceof BaseError) throw err_;
            throw new UnknownRpcError(err);
        }
      }
    }, {
      delay: ({ count, error }) => {
        const retryAfter = getHttpError(error)?.headers?.get("Retry-After");
        if (retryAfter) {
          const seconds = Number.parseInt(retryAfter, 10);
          if (!Number.isNaN(seconds)) return seconds * 1e3;
          const delay = Date.parse(retryAfter) - Date.now();
          if (delay > 0) return delay;
        }
        return ~~(1 << count) * retryDelay;
      },
      retryCount,
      signal,
      shouldRetry: ({ error }) => shouldRetry(error)
    }), {
      enabled: dedupe,
      id: requestId
    });
  };
}
function shouldRetry(error) {
  if (isAbortError(error)) return false;
  const status = getHttpError(error)?.status;
  if ("code" in error && typeof error.code === "number") {
    if (error.code === -1) return true;
    if (error.code === LimitExceededRpcError.code) return true;
    if (error.code === InternalRpcError.code) return true;
    if (error.code === 429) return true;
    if (error.code === -32007) return true;
    if (error.code === MethodNotFoundRpcError.code) return false;
    if (error.code === MethodNotSupportedRpcError.code) return false;
    if (!status) return false;
  }
  if (status) {
    if (status === 403) return true;
    if (status === 408) return true;
    if (status === 413) return true;
    if (status === 429) return true;
    if (status === 500) return true;
    if (status === 502) return true;
    if (status === 503) return true;
    if (status === 504) return true;
    return false;
  }
  return true;
}
function getHttpError(error) {
  if (!(error instanceof BaseError)) return void 0;
  return error.walk((err) => err instanceof HttpRequestError || err instanceof RpcRequestError);
}
function hashString(str, seed = 0) {
  let h1 = 3735928559 ^ seed;
  let h2 = 1103547991 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ h1 >>> 16, 2246822507);
  h1 ^= Math.imul(h2 ^ h2 >>> 16, 3266489909);
  h2 = Math.imul(h2 ^ h2 >>> 16, 2246822507);
  h2 ^= Math.imul(h1 ^ h1 >>> 16, 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
var init_buildRequest = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/buildRequest.js"() {
    init_base();
    init_request();
    init_rpc();
    init_utils2();
    init_withDedupe();
    init_withRetry();
    init_stringify();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withResolvers.js
function withResolvers() {
  let resolve = () => void 0;
  let reject = () => void 0;
  const promise = new Promise((resolve_, reject_) => {
    resolve = resolve_;
    reject = reject_;
  });
  return {
    promise,
    resolve,
    reject
  };
}
var init_withResolvers = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withResolvers.js"() {
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/createBatchScheduler.js
function createBatchScheduler({ fn, id, shouldSplitBatch, wait: wait2 = 0, sort }) {
  const exec = async () => {
    const scheduler = getScheduler();
    flush();
    const args = scheduler.map(({ args: args2 }) => args2);
    if (args.length === 0) return;
    new Promise((resolve) => resolve(fn(args))).then((data) => {
      if (sort && Array.isArray(data)) data.sort(sort);
      for (let i = 0; i < scheduler.length; i++) {
        const { resolve } = scheduler[i];
        resolve?.([
          data[i],
          data
        ]);
      }
    }).catch((err) => {
      for (let i = 0; i < scheduler.length; i++) {
        const { reject } = scheduler[i];
        reject?.(err);
      }
    });
  };
  const flush = () => {
    clearTimeout(timerCache.get(id));
    timerCache.delete(id);
    schedulerCache.delete(id);
  };
  const getBatchedArgs = () => getScheduler().map(({ args }) => args);
  const getScheduler = () => schedulerCache.get(id) || [];
  const setScheduler = (item) => schedulerCache.set(id, [
    ...getScheduler(),
    item
  ]);
  return {
    flush,
    async schedule(args) {
      const { promise, resolve, reject } = withResolvers();
      const split2 = shouldSplitBatch?.([
        ...getBatchedArgs(),
        args
      ]);
      if (split2) exec();
      const hasActiveScheduler = getScheduler().length > 0;
      if (hasActiveScheduler) {
        setScheduler({
          args,
          resolve,
          reject
        });
        return promise;
      }
      setScheduler({
        args,
        resolve,
        reject
      });
      timerCache.set(id, setTimeout(exec, wait2));
      return promise;
    }
  };
}
var schedulerCache, timerCache;
var init_createBatchScheduler = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/createBatchScheduler.js"() {
    init_withResolvers();
    schedulerCache = /* @__PURE__ */ new Map();
    timerCache = /* @__PURE__ */ new Map();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/internal/http.js
function anySignal(signals) {
  const signals_ = signals.filter((signal) => !!signal);
  if (signals_.length < 2) return {
    signal: signals_[0] ?? null,
    cleanup: () => {
    }
  };
  const controller = new AbortController();
  const onAbort = () => {
    cleanup();
    controller.abort(signals_.find((signal) => signal.aborted)?.reason);
  };
  const cleanup = () => {
    for (const signal of signals_) signal.removeEventListener("abort", onAbort);
  };
  for (const signal of signals_) {
    if (signal.aborted) {
      cleanup();
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener("abort", onAbort);
  }
  return {
    signal: controller.signal,
    cleanup
  };
}
async function readResponseBody(response, { maxResponseBodySize }) {
  if (maxResponseBodySize === false) return response.text();
  const contentLength = response.headers.get("Content-Length");
  if (contentLength) {
    const size4 = Number(contentLength);
    if (size4 > maxResponseBodySize) {
      await response.body?.cancel();
      throw new ResponseBodyTooLargeError({
        maxSize: maxResponseBodySize,
        size: size4
      });
    }
  }
  if (!response.body) {
    const body2 = await response.text();
    const size4 = new TextEncoder().encode(body2).length;
    if (size4 > maxResponseBodySize) throw new ResponseBodyTooLargeError({
      maxSize: maxResponseBodySize,
      size: size4
    });
    return body2;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let body = "";
  let size3 = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size3 += value.byteLength;
      if (size3 > maxResponseBodySize) {
        await reader.cancel();
        throw new ResponseBodyTooLargeError({
          maxSize: maxResponseBodySize,
          size: size3
        });
      }
      body += decoder.decode(value, {
        stream: true
      });
    }
    body += decoder.decode();
    return body;
  } finally {
    reader.releaseLock();
  }
}
var init_http = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/internal/http.js"() {
    init_request();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withTimeout.js
function withTimeout(fn, { errorInstance = new Error("timed out"), timeout, signal }) {
  return new Promise((resolve, reject) => {
    ;
    (async () => {
      let timeoutId;
      const controller = new AbortController();
      try {
        if (timeout > 0) {
          timeoutId = setTimeout(() => {
            if (signal) {
              controller.abort();
            } else {
              reject(errorInstance);
            }
          }, timeout);
        }
        resolve(await fn({
          signal: controller?.signal || null
        }));
      } catch (err) {
        if (controller?.signal.aborted && isAbortError(err)) {
          reject(errorInstance);
          return;
        }
        reject(err);
      } finally {
        clearTimeout(timeoutId);
      }
    })();
  });
}
var init_withTimeout = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/promise/withTimeout.js"() {
    init_utils2();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/rpc/id.js
function createIdStore() {
  return {
    current: 0,
    take() {
      return this.current++;
    },
    reset() {
      this.current = 0;
    }
  };
}
var idCache;
var init_id = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/rpc/id.js"() {
    idCache = /* @__PURE__ */ createIdStore();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/rpc/http.js
function getHttpRpcClient(url_, options = {}) {
  const { url, headers: headers_url } = parseUrl(url_);
  return {
    async request(params) {
      const { body, fetchFn = options.fetchFn ?? fetch, maxResponseBodySize = options.maxResponseBodySize ?? defaultMaxResponseBodySize, onRequest = options.onRequest, onResponse = options.onResponse, timeout = options.timeout ?? 1e4 } = params;
      const fetchOptions = {
        ...options.fetchOptions ?? {},
        ...params.fetchOptions ?? {}
      };
      const { headers, method, signal: signal_ } = fetchOptions;
      try {
        const { response, responseBody } = await withTimeout(async ({ signal: timeoutSignal }) => {
          const { signal, cleanup } = anySignal([
            signal_,
            timeout > 0 ? timeoutSignal : null
          ]);
          try {
            const headers_ = {};
            for (const init2 of [
              headers_url,
              {
                "Content-Type": "application/json"
              },
              headers
            ]) new Headers(init2).forEach((value, key) => {
              headers_[key] = value;
            });
            const init = {
              ...fetchOptions,
              body: Array.isArray(body) ? stringify(body.map((body2) => ({
                jsonrpc: "2.0",
                id: body2.id ?? idCache.take(),
                ...body2
              }))) : stringify({
                jsonrpc: "2.0",
                id: body.id ?? idCache.take(),
                ...body
              }),
              headers: headers_,
              method: method || "POST",
              signal
            };
            const args = (onRequest && await onRequest(new Request(url, init), init)) ?? {
              ...init,
              url
            };
            const response2 = await fetchFn(args.url ?? url, args);
            if (onResponse) await onResponse(response2);
            const responseBody2 = await readResponseBody(response2, {
              maxResponseBodySize
            });
            return {
              response: response2,
              responseBody: responseBody2
            };
          } finally {
            cleanup();
          }
        }, {
          errorInstance: timedOut,
          timeout,
          signal: true
        });
        let data;
        if (response.headers.get("Content-Type")?.startsWith("application/json")) data = JSON.parse(responseBody);
        else {
          data = responseBody;
          try {
            data = JSON.parse(data || "{}");
          } catch (err) {
            if (response.ok) throw err;
            data = {
              error: data
            };
          }
        }
        const error = Array.isArray(body) && Array.isArray(data) && data.length === 1 ? data[0] : data;
        if (!response.ok) {
          if (isRpcError(error)) throw new RpcRequestError({
            body,
            error: error.error,
            headers: response.headers,
            status: response.status,
            url
          });
          throw new HttpRequestError({
            body,
            details: stringify(data.error) || response.statusText,
            headers: response.headers,
            status: response.status,
            url
          });
        }
        if (!Array.isArray(body) || !body.length) return data;
        if (Array.isArray(data) && data.length >= body.length) return data;
        if (!isRpcError(error)) throw new Error(`Expected ${body.length} responses to batch request.`);
        return body.map(() => error);
      } catch (err) {
        if (signal_?.aborted) throw getAbortError(signal_);
        if (err === timedOut) throw new TimeoutError({
          body,
          url
        });
        if (isAbortError(err)) throw err;
        if (err instanceof HttpRequestError) throw err;
        if (err instanceof ResponseBodyTooLargeError) throw err;
        if (err instanceof RpcRequestError) throw err;
        if (err instanceof TimeoutError) throw err;
        throw new HttpRequestError({
          body,
          cause: err,
          url
        });
      }
    }
  };
}
function isRpcError(data) {
  return typeof data?.error?.code === "number" && typeof data?.error?.message === "string";
}
function parseUrl(url_) {
  try {
    const url = new URL(url_);
    const result = (() => {
      if (url.username) {
        const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
        url.username = "";
        url.password = "";
        return {
          url: url.toString(),
          headers: {
            Authorization: `Basic ${btoa(credentials)}`
          }
        };
      }
      return;
    })();
    return {
      url: url.toString(),
      ...result
    };
  } catch {
    return {
      url: url_
    };
  }
}
var defaultMaxResponseBodySize, timedOut;
var init_http2 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/rpc/http.js"() {
    init_request();
    init_utils2();
    init_http();
    init_withTimeout();
    init_stringify();
    init_id();
    defaultMaxResponseBodySize = 10485760;
    timedOut = /* @__PURE__ */ new Error("timed out");
  }
});

// ../../../node_modules/.deno/@scure+base@1.2.6/node_modules/@scure/base/lib/esm/index.js
function isBytes2(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function isArrayOf(isString, arr) {
  if (!Array.isArray(arr)) return false;
  if (arr.length === 0) return true;
  if (isString) {
    return arr.every((item) => typeof item === "string");
  } else {
    return arr.every((item) => Number.isSafeInteger(item));
  }
}
function afn(input) {
  if (typeof input !== "function") throw new Error("function expected");
  return true;
}
function astr(label, input) {
  if (typeof input !== "string") throw new Error(`${label}: string expected`);
  return true;
}
function anumber2(n) {
  if (!Number.isSafeInteger(n)) throw new Error(`invalid integer: ${n}`);
}
function aArr(input) {
  if (!Array.isArray(input)) throw new Error("array expected");
}
function astrArr(label, input) {
  if (!isArrayOf(true, input)) throw new Error(`${label}: array of strings expected`);
}
function anumArr(label, input) {
  if (!isArrayOf(false, input)) throw new Error(`${label}: array of numbers expected`);
}
// @__NO_SIDE_EFFECTS__
function chain(...args) {
  const id = (a) => a;
  const wrap = (a, b) => (c) => a(b(c));
  const encode = args.map((x) => x.encode).reduceRight(wrap, id);
  const decode = args.map((x) => x.decode).reduce(wrap, id);
  return {
    encode,
    decode
  };
}
// @__NO_SIDE_EFFECTS__
function alphabet(letters) {
  const lettersA = typeof letters === "string" ? letters.split("") : letters;
  const len = lettersA.length;
  astrArr("alphabet", lettersA);
  const indexes = new Map(lettersA.map((l, i) => [
    l,
    i
  ]));
  return {
    encode: (digits) => {
      aArr(digits);
      return digits.map((i) => {
        if (!Number.isSafeInteger(i) || i < 0 || i >= len) throw new Error(`alphabet.encode: digit index outside alphabet "${i}". Allowed: ${letters}`);
        return lettersA[i];
      });
    },
    decode: (input) => {
      aArr(input);
      return input.map((letter) => {
        astr("alphabet.decode", letter);
        const i = indexes.get(letter);
        if (i === void 0) throw new Error(`Unknown letter: "${letter}". Allowed: ${letters}`);
        return i;
      });
    }
  };
}
// @__NO_SIDE_EFFECTS__
function join(separator = "") {
  astr("join", separator);
  return {
    encode: (from) => {
      astrArr("join.decode", from);
      return from.join(separator);
    },
    decode: (to) => {
      astr("join.decode", to);
      return to.split(separator);
    }
  };
}
function convertRadix(data, from, to) {
  if (from < 2) throw new Error(`convertRadix: invalid from=${from}, base cannot be less than 2`);
  if (to < 2) throw new Error(`convertRadix: invalid to=${to}, base cannot be less than 2`);
  aArr(data);
  if (!data.length) return [];
  let pos = 0;
  const res = [];
  const digits = Array.from(data, (d) => {
    anumber2(d);
    if (d < 0 || d >= from) throw new Error(`invalid integer: ${d}`);
    return d;
  });
  const dlen = digits.length;
  while (true) {
    let carry = 0;
    let done = true;
    for (let i = pos; i < dlen; i++) {
      const digit = digits[i];
      const fromCarry = from * carry;
      const digitBase = fromCarry + digit;
      if (!Number.isSafeInteger(digitBase) || fromCarry / from !== carry || digitBase - digit !== fromCarry) {
        throw new Error("convertRadix: carry overflow");
      }
      const div = digitBase / to;
      carry = digitBase % to;
      const rounded = Math.floor(div);
      digits[i] = rounded;
      if (!Number.isSafeInteger(rounded) || rounded * to + carry !== digitBase) throw new Error("convertRadix: carry overflow");
      if (!done) continue;
      else if (!rounded) pos = i;
      else done = false;
    }
    res.push(carry);
    if (done) break;
  }
  for (let i = 0; i < data.length - 1 && data[i] === 0; i++) res.push(0);
  return res.reverse();
}
// @__NO_SIDE_EFFECTS__
function radix(num2) {
  anumber2(num2);
  const _256 = 2 ** 8;
  return {
    encode: (bytes) => {
      if (!isBytes2(bytes)) throw new Error("radix.encode input should be Uint8Array");
      return convertRadix(Array.from(bytes), _256, num2);
    },
    decode: (digits) => {
      anumArr("radix.decode", digits);
      return Uint8Array.from(convertRadix(digits, num2, _256));
    }
  };
}
function checksum(len, fn) {
  anumber2(len);
  afn(fn);
  return {
    encode(data) {
      if (!isBytes2(data)) throw new Error("checksum.encode: input should be Uint8Array");
      const sum = fn(data).slice(0, len);
      const res = new Uint8Array(data.length + len);
      res.set(data);
      res.set(sum, data.length);
      return res;
    },
    decode(data) {
      if (!isBytes2(data)) throw new Error("checksum.decode: input should be Uint8Array");
      const payload = data.slice(0, -len);
      const oldChecksum = data.slice(-len);
      const newChecksum = fn(payload).slice(0, len);
      for (let i = 0; i < len; i++) if (newChecksum[i] !== oldChecksum[i]) throw new Error("Invalid checksum");
      return payload;
    }
  };
}
var genBase58, base58, createBase58check, base58check;
var init_esm = __esm({
  "../../../node_modules/.deno/@scure+base@1.2.6/node_modules/@scure/base/lib/esm/index.js"() {
    genBase58 = /* @__NO_SIDE_EFFECTS__ */ (abc) => /* @__PURE__ */ chain(/* @__PURE__ */ radix(58), /* @__PURE__ */ alphabet(abc), /* @__PURE__ */ join(""));
    base58 = /* @__PURE__ */ genBase58("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz");
    createBase58check = (sha2564) => /* @__PURE__ */ chain(checksum(4, (data) => sha2564(sha2564(data))), base58);
    base58check = createBase58check;
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/index.js
var init_utils3 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/index.js"() {
    init_decodeAbiParameters();
    init_getAddress();
    init_isAddress();
    init_toBytes();
    init_sha2562();
  }
});

// chains/defaults.ts
var READ_DEFAULTS;
var init_defaults = __esm({
  "chains/defaults.ts"() {
    READ_DEFAULTS = {
      /** One HTTP request to a node. */
      requestTimeoutMs: 1e4,
      /** A whole EVM read, retries included, so that one chain stays inside the run's 25 s budget. */
      readTimeoutMs: 15e3,
      evm: {
        retryCount: 2,
        /** Base of viem's exponential backoff. */
        retryDelayMs: 150,
        /** A longer Retry-After fails the read instead of waiting. */
        maxRetryAfterMs: 5e3,
        /** Calls per aggregate3: about 2.5M gas. */
        chunkSize: 500
      },
      tron: {
        /** Retries of one request after 429/403/503 or a suspension message. */
        maxRetries: 3,
        /** Longest wait honoured inside a read; a longer suspension fails the chain fast. */
        maxWaitMs: 1e4,
        /** First backoff when a rate-limit answer names no wait; doubles per retry. */
        backoffMs: 500,
        /** Calls per aggregate3 request. */
        chunkSize: 200,
        /** Pacing per chain, node and key. */
        maxRps: 10,
        maxConcurrency: 4
      }
    };
  }
});

// chains/endpoints.ts
function resolveEndpoints(chain2, env = (name) => Deno.env.get(name)) {
  const urls = [
    chain2.rpcUrl,
    ...chain2.fallbackRpcUrls ?? []
  ].filter((url) => !!url);
  if (urls.length === 0) {
    return new ReadError("configuration", `chain ${chain2.name} has no rpc_url`);
  }
  if (!urls.every((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol))) {
    return new ReadError("configuration", `chain ${chain2.name}: rpc URL is not an http(s) URL`);
  }
  if (!chain2.apiKeyEnv) return {
    urls,
    apiKey: null
  };
  const apiKey = env(chain2.apiKeyEnv)?.trim();
  if (!apiKey) {
    return new ReadError("configuration", `chain ${chain2.name}: the API key secret ${chain2.apiKeyEnv} is not set`);
  }
  return {
    urls,
    apiKey
  };
}
var init_endpoints = __esm({
  "chains/endpoints.ts"() {
    init_errors();
  }
});

// chains/abi.ts
function encodeAggregate3(calls) {
  return `0x${SELECTOR.aggregate3}${encodeAggregate3Arguments(calls)}`;
}
function encodeAggregate3Arguments(calls) {
  const n = calls.length;
  const parts = new Array(2 + 6 * n);
  parts[0] = WORD_32;
  parts[1] = word(n);
  let offset = n * 32;
  let tail = 2 + n;
  for (let i = 0; i < n; i++) {
    const { target, callData } = calls[i];
    parts[2 + i] = word(offset);
    const bytes = callData.length / 2;
    const padded = Math.ceil(bytes / 32) * 64;
    parts[tail++] = target.length === 40 ? ADDRESS_PAD + target : target.padStart(64, "0");
    parts[tail++] = TRUE_WORD;
    parts[tail++] = WORD_96;
    parts[tail++] = word(bytes);
    parts[tail++] = callData.length === padded ? callData : callData.padEnd(padded, "0");
    offset += 128 + padded / 2;
  }
  return parts.join("");
}
function smallUint(data, pos, limit) {
  if (pos + 64 > data.length) throw new AbiDecodeError(`word at ${pos / 2} is out of bounds`);
  if (!data.startsWith(ZERO_PREFIX, pos)) {
    throw new AbiDecodeError(`word at ${pos / 2} is too large`);
  }
  const value = parseInt(data.slice(pos + 52, pos + 64), 16);
  if (value > limit) throw new AbiDecodeError(`word at ${pos / 2} exceeds ${limit}`);
  return value;
}
function decodeAggregate3(result, expected) {
  let data;
  if (LOWERCASE_HEX.test(result)) data = result.slice(2);
  else if (HEX.test(result)) data = result.slice(2).toLowerCase();
  else throw new AbiDecodeError("not hex data");
  const size3 = data.length / 2;
  if (data.length % 64 !== 0 || size3 < 64) {
    throw new AbiDecodeError(`${size3} bytes is not an ABI-encoded array`);
  }
  const arrayAt = smallUint(data, 0, size3 - 32) * 2;
  const n = smallUint(data, arrayAt, size3);
  if (n !== expected) throw new AbiDecodeError(`${n} results for ${expected} calls`);
  const base = arrayAt + 64;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const tupleAt = base + smallUint(data, base + i * 64, size3) * 2;
    const flag2 = smallUint(data, tupleAt, 1);
    const bytesAt = tupleAt + smallUint(data, tupleAt + 64, size3) * 2;
    const length = smallUint(data, bytesAt, size3) * 2;
    const start = bytesAt + 64;
    if (start + length > data.length) throw new AbiDecodeError(`result ${i} is out of bounds`);
    out[i] = {
      success: flag2 === 1,
      returnData: data.slice(start, start + length)
    };
  }
  return out;
}
function decodeUint256(returnData) {
  const hex = returnData.startsWith("0x") ? returnData.slice(2) : returnData;
  if (hex.length !== 64 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  return BigInt(`0x${hex}`);
}
function revertReason(returnData) {
  const hex = (returnData ?? "").replace(/^0x/, "").toLowerCase();
  if (hex.length === 0) return "no reason given";
  const selector = hex.slice(0, 8);
  try {
    if (selector === SELECTOR.error) {
      const [reason] = decodeAbiParameters([
        {
          type: "string"
        }
      ], `0x${hex.slice(8)}`);
      return reason.length > 200 ? `${reason.slice(0, 200)}\u2026` : reason;
    }
    if (selector === SELECTOR.panic) {
      const [code] = decodeAbiParameters([
        {
          type: "uint256"
        }
      ], `0x${hex.slice(8)}`);
      return `panic 0x${code.toString(16)}`;
    }
  } catch {
  }
  return `custom error 0x${selector}`;
}
var SELECTOR, AbiDecodeError, ZERO_WORD, word, TRUE_WORD, WORD_32, WORD_96, ADDRESS_PAD, ZERO_PREFIX, addressHex, addressCall, LOWERCASE_HEX, HEX;
var init_abi2 = __esm({
  "chains/abi.ts"() {
    init_utils3();
    SELECTOR = {
      /** aggregate3((address,bool,bytes)[]) */
      aggregate3: "82ad56cb",
      /** balanceOf(address) */
      balanceOf: "70a08231",
      /** getEthBalance(address) on Multicall3 */
      getEthBalance: "4d2301cc",
      /** Error(string) */
      error: "08c379a0",
      /** Panic(uint256) */
      panic: "4e487b71"
    };
    AbiDecodeError = class extends Error {
      name = "AbiDecodeError";
    };
    ZERO_WORD = "0".repeat(64);
    word = (value) => {
      const hex = value.toString(16);
      return ZERO_WORD.slice(hex.length) + hex;
    };
    TRUE_WORD = word(1);
    WORD_32 = word(32);
    WORD_96 = word(96);
    ADDRESS_PAD = ZERO_WORD.slice(40);
    ZERO_PREFIX = ZERO_WORD.slice(0, 52);
    addressHex = (address) => address.slice(2).toLowerCase();
    addressCall = (selector, addressHex40) => selector + (addressHex40.length === 40 ? ADDRESS_PAD + addressHex40 : addressHex40.padStart(64, "0"));
    LOWERCASE_HEX = /^0x[0-9a-f]*$/;
    HEX = /^0x[0-9a-fA-F]*$/;
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/uid.js
function uid(length = 11) {
  if (!buffer || index + length > size2 * 2) {
    buffer = "";
    index = 0;
    for (let i = 0; i < size2; i++) {
      buffer += (256 + Math.random() * 256 | 0).toString(16).substring(1);
    }
  }
  return buffer.substring(index, index++ + length);
}
var size2, index, buffer;
var init_uid = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/utils/uid.js"() {
    size2 = 256;
    index = size2;
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/createTransport.js
function createTransport({ key, methods, name, request, retryCount = 3, retryDelay = 150, timeout, type }, value) {
  const uid2 = uid();
  return {
    config: {
      key,
      methods,
      name,
      request,
      retryCount,
      retryDelay,
      timeout,
      type
    },
    request: buildRequest(request, {
      methods,
      retryCount,
      retryDelay,
      uid: uid2
    }),
    value
  };
}
var init_createTransport = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/createTransport.js"() {
    init_buildRequest();
    init_uid();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/fallback.js
function fallback(transports_, config = {}) {
  const { key = "fallback", name = "Fallback", rank = false, shouldThrow: shouldThrow_ = shouldThrow, retryCount, retryDelay } = config;
  return ({ chain: chain2, pollingInterval = 4e3, timeout, ...rest }) => {
    let transports = transports_;
    let onResponse = () => {
    };
    const transport = createTransport({
      key,
      name,
      async request({ method, params }, options) {
        let includes;
        const fetch2 = async (i = 0) => {
          const transport2 = transports[i]({
            ...rest,
            chain: chain2,
            retryCount: 0,
            timeout
          });
          try {
            const response = await transport2.request({
              method,
              params
            }, options);
            onResponse({
              method,
              params,
              response,
              transport: transport2,
              status: "success"
            });
            return response;
          } catch (err) {
            onResponse({
              error: err,
              method,
              params,
              transport: transport2,
              status: "error"
            });
            if (shouldThrow_(err)) throw err;
            if (method === "eth_sendRawTransactionSync" && err instanceof BaseError && err.walk((e) => e?.code === 4)) throw err;
            if (i === transports.length - 1) throw err;
            includes ??= transports.slice(i + 1).some((transport3) => {
              const { include, exclude } = transport3({
                chain: chain2
              }).config.methods || {};
              if (include) return include.includes(method);
              if (exclude) return !exclude.includes(method);
              return true;
            });
            if (!includes) throw err;
            return fetch2(i + 1);
          }
        };
        return fetch2();
      },
      retryCount,
      retryDelay,
      type: "fallback"
    }, {
      onResponse: (fn) => onResponse = fn,
      transports: transports.map((fn) => fn({
        chain: chain2,
        retryCount: 0
      }))
    });
    if (rank) {
      const rankOptions = typeof rank === "object" ? rank : {};
      rankTransports({
        chain: chain2,
        interval: rankOptions.interval ?? pollingInterval,
        onTransports: (transports_2) => transports = transports_2,
        ping: rankOptions.ping,
        sampleCount: rankOptions.sampleCount,
        timeout: rankOptions.timeout,
        transports,
        weights: rankOptions.weights
      });
    }
    return transport;
  };
}
function shouldThrow(error) {
  if ("code" in error && typeof error.code === "number") {
    if (error.code === TransactionRejectedRpcError.code || error.code === UserRejectedRequestError.code || error.code === WalletConnectSessionSettlementError.code || ExecutionRevertedError.nodeMessage.test(error.message) || error.code === 5e3) return true;
  }
  return false;
}
function rankTransports({ chain: chain2, interval = 4e3, onTransports, ping, sampleCount = 10, timeout = 1e3, transports, weights = {} }) {
  const { stability: stabilityWeight = 0.7, latency: latencyWeight = 0.3 } = weights;
  const samples = [];
  const rankTransports_ = async () => {
    const sample = await Promise.all(transports.map(async (transport) => {
      const transport_ = transport({
        chain: chain2,
        retryCount: 0,
        timeout
      });
      const start = Date.now();
      let end;
      let success;
      try {
        await (ping ? ping({
          transport: transport_
        }) : transport_.request({
          method: "net_listening"
        }));
        success = 1;
      } catch {
        success = 0;
      } finally {
        end = Date.now();
      }
      const latency = end - start;
      return {
        latency,
        success
      };
    }));
    samples.push(sample);
    if (samples.length > sampleCount) samples.shift();
    const maxLatency = Math.max(...samples.map((sample2) => Math.max(...sample2.map(({ latency }) => latency))));
    const scores = transports.map((_, i) => {
      const latencies = samples.map((sample2) => sample2[i].latency);
      const meanLatency = latencies.reduce((acc, latency) => acc + latency, 0) / latencies.length;
      const latencyScore = 1 - meanLatency / maxLatency;
      const successes = samples.map((sample2) => sample2[i].success);
      const stabilityScore = successes.reduce((acc, success) => acc + success, 0) / successes.length;
      if (stabilityScore === 0) return [
        0,
        i
      ];
      return [
        latencyWeight * latencyScore + stabilityWeight * stabilityScore,
        i
      ];
    }).sort((a, b) => b[0] - a[0]);
    onTransports(scores.map(([, i]) => transports[i]));
    await wait(interval);
    rankTransports_();
  };
  rankTransports_();
}
var init_fallback = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/fallback.js"() {
    init_base();
    init_node();
    init_rpc();
    init_wait();
    init_createTransport();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/transport.js
var UrlRequiredError;
var init_transport = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/errors/transport.js"() {
    init_base();
    UrlRequiredError = class extends BaseError {
      constructor() {
        super("No URL was provided to the Transport. Please provide a valid RPC URL to the Transport.", {
          docsPath: "/docs/clients/intro",
          name: "UrlRequiredError"
        });
      }
    };
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/http.js
function getSignalId(signal) {
  if (!signal) return "default";
  const id = signalIds.get(signal);
  if (id !== void 0) return id;
  const nextId = signalId++;
  signalIds.set(signal, nextId);
  return nextId;
}
function http(url, config = {}) {
  const { batch, fetchFn, fetchOptions, key = "http", maxResponseBodySize, methods, name = "HTTP JSON-RPC", onFetchRequest, onFetchResponse, retryDelay, raw } = config;
  const batchId = uid();
  return ({ chain: chain2, retryCount: retryCount_, timeout: timeout_ }) => {
    const { batchSize = 1e3, wait: wait2 = 0 } = typeof batch === "object" ? batch : {};
    const retryCount = config.retryCount ?? retryCount_;
    const timeout = timeout_ ?? config.timeout ?? 1e4;
    const url_ = url || chain2?.rpcUrls.default.http[0];
    if (!url_) throw new UrlRequiredError();
    const rpcClient = getHttpRpcClient(url_, {
      fetchFn,
      fetchOptions,
      maxResponseBodySize,
      onRequest: onFetchRequest,
      onResponse: onFetchResponse,
      timeout
    });
    return createTransport({
      key,
      methods,
      name,
      async request({ method, params }, options) {
        const body = {
          method,
          params
        };
        const fetchOptions2 = options?.signal ? {
          signal: options.signal
        } : void 0;
        const { schedule } = createBatchScheduler({
          id: `${batchId}.${url_}.${getSignalId(options?.signal)}`,
          wait: wait2,
          shouldSplitBatch(requests) {
            return requests.length > batchSize;
          },
          fn: (body2) => rpcClient.request({
            body: body2,
            fetchOptions: fetchOptions2
          }),
          sort: (a, b) => a.id - b.id
        });
        const fn = async (body2) => batch ? schedule(body2) : [
          await rpcClient.request({
            body: body2,
            fetchOptions: fetchOptions2
          })
        ];
        const [{ error, result }] = await fn(body).catch((err) => {
          if (raw && err instanceof RpcRequestError) return [
            {
              error: err.cause,
              result: void 0
            }
          ];
          throw err;
        });
        if (raw) return {
          error,
          result
        };
        if (error) throw new RpcRequestError({
          body,
          error,
          url: url_
        });
        return result;
      },
      retryCount,
      retryDelay,
      timeout,
      type: "http"
    }, {
      fetchOptions,
      url: url_
    });
  };
}
var signalId, signalIds;
var init_http3 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/clients/transports/http.js"() {
    init_request();
    init_transport();
    init_createBatchScheduler();
    init_http2();
    init_uid();
    init_createTransport();
    signalId = 0;
    signalIds = /* @__PURE__ */ new WeakMap();
  }
});

// ../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/index.js
var init_esm2 = __esm({
  "../../../node_modules/.deno/viem@2.57.20/node_modules/viem/_esm/index.js"() {
    init_fallback();
    init_http3();
    init_base();
    init_request();
  }
});

// chains/evm/errors.ts
function findInChain(error, match) {
  let current = error;
  for (let depth = 0; current && depth < 10; depth++) {
    if (match(current)) return current;
    current = current.cause;
  }
  return void 0;
}
function isExecutionError(error) {
  const rpc = findInChain(error, isRpcRequestError);
  if (!rpc || rpc.status !== void 0 && rpc.status >= 300) return false;
  if (rpc.code === 3) return true;
  return EXECUTION_MESSAGE.test(rpc.details ?? "") && !/header not found/i.test(rpc.details);
}
function sizeRefusal(error) {
  const rpc = findInChain(error, isRpcRequestError);
  if (rpc) {
    const details = rpc.details ?? "";
    const reason = clip(`RPC error ${rpc.code}: ${details}`, 120);
    if (RESPONSE_REFUSAL.test(details) || rpc.code === -32003 && /large|size/i.test(details)) {
      return {
        kind: "response",
        reason
      };
    }
    if (BATCH_REFUSAL.test(details) || rpc.code === -32600 && /batch|large/i.test(details)) {
      return {
        kind: "batch",
        reason
      };
    }
    return null;
  }
  const http2 = findInChain(error, isHttpRequestError);
  if (http2?.status === 413) return {
    kind: "batch",
    reason: "HTTP 413"
  };
  return null;
}
function isGasRefusal(error) {
  const rpc = findInChain(error, isRpcRequestError);
  if (!rpc || rpc.status !== void 0 && rpc.status >= 300) return false;
  return /out of gas|outofgas|intrinsic gas|gas required exceeds|exceeds (the )?(block )?gas limit|CallGasCostMoreThanGasLimit/i.test(rpc.details ?? "");
}
function executionRevertData(error) {
  const rpc = findInChain(error, isRpcRequestError);
  const data = rpc?.data;
  if (typeof data === "string") return data;
  if (data && typeof data.data === "string") {
    return data.data;
  }
  return void 0;
}
function executionFailure(error) {
  const rpc = findInChain(error, isRpcRequestError);
  const data = executionRevertData(error);
  const reason = data && data !== "0x" ? revertReason(data) : clip(rpc?.details) || "failed";
  return {
    message: reason,
    rpcCode: rpc?.code
  };
}
function classifyRpcFailure(error, redact, timeoutMs) {
  const tooLong = findInChain(error, (e) => e instanceof RetryAfterTooLongError);
  if (tooLong) {
    return new ReadError("transient", tooLong.message, {
      status: tooLong.status,
      url: tooLong.url,
      retryAfterSeconds: tooLong.retryAfterSeconds
    }, {
      cause: error
    });
  }
  const readTimeout = findInChain(error, (e) => e instanceof ReadTimeoutError);
  if (readTimeout) {
    return new ReadError("transient", readTimeout.message, {
      url: readTimeout.url
    }, {
      cause: error
    });
  }
  const timeout = findInChain(error, isTimeoutError);
  if (timeout) {
    const url = redact(timeout.url);
    return new ReadError("transient", `no answer within ${timeoutMs} ms from ${url}`, {
      url
    }, {
      cause: error
    });
  }
  const rpc = findInChain(error, isRpcRequestError);
  if (rpc) {
    const url = redact(rpc.url);
    const retryAfterSeconds = parseRetryAfter(rpc.headers?.get("retry-after"));
    const data = {
      url,
      rpcCode: rpc.code,
      status: rpc.status,
      retryAfterSeconds
    };
    const what = `${rpc.status ? `HTTP ${rpc.status}, ` : ""}RPC error ${rpc.code} from ${url}: ${clip(rpc.details)}`;
    if (rpc.status !== void 0 && rpc.status >= 300) {
      return new ReadError(statusClass(rpc.status), what, data, {
        cause: error
      });
    }
    if (rpc.code === -32601 || rpc.code === -32004) {
      return new ReadError("configuration", what, data, {
        cause: error
      });
    }
    if (isExecutionError(error)) return new ReadError("permanent", what, data, {
      cause: error
    });
    return new ReadError("transient", what, data, {
      cause: error
    });
  }
  const http2 = findInChain(error, isHttpRequestError);
  if (http2) {
    const url = redact(http2.url);
    if (http2.status !== void 0) {
      const retryAfterSeconds = parseRetryAfter(http2.headers?.get("retry-after"));
      const suffix = retryAfterSeconds !== void 0 ? ` (retry after ${retryAfterSeconds} s)` : "";
      return new ReadError(statusClass(http2.status), `HTTP ${http2.status} from ${url}${suffix}`, {
        status: http2.status,
        url,
        retryAfterSeconds
      }, {
        cause: error
      });
    }
    const cause = networkCause(http2.cause);
    return new ReadError("transient", `network error reaching ${url}: ${clip(cause)}`, {
      url
    }, {
      cause: error
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new ReadError("transient", "read aborted", {}, {
      cause: error
    });
  }
  const message = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return new ReadError("transient", `unexpected failure: ${clip(message)}`, {}, {
    cause: error
  });
}
function statusClass(status) {
  return isTransientStatus(status) ? "transient" : "configuration";
}
var RetryAfterTooLongError, ReadTimeoutError, EXECUTION_MESSAGE, isRpcRequestError, isHttpRequestError, isTimeoutError, clip, BATCH_REFUSAL, RESPONSE_REFUSAL;
var init_errors2 = __esm({
  "chains/evm/errors.ts"() {
    init_esm2();
    init_errors();
    init_abi2();
    RetryAfterTooLongError = class extends Error {
      status;
      retryAfterSeconds;
      url;
      name;
      constructor(status, retryAfterSeconds, url) {
        super(`HTTP ${status} from ${url}: asked to retry after ${retryAfterSeconds} s`), this.status = status, this.retryAfterSeconds = retryAfterSeconds, this.url = url, this.name = "RetryAfterTooLongError";
      }
    };
    ReadTimeoutError = class extends Error {
      url;
      timeoutMs;
      name;
      constructor(url, timeoutMs) {
        super(`no answer within ${timeoutMs} ms from ${url}`), this.url = url, this.timeoutMs = timeoutMs, this.name = "ReadTimeoutError";
      }
    };
    EXECUTION_MESSAGE = /revert|out of gas|outofgas|gas required exceeds|invalid opcode|invalid jump|stack (over|under)flow|execution/i;
    isRpcRequestError = (e) => e instanceof RpcRequestError;
    isHttpRequestError = (e) => e instanceof HttpRequestError;
    isTimeoutError = (e) => e instanceof TimeoutError;
    clip = (text2, max = 200) => !text2 ? "" : text2.length > max ? `${text2.slice(0, max)}\u2026` : text2;
    BATCH_REFUSAL = /batch (size )?(is )?(too large|too big|limit|exceed)|too many (requests|calls|items) in (a |the )?batch|request (entity )?too large|HTTP 413/i;
    RESPONSE_REFUSAL = /response (size )?(is )?(too large|too big|exceed|limit)|response size/i;
  }
});

// chains/read_limits.ts
function shrink(size3, failedAt) {
  return size3 < failedAt ? size3 : Math.max(1, Math.floor(failedAt / 2));
}
function afterRead(limit, seen, max) {
  if (!seen) return limit;
  if (seen.failedAt !== null) {
    const failedAt = seen.failedAt;
    const below = (n) => n < failedAt ? n : 0;
    const good2 = Math.max(below(seen.passed), below(limit.good));
    const size3 = limit.size < failedAt ? limit.size : Math.max(1, Math.floor(failedAt / 2), good2);
    return {
      size: Math.min(size3, max),
      ceiling: Math.min(limit.ceiling ?? failedAt, failedAt),
      good: good2,
      clean: 0,
      sinceFailure: 0,
      reason: seen.reason ?? limit.reason
    };
  }
  let ceiling = limit.ceiling;
  const good = Math.max(limit.good, ceiling === null || seen.passed < ceiling ? Math.min(seen.passed, limit.size) : 0);
  if (!seen.cut || limit.size >= max) return {
    ...limit,
    good
  };
  const sinceFailure = limit.sinceFailure + 1;
  if (ceiling !== null && sinceFailure >= AIMD.forgetCeilingAfter) ceiling = null;
  const clean2 = limit.clean + 1;
  const reason = limit.reason;
  if (clean2 < AIMD.growAfter) {
    return {
      size: limit.size,
      ceiling,
      good,
      clean: clean2,
      sinceFailure,
      reason
    };
  }
  const step = Math.max(1, Math.ceil(max / AIMD.stepDivisor));
  let target = Math.min(max, limit.size + step);
  if (ceiling !== null && target >= ceiling) {
    target = Math.floor((limit.size + ceiling) / 2);
    if (target - limit.size < Math.ceil(limit.size / AIMD.minGainDivisor)) target = limit.size;
  }
  return {
    size: Math.max(limit.size, target),
    ceiling,
    good,
    clean: 0,
    sinceFailure,
    reason
  };
}
function afterReadAll(limits, seen, maxima) {
  if (!seen) return limits;
  const next = {
    multicall: afterRead(limits.multicall, seen.multicall, maxima.multicall),
    batch: afterRead(limits.batch, seen.batch, maxima.batch),
    response: afterRead(limits.response, seen.response, maxima.response)
  };
  const lowered = seen.multicall?.failedAt != null || seen.batch?.failedAt != null;
  const answered = seen.response;
  if (lowered && answered && answered.failedAt === null && answered.passed > 0) {
    const bound = Math.max(answered.passed, next.response.good);
    if (bound < next.response.size) next.response = {
      ...next.response,
      size: bound,
      clean: 0
    };
  }
  return next;
}
function mergeObservations(a, b) {
  if (!a) return b;
  if (!b) return a;
  const out = {};
  for (const name of LIMIT_NAMES) {
    const x = a[name];
    const y = b[name];
    if (!x || !y) {
      const one = x ?? y;
      if (one) out[name] = one;
      continue;
    }
    const failures = [
      x,
      y
    ].filter((o) => o.failedAt !== null);
    out[name] = {
      failedAt: failures.length === 0 ? null : Math.min(...failures.map((o) => o.failedAt)),
      passed: Math.max(x.passed, y.passed),
      cut: x.cut || y.cut,
      ...y.reason ?? x.reason ? {
        reason: y.reason ?? x.reason
      } : {}
    };
  }
  return out;
}
function parseLimits(stored, maxima) {
  const limits = fresh(maxima);
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return limits;
  for (const name of LIMIT_NAMES) {
    const raw = stored[name];
    if (!raw || typeof raw !== "object") continue;
    const r = raw;
    const size3 = whole(r.size, 1);
    if (size3 === null) continue;
    limits[name] = {
      size: Math.min(size3, maxima[name]),
      ceiling: whole(r.ceiling, 1),
      good: whole(r.good, 0) ?? 0,
      clean: whole(r.clean, 0) ?? 0,
      sinceFailure: whole(r.since_failure, 0) ?? 0,
      reason: typeof r.reason === "string" ? r.reason.slice(0, 200) : null
    };
  }
  return limits;
}
function serializeLimits(limits) {
  const one = (l) => ({
    size: l.size,
    ceiling: l.ceiling,
    good: l.good,
    clean: l.clean,
    since_failure: l.sinceFailure,
    reason: l.reason
  });
  return {
    multicall: one(limits.multicall),
    batch: one(limits.batch),
    response: one(limits.response)
  };
}
var LIMIT_NAMES, AIMD, EVM_MAXIMA, TRON_MAXIMA, fresh, whole, sizesOf;
var init_read_limits = __esm({
  "chains/read_limits.ts"() {
    LIMIT_NAMES = [
      "multicall",
      "batch",
      "response"
    ];
    AIMD = {
      /** Clean reads that the size cut before it grows by one step. */
      growAfter: 3,
      /** The step is this fraction of the maximum. */
      stepDivisor: 10,
      /** Clean reads after which a refused size is tried again. */
      forgetCeilingAfter: 30,
      /** Below a known ceiling, a step smaller than this fraction of the size is not worth a probe. */
      minGainDivisor: 10
    };
    EVM_MAXIMA = {
      multicall: 500,
      batch: 1e3,
      response: 25e6
    };
    TRON_MAXIMA = {
      multicall: 200,
      batch: 1,
      response: 25e6
    };
    fresh = (maxima) => ({
      multicall: {
        size: maxima.multicall,
        ceiling: null,
        good: 0,
        clean: 0,
        sinceFailure: 0,
        reason: null
      },
      batch: {
        size: maxima.batch,
        ceiling: null,
        good: 0,
        clean: 0,
        sinceFailure: 0,
        reason: null
      },
      response: {
        size: maxima.response,
        ceiling: null,
        good: 0,
        clean: 0,
        sinceFailure: 0,
        reason: null
      }
    });
    whole = (value, min) => typeof value === "number" && Number.isInteger(value) && value >= min ? value : null;
    sizesOf = (limits) => ({
      multicall: limits.multicall.size,
      batch: limits.batch.size,
      response: limits.response.size
    });
  }
});

// chains/evm/sized_groups.ts
function planGroups(bytes, maxCalls, maxBytes, firstMaxCalls = maxCalls) {
  const groups = [];
  let cutByCount = false;
  let cutByBytes = false;
  let current = [];
  let size3 = 0;
  bytes.forEach((b, i) => {
    const limit = groups.length === 0 ? firstMaxCalls : maxCalls;
    if (current.length > 0 && current.length >= limit) {
      cutByCount = true;
      groups.push(current);
      current = [];
      size3 = 0;
    } else if (current.length > 0 && size3 + b > maxBytes) {
      cutByBytes = true;
      groups.push(current);
      current = [];
      size3 = 0;
    }
    current.push(i);
    size3 += b;
  });
  if (current.length > 0) groups.push(current);
  return {
    groups,
    cutByCount,
    cutByBytes
  };
}
var aggregateAnswerBytes, SINGLE_ANSWER_BYTES;
var init_sized_groups = __esm({
  "chains/evm/sized_groups.ts"() {
    aggregateAnswerBytes = (calls) => 2 * (64 + 160 * calls) + 64;
    SINGLE_ANSWER_BYTES = 140;
  }
});

// chains/evm/transport.ts
function createEvmRpc(urls, apiKey, settings, signal) {
  const endpoints = urls.map((template) => {
    const hasPlaceholder = template.includes(API_KEY_PLACEHOLDER);
    const url = apiKey !== null && hasPlaceholder ? template.replaceAll(API_KEY_PLACEHOLDER, encodeURIComponent(apiKey)) : template;
    const headers = apiKey !== null && !hasPlaceholder ? {
      "x-api-key": apiKey
    } : {};
    return {
      url,
      headers,
      redacted: redactUrl(template)
    };
  });
  const redactedBy = new Map(endpoints.map((e) => [
    normalize(e.url),
    e.redacted
  ]));
  const lastUrl = normalize(endpoints[endpoints.length - 1].url);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onOuterAbort, {
    once: true
  });
  if (signal?.aborted) onOuterAbort();
  const secrets = endpoints.flatMap((e) => [
    [
      e.url,
      e.redacted
    ],
    [
      normalize(e.url),
      e.redacted
    ],
    [
      withoutUserinfo(e.url),
      e.redacted
    ]
  ]).concat(apiKey ? [
    [
      apiKey,
      "***"
    ],
    [
      encodeURIComponent(apiKey),
      "***"
    ]
  ] : []).sort((a, b) => b[0].length - a[0].length);
  const scrub = (text2) => secrets.reduce((out, [secret, shown]) => out.replaceAll(secret, shown), text2);
  const readTimeoutMs = settings.readTimeoutMs ?? READ_DEFAULTS.readTimeoutMs;
  const readTimer = setTimeout(() => controller.abort(new ReadTimeoutError(endpoints[0].redacted, readTimeoutMs)), readTimeoutMs);
  let requests = 0;
  const baseFetch = settings.fetchFn ?? fetch;
  const fetchFn = async (input, init) => {
    requests++;
    let response;
    try {
      response = await baseFetch(input, init);
    } catch (error) {
      if (error instanceof Error && scrub(error.message) !== error.message) {
        const clean2 = new TypeError(scrub(error.message));
        clean2.name = error.name;
        throw clean2;
      }
      throw error;
    }
    if (response.status === 413) {
      await response.body?.cancel();
      return Response.json({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: -32600,
          message: "HTTP 413: request too large"
        }
      });
    }
    if (!response.ok) {
      const seconds = parseRetryAfter(response.headers.get("retry-after"));
      const url = normalize(input instanceof Request ? input.url : String(input));
      if (seconds !== void 0 && seconds * 1e3 > settings.maxRetryAfterMs && url === lastUrl) {
        controller.abort(new RetryAfterTooLongError(response.status, seconds, redactedBy.get(url) ?? "node"));
      }
    }
    return response;
  };
  const single = endpoints.length === 1;
  const transports = endpoints.map((e) => http(e.url, {
    batch: {
      batchSize: UNLIMITED_BATCH
    },
    fetchFn,
    fetchOptions: {
      headers: e.headers
    },
    timeout: settings.timeoutMs,
    // Behind `fallback` the retries belong to it: an endpoint that retried on its own would
    // sit out a Retry-After instead of handing over to the next URL.
    ...single ? {
      retryCount: settings.retryCount,
      retryDelay: settings.retryDelayMs
    } : {}
  }));
  const transport = single ? transports[0] : fallback(transports, {
    retryCount: settings.retryCount,
    retryDelay: settings.retryDelayMs
  });
  const { request } = transport({
    chain: void 0,
    retryCount: settings.retryCount,
    timeout: settings.timeoutMs
  });
  return {
    request: (method, params) => request({
      method,
      params
    }, {
      signal: controller.signal
    }),
    group: () => {
      const signal2 = AbortSignal.any([
        controller.signal
      ]);
      return (method, params) => request({
        method,
        params
      }, {
        signal: signal2
      });
    },
    get requests() {
      return requests;
    },
    redact: (url) => (url ? redactedBy.get(normalize(url)) : void 0) ?? endpoints[0].redacted,
    primaryUrl: endpoints[0].redacted,
    close: () => {
      clearTimeout(readTimer);
      signal?.removeEventListener("abort", onOuterAbort);
    }
  };
}
var API_KEY_PLACEHOLDER, UNLIMITED_BATCH, normalize, withoutUserinfo;
var init_transport2 = __esm({
  "chains/evm/transport.ts"() {
    init_esm2();
    init_defaults();
    init_errors();
    init_errors2();
    API_KEY_PLACEHOLDER = "{apiKey}";
    UNLIMITED_BATCH = 1e6;
    normalize = (url) => {
      try {
        return new URL(url).toString();
      } catch {
        return url;
      }
    };
    withoutUserinfo = (url) => {
      try {
        const parsed = new URL(url);
        parsed.username = "";
        parsed.password = "";
        return parsed.toString();
      } catch {
        return url;
      }
    };
  }
});

// chains/evm/reader.ts
var reader_exports = {};
__export(reader_exports, {
  CANONICAL_MULTICALL3: () => CANONICAL_MULTICALL3,
  checkEvmAddress: () => checkEvmAddress,
  createEvmReader: () => createEvmReader,
  readEvm: () => readEvm
});
function checkEvmAddress(value) {
  if (typeof value !== "string") return {
    ok: false,
    reason: "not a string"
  };
  let check = addressChecks.get(value);
  if (check === void 0) {
    check = checkUncached(value);
    if (addressChecks.size >= ADDRESS_CACHE_LIMIT) addressChecks.clear();
    addressChecks.set(value, check);
  }
  return check;
}
function checkUncached(value) {
  if (isAddress(value, {
    strict: true
  })) return {
    ok: true,
    hex: addressHex(value)
  };
  if (isAddress(value, {
    strict: false
  })) {
    return {
      ok: false,
      reason: `bad checksum (expected ${getAddress(value)})`
    };
  }
  return {
    ok: false,
    reason: "not a 0x-prefixed 20-byte hex address"
  };
}
function probeSize(size3, seen) {
  if (seen.failedAt === null) return null;
  const low = Math.max(size3, seen.passed < seen.failedAt ? seen.passed : 0);
  const probe = Math.floor((low + seen.failedAt) / 2);
  return probe - low > Math.max(1, Math.floor(low / 10)) ? probe : null;
}
function createEvmReader(settings = {}) {
  const transportSettings = {
    timeoutMs: settings.timeoutMs ?? READ_DEFAULTS.requestTimeoutMs,
    retryCount: settings.retryCount ?? READ_DEFAULTS.evm.retryCount,
    retryDelayMs: settings.retryDelayMs ?? READ_DEFAULTS.evm.retryDelayMs,
    maxRetryAfterMs: settings.maxRetryAfterMs ?? READ_DEFAULTS.evm.maxRetryAfterMs,
    fetchFn: settings.fetchFn,
    readTimeoutMs: settings.readTimeoutMs ?? READ_DEFAULTS.readTimeoutMs
  };
  return (chain2, queries, options = {}) => new EvmRead(chain2, queries, options, transportSettings, settings.chunkSize).run();
}
var CANONICAL_MULTICALL3, ADDRESS_CACHE_LIMIT, addressChecks, configError, clip2, hexBlock, readEvm, EvmRead;
var init_reader = __esm({
  "chains/evm/reader.ts"() {
    init_utils3();
    init_defaults();
    init_endpoints();
    init_errors();
    init_abi2();
    init_errors2();
    init_read_limits();
    init_sized_groups();
    init_transport2();
    CANONICAL_MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
    ADDRESS_CACHE_LIMIT = 5e4;
    addressChecks = /* @__PURE__ */ new Map();
    configError = (message) => new ReadError("configuration", message);
    clip2 = (text2) => text2.length > 120 ? `${text2.slice(0, 120)}\u2026` : text2;
    hexBlock = (block) => `0x${block.toString(16)}`;
    readEvm = createEvmReader();
    EvmRead = class {
      chain;
      queries;
      options;
      transport;
      outcomes;
      planned;
      rpc;
      mode;
      note;
      block;
      /** The sizes this read uses; a refusal lowers them at once (read_limits.ts). */
      sizes;
      seen;
      /** A single call failed in the EVM: the read's aggregate halvings are not a gas limit. */
      culprit;
      /** Re-reading settled balances to confirm the learned sizes: their outcomes stay. */
      probing;
      constructor(chain2, queries, options, transport, defaultChunkSize) {
        this.chain = chain2;
        this.queries = queries;
        this.options = options;
        this.transport = transport;
        this.planned = [];
        this.mode = "multicall";
        this.block = null;
        this.seen = {
          multicall: {
            failedAt: null,
            passed: 0,
            cut: false
          },
          batch: {
            failedAt: null,
            passed: 0,
            cut: false
          },
          response: {
            failedAt: null,
            passed: 0,
            cut: false
          }
        };
        this.culprit = false;
        this.probing = false;
        this.outcomes = new Array(queries.length);
        const given = options.sizes;
        this.sizes = {
          multicall: Math.max(1, options.chunkSize ?? given?.multicall ?? defaultChunkSize ?? READ_DEFAULTS.evm.chunkSize),
          batch: Math.max(1, given?.batch ?? EVM_MAXIMA.batch),
          response: Math.max(1, given?.response ?? EVM_MAXIMA.response)
        };
      }
      async run() {
        const multicall = this.chain.multicallAddress ?? CANONICAL_MULTICALL3;
        const multicallCheck = checkEvmAddress(multicall);
        this.plan();
        if (this.planned.length === 0) return this.result();
        if (!multicallCheck.ok) {
          return this.failChain(configError(`invalid multicall address ${JSON.stringify(multicall)}: ${multicallCheck.reason}`));
        }
        const endpoints = resolveEndpoints(this.chain, this.options.env);
        if (endpoints instanceof ReadError) return this.failChain(endpoints);
        this.rpc = createEvmRpc(endpoints.urls, endpoints.apiKey, this.transport, this.options.signal);
        try {
          const head = await this.readHead(`0x${multicallCheck.hex}`);
          if (head instanceof ReadError) return this.failChain(head);
          this.block = head.block;
          if (head.multicall) {
            const complete = await this.readWithMulticall(head.multicall);
            if (!complete) {
              this.useJsonRpc(`no contract at multicall address ${multicall} at block ${head.block}`);
            }
          } else {
            this.useJsonRpc(`no contract at multicall address ${multicall}`);
          }
          if (this.mode === "json-rpc-batch") await this.readWithJsonRpc();
          return this.result();
        } finally {
          this.rpc.close();
        }
      }
      /** Validates addresses; invalid ones become configuration outcomes right away. */
      plan() {
        const tokenChecks = /* @__PURE__ */ new Map();
        this.queries.forEach((query, index2) => {
          const holder = checkEvmAddress(query.address);
          if (!holder.ok) {
            this.settle(index2, configError(`invalid holder address ${JSON.stringify(query.address)}: ${holder.reason}`));
            return;
          }
          let token = null;
          if (query.token !== null) {
            let checked = tokenChecks.get(query.token);
            if (!checked) {
              checked = checkEvmAddress(query.token);
              tokenChecks.set(query.token, checked);
            }
            if (!checked.ok) {
              this.settle(index2, configError(`invalid token address ${JSON.stringify(query.token)}: ${checked.reason}`));
              return;
            }
            token = checked.hex;
          }
          this.planned.push({
            index: index2,
            key: query.key,
            holder: holder.hex,
            token
          });
        });
      }
      /** Head, chain id and multicall presence in one batched HTTP request. */
      async readHead(multicall) {
        const rpc = this.rpc;
        const expectedChainId = this.chain.evmChainId;
        try {
          const [head, chainId, code] = await Promise.all([
            rpc.request("eth_blockNumber", []),
            expectedChainId !== null ? rpc.request("eth_chainId", []) : null,
            rpc.request("eth_getCode", [
              multicall,
              "latest"
            ])
          ]);
          if (chainId !== null && BigInt(chainId) !== BigInt(expectedChainId)) {
            return configError(`wrong chain: ${rpc.primaryUrl} reports chain id ${BigInt(chainId)}, the chain row expects ${expectedChainId}`);
          }
          const latest = BigInt(head);
          const confirmations = BigInt(Math.max(0, Math.trunc(this.chain.confirmations ?? 0)));
          const block = latest > confirmations ? latest - confirmations : 0n;
          const hasCode = typeof code === "string" && code !== "0x" && code !== "";
          return {
            block,
            multicall: hasCode ? multicall.toLowerCase() : null
          };
        } catch (error) {
          return this.classify(error);
        }
      }
      /** Returns false when the multicall address has no code at the pinned block. */
      async readWithMulticall(multicall) {
        const target = addressHex(multicall);
        const calls = this.planned.map((p) => ({
          query: p,
          target: p.token ?? target,
          callData: addressCall(p.token ? SELECTOR.balanceOf : SELECTOR.getEthBalance, p.holder)
        }));
        const state = {
          multicall,
          emptyTokens: [],
          missing: false
        };
        await this.runAggregates(calls, state);
        if (state.missing) return false;
        await this.explainEmpty(state.emptyTokens);
        await this.confirmShape(calls, multicall);
        return true;
      }
      /**
       * After sizes were lowered in this read, the retries combined them in ways the next read will
       * not (its aggregates are all of the new size, as many per request as the new batch size
       * allows): one more request of exactly that shape, over balances already read (at the same
       * block; their outcomes are kept), makes sure the next read is not refused, the answer's size
       * included. A refusal here lowers the sizes again and the shape is tried again.
       */
      async confirmShape(calls, multicall) {
        for (let attempt = 0; attempt < 4; attempt++) {
          const lowered = this.seen.multicall.failedAt !== null || this.seen.batch.failedAt !== null || this.seen.response.failedAt !== null;
          if (!lowered || this.culprit) return;
          const size3 = this.sizes.multicall;
          const perAnswer = aggregateAnswerBytes(size3);
          const count = Math.min(this.sizes.batch, Math.max(1, Math.floor(this.sizes.response / perAnswer)), Math.floor(calls.length / size3));
          const bytes = count * perAnswer;
          if (count < 1 || count * size3 <= this.seen.multicall.passed && bytes <= this.seen.response.passed && count <= this.seen.batch.passed) return;
          const before = {
            ...this.sizes
          };
          this.probing = true;
          try {
            await this.runAggregates(calls.slice(0, count * size3), {
              multicall,
              emptyTokens: [],
              missing: false
            });
          } finally {
            this.probing = false;
          }
          const same = before.multicall === this.sizes.multicall && before.batch === this.sizes.batch && before.response === this.sizes.response;
          if (same) return;
        }
      }
      /**
       * Aggregates of at most the multicall size, sent in requests the batch and answer sizes allow.
       * The calls of aggregates refused for their size are chunked again at the halved size and sent
       * together at once, so that the retry is batched like the first try (and the first read of a
       * limited provider learns its batch size too).
       */
      async runAggregates(calls, state) {
        let pending = calls;
        while (pending.length > 0) {
          const size3 = this.sizes.multicall;
          if (pending.length > size3) this.seen.multicall.cut = true;
          const chunks = [];
          const probe = probeSize(size3, this.seen.multicall);
          let i = 0;
          if (probe !== null && pending.length > probe) {
            chunks.push(pending.slice(0, probe));
            i = probe;
          }
          for (; i < pending.length; i += size3) chunks.push(pending.slice(i, i + size3));
          const retry = [];
          await this.sendGroups(chunks, (chunk) => aggregateAnswerBytes(chunk.length), (send, chunk) => this.runChunk(send, chunk, state, retry), (chunk, refusal) => {
            if (refusal.kind === "response" && chunk.length > 1) {
              this.refused("multicall", chunk.length, refusal.reason);
              retry.push(...chunk);
            } else {
              this.refusedAlone(chunk.map((c) => c.query), refusal);
            }
          });
          pending = retry;
        }
      }
      /**
       * One aggregate3; resolves with the size refusal of its request, if it was refused. An
       * aggregate over the gas cap goes to `retry`.
       */
      async runChunk(send, chunk, state, retry) {
        const multicall = state.multicall;
        let result;
        try {
          result = await send("eth_call", [
            {
              to: multicall,
              data: encodeAggregate3(chunk)
            },
            hexBlock(this.block)
          ]);
        } catch (error) {
          const refusal = sizeRefusal(error);
          if (refusal) return refusal;
          if ((isExecutionError(error) || isGasRefusal(error)) && chunk.length > 1) {
            this.refused("multicall", chunk.length, clip2(executionFailure(error).message));
            retry.push(...chunk);
            return "failed";
          }
          if (isExecutionError(error)) {
            this.culprit = true;
            const failure = executionFailure(error);
            this.settle(chunk[0].query.index, this.callFailed(chunk[0].query, failure.message));
            return "failed";
          }
          const classified = this.classify(error);
          for (const call of chunk) this.settle(call.query.index, classified);
          return "failed";
        }
        if (result === "0x" || result === "") {
          state.missing = true;
          return "failed";
        }
        this.passed("multicall", chunk.length);
        let decoded2;
        try {
          decoded2 = decodeAggregate3(result, chunk.length);
        } catch (error) {
          if (!(error instanceof AbiDecodeError)) throw error;
          const problem = configError(`contract at multicall address ${multicall} did not answer like Multicall3 (${error.message})`);
          for (const call of chunk) this.settle(call.query.index, problem);
          return "failed";
        }
        for (let i = 0; i < decoded2.length; i++) {
          const item = decoded2[i];
          const query = chunk[i].query;
          if (item.success && item.returnData.length === 64) {
            this.settle(query.index, BigInt(`0x${item.returnData}`));
          } else if (!item.success) {
            this.settle(query.index, this.callFailed(query, revertReason(item.returnData)));
          } else if (item.returnData.length === 0 && query.token) {
            state.emptyTokens.push(query);
          } else {
            this.settleReturn(query, item.returnData);
          }
        }
        return "answered";
      }
      /**
       * Sends `items` in as few requests as the learned batch and answer sizes allow (each request its
       * own JSON-RPC batch). The items of requests refused for their size are grouped again at the
       * halved size and sent together at once; the sizes the read learns are kept in this.sizes (next
       * requests) and this.seen (the chain's record).
       */
      async sendGroups(items, bytesOf, run, refusedAlone) {
        let pending = items;
        while (pending.length > 0) {
          const current = pending;
          const bytes = current.map(bytesOf);
          const probe = probeSize(this.sizes.batch, this.seen.batch);
          const plan = planGroups(bytes, this.sizes.batch, this.sizes.response, probe ?? void 0);
          if (plan.cutByCount) this.seen.batch.cut = true;
          if (plan.cutByBytes) this.seen.response.cut = true;
          const retry = [];
          await Promise.all(plan.groups.map(async (group) => {
            const send = this.rpc.group();
            const sent = await Promise.all(group.map((i) => run(send, current[i])));
            const refusedAt = group.filter((_, k) => typeof sent[k] === "object");
            const groupBytes = group.reduce((sum, i) => sum + bytes[i], 0);
            const answeredBytes = group.filter((_, k) => sent[k] === "answered").reduce((sum, i) => sum + bytes[i], 0);
            if (answeredBytes > 0) this.passed("response", answeredBytes);
            if (refusedAt.length === 0) {
              this.passed("batch", group.length);
              return;
            }
            const first = sent.find((r) => typeof r === "object");
            if (group.length === 1) {
              refusedAlone(current[group[0]], first);
              return;
            }
            if (first.kind === "batch") this.refused("batch", group.length, first.reason);
            else this.refused("response", groupBytes, first.reason);
            retry.push(...refusedAt.map((i) => current[i]));
          }));
          pending = retry;
        }
      }
      /** A single call refused for size: nothing smaller to send, the balance fails this time. */
      refusedAlone(queries, refusal) {
        const error = new ReadError("transient", `${this.rpc.primaryUrl} refused a single call for its size (${refusal.reason})`);
        for (const query of queries) this.settle(query.index, error);
      }
      refused(name, failedAt, reason) {
        const seen = this.seen[name];
        seen.failedAt = seen.failedAt === null ? failedAt : Math.min(seen.failedAt, failedAt);
        seen.reason = reason;
        this.sizes[name] = shrink(this.sizes[name], failedAt);
        if (seen.passed < failedAt) this.sizes[name] = Math.max(this.sizes[name], seen.passed);
      }
      passed(name, size3) {
        const seen = this.seen[name];
        if (size3 > seen.passed) seen.passed = size3;
        if (seen.failedAt !== null && size3 < seen.failedAt && size3 > this.sizes[name]) {
          this.sizes[name] = size3;
        }
      }
      useJsonRpc(note) {
        this.mode = "json-rpc-batch";
        this.note = note;
      }
      /** One call per balance, in JSON-RPC batches of the learned sizes. */
      async readWithJsonRpc() {
        const block = hexBlock(this.block);
        const emptyTokens = [];
        await this.sendGroups(this.planned, () => SINGLE_ANSWER_BYTES, async (send, query) => {
          try {
            if (query.token === null) {
              const balance = await send("eth_getBalance", [
                `0x${query.holder}`,
                block
              ]);
              this.settle(query.index, BigInt(balance));
              return "answered";
            }
            const data = await send("eth_call", [
              {
                to: `0x${query.token}`,
                data: `0x${addressCall(SELECTOR.balanceOf, query.holder)}`
              },
              block
            ]);
            const hex = (data ?? "").replace(/^0x/, "");
            if (hex.length === 0) emptyTokens.push(query);
            else this.settleReturn(query, hex);
            return "answered";
          } catch (error) {
            const refusal = sizeRefusal(error);
            if (refusal) return refusal;
            if (isExecutionError(error)) {
              this.settle(query.index, this.callFailed(query, executionFailure(error).message));
            } else {
              this.settle(query.index, this.classify(error));
            }
            return "failed";
          }
        }, (query, refusal) => this.refusedAlone([
          query
        ], refusal));
        await this.explainEmpty(emptyTokens);
      }
      /**
       * A call to an address without code succeeds with empty data, like a contract that returns
       * nothing: eth_getCode at the pinned block tells the two apart.
       */
      async explainEmpty(queries) {
        if (queries.length === 0) return;
        const tokens = [
          ...new Set(queries.map((q) => q.token))
        ];
        const block = hexBlock(this.block);
        const codes = /* @__PURE__ */ new Map();
        await Promise.all(tokens.map(async (token) => {
          try {
            codes.set(token, await this.rpc.request("eth_getCode", [
              `0x${token}`,
              block
            ]));
          } catch (error) {
            codes.set(token, this.classify(error));
          }
        }));
        for (const query of queries) {
          const code = codes.get(query.token);
          const address = getAddress(`0x${query.token}`);
          this.settle(query.index, code instanceof ReadError ? code : code === "0x" || code === "" ? new ReadError("permanent", `no contract at ${address}`) : new ReadError("permanent", `malformed balanceOf return from ${address}: empty data`));
        }
      }
      settleReturn(query, returnData) {
        const value = decodeUint256(returnData);
        if (value !== null) {
          this.settle(query.index, value);
          return;
        }
        const what = query.token ? `balanceOf return from ${getAddress(`0x${query.token}`)}` : "";
        this.settle(query.index, new ReadError("permanent", `malformed ${what || "getEthBalance return"}: ${returnData.length / 2} bytes, expected 32`));
      }
      callFailed(query, reason) {
        const target = query.token ? `balanceOf on ${getAddress(`0x${query.token}`)}` : "getEthBalance";
        return new ReadError("permanent", `${target} reverted: ${reason}`);
      }
      classify(error) {
        const signal = this.options.signal;
        if (signal?.aborted) {
          const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
          return new ReadError("transient", `read aborted: ${reason}`, {}, {
            cause: error
          });
        }
        return classifyRpcFailure(error, (url) => this.rpc?.redact(url) ?? "node", this.transport.timeoutMs);
      }
      settle(index2, value) {
        if (this.probing && this.outcomes[index2] !== void 0) return;
        const key = this.queries[index2].key;
        this.outcomes[index2] = typeof value === "bigint" ? {
          key,
          ok: true,
          raw: value
        } : {
          key,
          ok: false,
          error: value
        };
      }
      /** Every query not yet settled gets `error`. */
      failChain(error) {
        for (let i = 0; i < this.queries.length; i++) {
          if (!this.outcomes[i]) this.settle(i, error);
        }
        return this.result();
      }
      /** A query left unsettled by a missed path gets its outcome from the registry (../readers.ts). */
      result() {
        return {
          block: this.block,
          outcomes: this.outcomes.filter((outcome) => outcome !== void 0),
          requests: this.rpc?.requests ?? 0,
          mode: this.mode,
          ...this.note ? {
            note: this.note
          } : {},
          sizes: {
            ...this.sizes
          },
          seen: this.culprit ? {
            batch: this.seen.batch,
            response: this.seen.response
          } : {
            ...this.seen
          }
        };
      }
    };
  }
});

// chains/tron/sha256_block.ts
function sha256Block(data, out = new Uint8Array(32)) {
  const length = data.length;
  if (length > MAX_ONE_BLOCK_BYTES) {
    throw new RangeError(`sha256Block hashes at most 55 bytes, got ${length}`);
  }
  for (let i = 0; i < 14; i++) {
    let word2 = 0;
    for (let k = 0; k < 4; k++) {
      const at = i * 4 + k;
      const byte = at < length ? data[at] : at === length ? 128 : 0;
      word2 = word2 << 8 | byte;
    }
    w[i] = word2;
  }
  w[14] = 0;
  w[15] = length * 8;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = rotr2(x, 7) ^ rotr2(x, 18) ^ x >>> 3;
    const s1 = rotr2(y, 17) ^ rotr2(y, 19) ^ y >>> 10;
    w[i] = w[i - 16] + s0 + w[i - 7] + s1 | 0;
  }
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let i = 0; i < 64; i++) {
    const s1 = rotr2(e, 6) ^ rotr2(e, 11) ^ rotr2(e, 25);
    const ch = e & f ^ ~e & g;
    const t1 = h + s1 + ch + K[i] + w[i] | 0;
    const s0 = rotr2(a, 2) ^ rotr2(a, 13) ^ rotr2(a, 22);
    const maj = a & b ^ a & c ^ b & c;
    const t2 = s0 + maj | 0;
    h = g;
    g = f;
    f = e;
    e = d + t1 | 0;
    d = c;
    c = b;
    b = a;
    a = t1 + t2 | 0;
  }
  put(out, 0, H[0] + a);
  put(out, 4, H[1] + b);
  put(out, 8, H[2] + c);
  put(out, 12, H[3] + d);
  put(out, 16, H[4] + e);
  put(out, 20, H[5] + f);
  put(out, 24, H[6] + g);
  put(out, 28, H[7] + h);
  return out;
}
function put(out, at, value) {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}
var H, K, MAX_ONE_BLOCK_BYTES, w, rotr2;
var init_sha256_block = __esm({
  "chains/tron/sha256_block.ts"() {
    H = Int32Array.from([
      1779033703,
      3144134277,
      1013904242,
      2773480762,
      1359893119,
      2600822924,
      528734635,
      1541459225
    ]);
    K = Int32Array.from([
      1116352408,
      1899447441,
      3049323471,
      3921009573,
      961987163,
      1508970993,
      2453635748,
      2870763221,
      3624381080,
      310598401,
      607225278,
      1426881987,
      1925078388,
      2162078206,
      2614888103,
      3248222580,
      3835390401,
      4022224774,
      264347078,
      604807628,
      770255983,
      1249150122,
      1555081692,
      1996064986,
      2554220882,
      2821834349,
      2952996808,
      3210313671,
      3336571891,
      3584528711,
      113926993,
      338241895,
      666307205,
      773529912,
      1294757372,
      1396182291,
      1695183700,
      1986661051,
      2177026350,
      2456956037,
      2730485921,
      2820302411,
      3259730800,
      3345764771,
      3516065817,
      3600352804,
      4094571909,
      275423344,
      430227734,
      506948616,
      659060556,
      883997877,
      958139571,
      1322822218,
      1537002063,
      1747873779,
      1955562222,
      2024104815,
      2227730452,
      2361852424,
      2428436474,
      2756734187,
      3204031479,
      3329325298
    ]);
    MAX_ONE_BLOCK_BYTES = 55;
    w = new Int32Array(64);
    rotr2 = (x, n) => x >>> n | x << 32 - n;
  }
});

// chains/tron/address.ts
function decodeAddress58(text2) {
  const limbs = [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0
  ];
  for (let i = 0; i < text2.length; ) {
    let group = 0;
    let scale = 1;
    for (let k = 0; k < 4 && i < text2.length; k++, i++) {
      const code = text2.charCodeAt(i);
      const digit = code < 128 ? BASE58_INDEX[code] : -1;
      if (digit < 0) return false;
      group = group * 58 + digit;
      scale *= 58;
    }
    let carry = group;
    for (let j = LIMBS - 1; j >= 0; j--) {
      const value = limbs[j] * scale + carry;
      carry = Math.floor(value / LIMB);
      limbs[j] = value - carry * LIMB;
    }
    if (carry !== 0) return false;
  }
  for (let j = 0; j < LIMBS; j++) {
    const limb = limbs[j];
    decoded[j * 3] = limb >>> 16;
    decoded[j * 3 + 1] = limb >>> 8;
    decoded[j * 3 + 2] = limb;
  }
  return decoded[0] === 0 && decoded[1] === 0;
}
function decodeAddressCheck(text2) {
  if (!decodeAddress58(text2)) return null;
  sha256Block(sha256Block(payloadView, digest), digest);
  for (let i = 0; i < 4; i++) if (digest[i] !== decoded[23 + i]) return null;
  return hexOf(payloadView);
}
function hexOf(bytes) {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX_BYTE[bytes[i]];
  return hex;
}
function fromPayload(payload) {
  return fromHex(hexOf(payload), base58check2.encode(payload));
}
function fromHex(hex, base582) {
  return {
    base58: base582,
    hex,
    evm: `0x${hex.slice(2)}`
  };
}
function parseTronAddress(input) {
  let result = cache.get(input);
  if (result === void 0) {
    result = parseUncached(input);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, result);
  }
  return result;
}
function parseUncached(input) {
  const text2 = input.trim();
  if (/^0x[0-9a-fA-F]*$/.test(text2)) {
    return {
      ok: false,
      reason: `"${text2}" is an EVM (0x) address, not a TRON address`
    };
  }
  if (/^41[0-9a-fA-F]{40}$/.test(text2)) {
    return {
      ok: true,
      address: fromPayload(hexToBytes(`0x${text2.toLowerCase()}`))
    };
  }
  if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(text2)) {
    return {
      ok: false,
      reason: `"${text2}" is not a TRON address (expected base58 T... of 34 characters)`
    };
  }
  const hex = decodeAddressCheck(text2);
  if (hex === null) return {
    ok: false,
    reason: `"${text2}" has a bad base58 checksum`
  };
  if (!hex.startsWith("41")) {
    return {
      ok: false,
      reason: `"${text2}" is not a TRON address (bad base58 payload)`
    };
  }
  return {
    ok: true,
    address: fromHex(hex, text2)
  };
}
var base58check2, BASE58, BASE58_INDEX, LIMB, LIMBS, decoded, payloadView, digest, HEX_BYTE, CACHE_LIMIT, cache;
var init_address2 = __esm({
  "chains/tron/address.ts"() {
    init_esm();
    init_utils3();
    init_sha256_block();
    base58check2 = base58check((data) => sha2563(data, "bytes"));
    BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    BASE58_INDEX = new Int8Array(128).fill(-1);
    for (let i = 0; i < BASE58.length; i++) BASE58_INDEX[BASE58.charCodeAt(i)] = i;
    LIMB = 2 ** 24;
    LIMBS = 9;
    decoded = new Uint8Array(LIMBS * 3);
    payloadView = decoded.subarray(2, 23);
    digest = new Uint8Array(32);
    HEX_BYTE = Array.from({
      length: 256
    }, (_, i) => i.toString(16).padStart(2, "0"));
    CACHE_LIMIT = 5e4;
    cache = /* @__PURE__ */ new Map();
  }
});

// chains/tron/pacer.ts
function normalizeLimits(limits) {
  const rps = limits.maxRps;
  const concurrency = limits.maxConcurrency;
  return {
    maxRps: rps !== void 0 && rps > 0 && Number.isFinite(rps) ? rps : READ_DEFAULTS.tron.maxRps,
    maxConcurrency: concurrency !== void 0 && concurrency >= 1 && Number.isFinite(concurrency) ? Math.floor(concurrency) : READ_DEFAULTS.tron.maxConcurrency
  };
}
function windowOf(maxRps, marginMs) {
  return maxRps >= 1 ? {
    starts: Math.floor(maxRps),
    ms: 1e3 + marginMs
  } : {
    starts: 1,
    ms: 1e3 / maxRps + marginMs
  };
}
function pacerFor(key, limits) {
  const wanted = normalizeLimits(limits);
  const existing = pacers.get(key);
  if (existing && existing.limits.maxRps === wanted.maxRps && existing.limits.maxConcurrency === wanted.maxConcurrency) {
    return existing;
  }
  const pacer = new Pacer(wanted);
  pacers.set(key, pacer);
  return pacer;
}
var REAL_CLOCK, DEFAULT_MARGIN_MS, PacerPausedError, Pacer, pacers;
var init_pacer = __esm({
  "chains/tron/pacer.ts"() {
    init_defaults();
    REAL_CLOCK = {
      now: () => performance.now(),
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle)
    };
    DEFAULT_MARGIN_MS = 2;
    PacerPausedError = class extends Error {
      remainingMs;
      name;
      constructor(remainingMs) {
        super(`paused for another ${Math.ceil(remainingMs)} ms`), this.remainingMs = remainingMs, this.name = "PacerPausedError";
      }
    };
    Pacer = class {
      limits;
      clock;
      window;
      /**
       * When each token is free again (`window.ms` after its last answer): -Infinity before its first
       * use, Infinity while its request is in flight.
       */
      freeAt;
      inFlight = 0;
      pausedUntilMs = -Infinity;
      queue = [];
      timer;
      timerAt = Infinity;
      constructor(limits, options = {}) {
        this.limits = normalizeLimits(limits);
        this.clock = options.clock ?? REAL_CLOCK;
        this.window = windowOf(this.limits.maxRps, options.marginMs ?? DEFAULT_MARGIN_MS);
        this.freeAt = new Array(this.window.starts).fill(-Infinity);
      }
      /** Now on the pacer's clock: what a request's answer time (see acquire) is read on. */
      now() {
        return this.clock.now();
      }
      /** Milliseconds until the chain may be asked again after a suspension (0 when not paused). */
      pausedForMs() {
        return Math.max(0, this.pausedUntilMs - this.clock.now());
      }
      /**
       * No request starts in the next `ms` milliseconds (a later pause wins over an earlier one).
       * Queued requests that would not wait that long are turned away at once.
       */
      pause(ms) {
        this.pausedUntilMs = Math.max(this.pausedUntilMs, this.clock.now() + ms);
        const remaining = this.pausedForMs();
        for (const waiter of [
          ...this.queue
        ]) {
          if (remaining > waiter.maxPauseMs) this.dropWaiter(waiter, new PacerPausedError(remaining));
        }
        this.pump();
      }
      /**
       * Waits for a slot; resolves to the function that gives it back, told when the answer came
       * (`now()` once its headers were in: the node had seen the request by then) or, without it, at
       * the time it is called. Rejects with the signal's reason when it aborts, or with
       * PacerPausedError when a pause is longer than `maxPauseMs`.
       */
      acquire(options = {}) {
        const { signal } = options;
        const maxPauseMs = options.maxPauseMs ?? Infinity;
        if (signal?.aborted) return Promise.reject(signal.reason);
        if (this.pausedForMs() > maxPauseMs) {
          return Promise.reject(new PacerPausedError(this.pausedForMs()));
        }
        return new Promise((grant, reject) => {
          const waiter = {
            grant,
            reject,
            signal,
            maxPauseMs
          };
          if (signal) {
            waiter.onAbort = () => {
              this.dropWaiter(waiter, signal.reason);
              this.pump();
            };
            signal.addEventListener("abort", waiter.onAbort, {
              once: true
            });
          }
          this.queue.push(waiter);
          this.pump();
        });
      }
      /** The token that frees first. */
      firstFreeToken() {
        let best = 0;
        for (let i = 1; i < this.freeAt.length; i++) {
          if (this.freeAt[i] < this.freeAt[best]) best = i;
        }
        return best;
      }
      dropWaiter(waiter, reason) {
        const index2 = this.queue.indexOf(waiter);
        if (index2 >= 0) this.queue.splice(index2, 1);
        if (waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
        waiter.reject(reason);
      }
      pump() {
        while (this.queue.length > 0 && this.inFlight < this.limits.maxConcurrency) {
          const now = this.clock.now();
          const token = this.firstFreeToken();
          const startAt = Math.max(this.pausedUntilMs, this.freeAt[token]);
          if (startAt === Infinity) break;
          if (now < startAt) {
            this.wakeAt(startAt, now);
            return;
          }
          const waiter = this.queue.shift();
          if (waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
          this.inFlight++;
          this.freeAt[token] = Infinity;
          let released = false;
          waiter.grant((answeredAt) => {
            if (released) return;
            released = true;
            this.inFlight--;
            const now2 = this.clock.now();
            this.freeAt[token] = Math.min(answeredAt ?? now2, now2) + this.window.ms;
            this.pump();
          });
        }
        this.disarm();
      }
      /** One timer at a time; an earlier one is kept (it pumps, and pump arms the next). */
      wakeAt(at, now) {
        if (this.timer !== void 0 && this.timerAt <= at) return;
        this.disarm();
        this.timerAt = at;
        this.timer = this.clock.setTimeout(() => {
          this.timer = void 0;
          this.timerAt = Infinity;
          this.pump();
        }, Math.ceil(at - now));
      }
      disarm() {
        if (this.timer === void 0) return;
        this.clock.clearTimeout(this.timer);
        this.timer = void 0;
        this.timerAt = Infinity;
      }
    };
    pacers = /* @__PURE__ */ new Map();
  }
});

// chains/tron/json.ts
function topLevelIntegerText(json2, key) {
  let depth = 0;
  let i = 0;
  const n = json2.length;
  let expectKey = false;
  while (i < n) {
    const c = json2[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && json2[i] !== '"') i += json2[i] === "\\" ? 2 : 1;
      i++;
      if (depth === 1 && expectKey) {
        expectKey = false;
        const name = JSON.parse(json2.slice(start, i));
        if (name === key) {
          const match = /^\s*:\s*(-?\d+)(?=\s*[,}])/.exec(json2.slice(i));
          return match ? match[1] : void 0;
        }
      }
      continue;
    }
    if (c === "{" || c === "[") {
      depth++;
      expectKey = depth === 1 && c === "{";
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return void 0;
}
function decodeHexMessage(message) {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(message)) return message;
  const bytes = new Uint8Array(message.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(message.slice(i * 2, i * 2 + 2), 16);
  try {
    return new TextDecoder("utf-8", {
      fatal: true
    }).decode(bytes);
  } catch {
    return message;
  }
}
function suspensionSeconds(text2) {
  const match = /suspended for (\d+(?:\.\d+)?)\s*s/i.exec(text2);
  return match ? Number(match[1]) : void 0;
}
var init_json = __esm({
  "chains/tron/json.ts"() {
  }
});

// chains/tron/http.ts
function errorText(text2, parsed = parseJson(text2)) {
  if (parsed !== NOT_JSON) {
    const body = parsed;
    if (body && typeof body === "object") {
      const error = body.Error ?? body.error;
      return typeof error === "string" ? error : "";
    }
    return "";
  }
  const title = /<title>([^<]*)<\/title>/i.exec(text2);
  if (title) return title[1];
  return /^\s*</.test(text2) ? "" : text2;
}
function parseJson(text2) {
  try {
    return JSON.parse(text2);
  } catch {
    return NOT_JSON;
  }
}
function describeNonJson(text2) {
  if (text2.trim() === "") return "an empty body";
  if (/^\s*</.test(text2)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text2);
    return `an HTML page${title ? ` ("${title[1].trim()}")` : ""}`;
  }
  return `malformed JSON ("${trimBody(text2).slice(0, 60)}")`;
}
var RATE_LIMIT_STATUSES, LACK_OF_RESOURCES, FREQUENCY_LIMIT, trimBody, TronHttp, NOT_JSON;
var init_http4 = __esm({
  "chains/tron/http.ts"() {
    init_errors();
    init_pacer();
    init_json();
    RATE_LIMIT_STATUSES = /* @__PURE__ */ new Set([
      403,
      429,
      503
    ]);
    LACK_OF_RESOURCES = /lack of computing resources/i;
    FREQUENCY_LIMIT = /frequency limit|allowed_rps|suspended for/i;
    trimBody = (text2) => text2.replace(/\s+/g, " ").trim().slice(0, 200);
    TronHttp = class {
      options;
      /** HTTP requests sent so far (every attempt counts). */
      requests;
      current;
      /** Head block of each node (by index into urls), asked before the node served anything else. */
      heads;
      /** Nodes that answered a request other than the head request. */
      served;
      asking;
      /** Per node: its redacted base, and the full URL of each path asked (parsed once, not per call). */
      redacted;
      targets;
      constructor(options) {
        this.options = options;
        this.requests = 0;
        this.current = 0;
        this.heads = /* @__PURE__ */ new Map();
        this.served = /* @__PURE__ */ new Set();
        this.asking = /* @__PURE__ */ new Map();
        this.targets = /* @__PURE__ */ new Map();
        this.redacted = options.urls.map(redactUrl);
      }
      /** The redacted URL `path` is sent to now (for error data). */
      where(path) {
        return `${this.redacted[this.current]}${path}`;
      }
      target(node, path) {
        const key = `${node} ${path}`;
        let url = this.targets.get(key);
        if (url === void 0) {
          const target = new URL(this.options.urls[node]);
          target.pathname = `${target.pathname.replace(/\/+$/, "")}${path}`;
          url = target.toString();
          this.targets.set(key, url);
        }
        return url;
      }
      /** POSTs `payload` as JSON to `path` (e.g. "/wallet/getaccount"). Rejects only with ReadError. */
      async post(path, payload) {
        const { pacer, signal } = this.options;
        const tried = /* @__PURE__ */ new Set();
        let rateLimitRetries = 0;
        const head = this.options.head;
        while (true) {
          if (head && path !== head.path && !this.heads.has(this.current)) {
            const asked = this.current;
            let asking = this.asking.get(asked);
            if (!asking) {
              asking = this.post(head.path, {}).finally(() => this.asking.delete(asked));
              this.asking.set(asked, asking);
            }
            await asking;
            continue;
          }
          const node = this.current;
          const url = this.target(node, path);
          const where = this.where(path);
          let release;
          try {
            release = await pacer.acquire({
              signal,
              maxPauseMs: this.options.maxWaitMs
            });
          } catch (cause) {
            if (cause instanceof PacerPausedError) {
              const seconds = Math.ceil(cause.remainingMs / 1e3);
              throw new ReadError("transient", `TRON node ${where} asked to pause; not asking again for ${seconds} s`, {
                url: where,
                retryAfterSeconds: seconds
              });
            }
            throw new ReadError("transient", `read of ${where} aborted before it was sent`, {
              url: where
            }, {
              cause
            });
          }
          let status = 0;
          let text2;
          let headers;
          let answeredAt;
          const deadline = this.deadline();
          try {
            this.requests++;
            const response = await this.send(url, payload, deadline.signal);
            answeredAt = pacer.now();
            status = response.status;
            headers = response.headers;
            text2 = await response.text();
            deadline.clear();
          } catch (cause) {
            deadline.clear();
            release(answeredAt);
            const error = this.transportError(cause, where, status, url);
            tried.add(node);
            if (this.failover(tried)) continue;
            throw error;
          }
          const parsed = parseJson(text2);
          const limited = this.rateLimit(status, headers, text2, parsed);
          if (limited) {
            const waitMs = limited.waitSeconds !== void 0 ? limited.waitSeconds * 1e3 : this.options.backoffMs * 2 ** rateLimitRetries;
            pacer.pause(waitMs);
            release(answeredAt);
            if (rateLimitRetries >= this.options.maxRetries || waitMs > this.options.maxWaitMs) {
              throw new ReadError("transient", `TRON node ${where} is rate limiting (HTTP ${status}${limited.detail ? `: ${limited.detail}` : ""}) after ${rateLimitRetries + 1} attempt(s)`, {
                status,
                url: where,
                ...limited.waitSeconds !== void 0 ? {
                  retryAfterSeconds: limited.waitSeconds
                } : {}
              });
            }
            rateLimitRetries++;
            continue;
          }
          release(answeredAt);
          if (status < 200 || status > 299) {
            const error = this.statusError(status, text2, where);
            if (status >= 500) {
              tried.add(node);
              if (this.failover(tried)) continue;
            }
            throw error;
          }
          if (parsed === NOT_JSON) {
            throw new ReadError("transient", `TRON node ${where} answered ${describeNonJson(text2)} instead of JSON`, {
              status,
              url: where
            });
          }
          const body = parsed;
          if (body === null || typeof body !== "object" || Array.isArray(body)) {
            throw new ReadError("transient", `TRON node ${where} answered a non-object JSON body`, {
              status,
              url: where
            });
          }
          const nodeError = body.Error;
          if (typeof nodeError === "string") {
            throw new ReadError("permanent", `TRON node ${where} rejected the request: ${nodeError}`, {
              status,
              url: where,
              rpcCode: "Error"
            });
          }
          const answer = {
            status,
            text: text2,
            body,
            url: where
          };
          if (head && path === head.path) this.heads.set(node, head.parse(answer));
          else this.served.add(node);
          return answer;
        }
      }
      /**
       * The lowest head among the nodes that served this read (each asked before it served), so a read
       * that failed over to a lagging node is never labelled with a block its state has not reached.
       * Null when no head was read.
       */
      lowestHead() {
        const used = this.served.size > 0 ? [
          ...this.served
        ] : [
          ...this.heads.keys()
        ];
        let lowest = null;
        for (const node of used) {
          const block = this.heads.get(node);
          if (block !== void 0 && (lowest === null || block < lowest)) lowest = block;
        }
        return lowest;
      }
      /**
       * The abort signal of one exchange (request and body): the read's signal, or `timeoutMs`. Its
       * timer is cleared when the exchange ends. `AbortSignal.timeout` cannot be cleared: each request
       * would wake the idle isolate once more, `timeoutMs` later, to abort a signal nobody listens to
       * (on a paced chain about as much CPU as the request itself).
       */
      deadline() {
        const controller = new AbortController();
        const timers = this.options.timers ?? REAL_CLOCK;
        const timer = timers.setTimeout(() => controller.abort(new DOMException("Signal timed out.", "TimeoutError")), this.options.timeoutMs);
        const outer = this.options.signal;
        const onAbort = () => controller.abort(outer.reason);
        if (outer?.aborted) onAbort();
        else outer?.addEventListener("abort", onAbort, {
          once: true
        });
        return {
          signal: controller.signal,
          clear: () => {
            timers.clearTimeout(timer);
            outer?.removeEventListener("abort", onAbort);
          }
        };
      }
      send(url, payload, signal) {
        const headers = {
          "content-type": "application/json",
          accept: "application/json"
        };
        if (this.options.apiKey) headers["TRON-PRO-API-KEY"] = this.options.apiKey;
        return (this.options.fetch ?? fetch)(url, {
          method: "POST",
          headers,
          body: JSON.stringify(payload),
          signal
        });
      }
      failover(tried) {
        const { urls } = this.options;
        if (!tried.has(this.current)) return true;
        for (let step = 1; step < urls.length; step++) {
          const next = (this.current + step) % urls.length;
          if (!tried.has(next)) {
            this.current = next;
            return true;
          }
        }
        return false;
      }
      /** `status` is 0 when no answer started, else the status of an answer whose body broke off. */
      transportError(cause, where, status, url) {
        const data = status ? {
          url: where,
          status
        } : {
          url: where
        };
        if (this.options.signal?.aborted) {
          return new ReadError("transient", `read of ${where} aborted`, data, {
            cause
          });
        }
        const name = cause?.name;
        if (name === "TimeoutError") {
          return new ReadError("transient", `TRON node ${where} did not answer within ${this.options.timeoutMs} ms`, data, {
            cause
          });
        }
        let reason = networkCause(cause) || String(cause);
        reason = reason.replaceAll(url, where);
        for (const base of this.options.urls) reason = reason.replaceAll(base, redactUrl(base));
        if (this.options.apiKey) reason = reason.replaceAll(this.options.apiKey, "***");
        const message = status ? `TRON node ${where} answered HTTP ${status} but the body broke off: ${reason}` : `TRON node ${where} unreachable: ${reason}`;
        return new ReadError("transient", message, data, {
          cause
        });
      }
      rateLimit(status, headers, text2, parsed) {
        const message = errorText(text2, parsed);
        const byStatus = RATE_LIMIT_STATUSES.has(status);
        const byBody = FREQUENCY_LIMIT.test(message) || LACK_OF_RESOURCES.test(message);
        if (!byStatus && !byBody) return null;
        return {
          waitSeconds: parseRetryAfter(headers.get("retry-after")) ?? suspensionSeconds(message),
          detail: trimBody(message)
        };
      }
      statusError(status, text2, where) {
        const detail = trimBody(errorText(text2));
        const message = `TRON node ${where} answered HTTP ${status}${detail ? `: ${detail}` : ""}`;
        if (status === 408 || status >= 500) {
          return new ReadError("transient", message, {
            status,
            url: where
          });
        }
        if (status === 401 || status === 404) {
          return new ReadError("configuration", `${message} (check the chain's rpc_url and API key)`, {
            status,
            url: where
          });
        }
        return new ReadError("permanent", message, {
          status,
          url: where
        });
      }
    };
    NOT_JSON = Symbol("not JSON");
  }
});

// chains/tron/multicall.ts
function encodeAggregate3Parameter(multicall, balances) {
  const self = addressHex(multicall);
  const calls = new Array(balances.length);
  for (let i = 0; i < balances.length; i++) {
    const { holder, token } = balances[i];
    calls[i] = token === null ? {
      target: self,
      callData: addressCall(SELECTOR.getEthBalance, addressHex(holder))
    } : {
      target: addressHex(token),
      callData: addressCall(SELECTOR.balanceOf, addressHex(holder))
    };
  }
  return encodeAggregate3Arguments(calls);
}
var AGGREGATE3_SELECTOR, decodeAggregate3Result;
var init_multicall = __esm({
  "chains/tron/multicall.ts"() {
    init_abi2();
    AGGREGATE3_SELECTOR = "aggregate3((address,bool,bytes)[])";
    decodeAggregate3Result = (returnData, expected) => decodeAggregate3(`0x${returnData.replace(/^0x/, "")}`, expected);
  }
});

// chains/tron/trigger.ts
function interpretTrigger(raw, what, url) {
  const body = raw;
  const result = body.result ?? {};
  const message = typeof result.message === "string" ? decodeHexMessage(result.message) : "";
  const code = typeof result.code === "string" ? result.code : void 0;
  const returned = Array.isArray(body.constant_result) ? body.constant_result : void 0;
  const first = typeof returned?.[0] === "string" ? returned[0] : void 0;
  if (code !== void 0 && code !== "SUCCESS") {
    if (code === "OTHER_ERROR" && CPU_TIMEOUT.test(message)) {
      return fail("transient", `${what} ran out of node CPU time: ${message}`, url, code);
    }
    return fail("permanent", `${what} failed with ${code}: ${message || "(no message)"}`, url, code);
  }
  if (message) {
    if (/REVERT opcode executed/i.test(message)) {
      return fail("permanent", `${what} reverted: ${revertReason(first)}`, url, void 0);
    }
    return fail("permanent", `${what} failed: ${message}`, url, void 0);
  }
  if (result.result !== true || first === void 0 || !/^(?:[0-9a-fA-F]{2})*$/.test(first)) {
    return fail("permanent", `${what}: unexpected answer (no constant_result)`, url, void 0);
  }
  return {
    ok: true,
    returnData: first.toLowerCase()
  };
}
function uint256Return(returnData, what, url) {
  const hex = returnData.replace(/^0x/, "");
  if (hex.length === 64) return {
    ok: true,
    value: BigInt(`0x${hex}`)
  };
  const detail = hex.length === 0 ? "returned no data (no contract code at that address?)" : `returned ${hex.length / 2} bytes instead of one 32-byte word`;
  return {
    ok: false,
    error: new ReadError("permanent", `${what} ${detail}`, url ? {
      url
    } : {})
  };
}
function fail(errorClass, message, url, rpcCode) {
  return {
    ok: false,
    error: new ReadError(errorClass, message, rpcCode ? {
      url,
      rpcCode
    } : {
      url
    })
  };
}
var CPU_TIMEOUT;
var init_trigger = __esm({
  "chains/tron/trigger.ts"() {
    init_abi2();
    init_errors();
    init_json();
    CPU_TIMEOUT = /OutOfTime|CPU timeout/i;
  }
});

// chains/tron/reader.ts
var reader_exports2 = {};
__export(reader_exports2, {
  createTronReader: () => createTronReader,
  readTron: () => readTron
});
function createTronReader(settings = {}) {
  return async (chain2, queries, options = {}) => {
    const outcomes = /* @__PURE__ */ new Map();
    let requests = 0;
    let block = null;
    let mode = "per-call";
    let note;
    const energy = {
      failedAt: null,
      passed: 0,
      cut: false
    };
    let learned = null;
    const prepared = prepare(queries, outcomes);
    const setup = prepared.length > 0 ? configure(chain2, options, settings) : null;
    if (setup && "error" in setup) {
      for (const p of prepared) outcomes.set(p.query.key, fail2(p.query.key, setup.error));
    } else if (setup) {
      const { http: http2 } = setup;
      try {
        const ctx = context(http2, chain2);
        block = await readBlock(ctx);
        const multicall = chain2.multicallAddress ? parseTronAddress(chain2.multicallAddress) : null;
        if (multicall && !multicall.ok) {
          note = `multicall address ignored: ${multicall.reason}; read per call`;
          await readPerCall(ctx, prepared, outcomes);
        } else if (multicall) {
          const chunkSize = Math.max(1, options.chunkSize ?? options.sizes?.multicall ?? settings.chunkSize ?? READ_DEFAULTS.tron.chunkSize);
          if (prepared.length > chunkSize) energy.cut = true;
          ({ mode, note } = await readWithMulticall(ctx, multicall.address, prepared, chunkSize, outcomes, energy));
          learned = learnedSize(chunkSize, energy);
        } else {
          await readPerCall(ctx, prepared, outcomes);
        }
      } catch (error) {
        const readError = asReadError(error);
        for (const p of prepared) {
          if (!outcomes.has(p.query.key)) outcomes.set(p.query.key, fail2(p.query.key, readError));
        }
      } finally {
        requests = http2.requests;
        block = http2.lowestHead() ?? block;
      }
    }
    return {
      block,
      // A query without outcome (a missed path) gets one from the registry (chains/readers.ts).
      outcomes: queries.flatMap((q) => outcomes.get(q.key) ?? []),
      requests,
      mode,
      ...note ? {
        note
      } : {},
      ...learned !== null ? {
        sizes: {
          multicall: learned,
          batch: TRON_MAXIMA.batch,
          response: TRON_MAXIMA.response
        },
        seen: {
          multicall: energy
        }
      } : {}
    };
  };
}
function prepare(queries, outcomes) {
  const prepared = [];
  for (const query of queries) {
    const holder = parseTronAddress(query.address ?? "");
    if (!holder.ok) {
      outcomes.set(query.key, fail2(query.key, new ReadError("configuration", `holder address: ${holder.reason}`)));
      continue;
    }
    let token = null;
    if (query.token !== null) {
      const parsed = parseTronAddress(query.token);
      if (!parsed.ok) {
        outcomes.set(query.key, fail2(query.key, new ReadError("configuration", `token contract address: ${parsed.reason}`)));
        continue;
      }
      token = parsed.address;
    }
    prepared.push({
      query,
      holder: holder.address,
      token
    });
  }
  return prepared;
}
function configure(chain2, options, settings) {
  const endpoints = resolveEndpoints(chain2, options.env);
  if (endpoints instanceof ReadError) return {
    error: endpoints
  };
  const { urls } = endpoints;
  const prefix = chain2.confirmations > 0 ? "/walletsolidity" : "/wallet";
  const pacer = pacerFor(`${chain2.id}|${urls[0]}|${chain2.apiKeyEnv ?? ""}`, {
    maxRps: chain2.maxRps ?? READ_DEFAULTS.tron.maxRps,
    maxConcurrency: chain2.maxConcurrency ?? READ_DEFAULTS.tron.maxConcurrency
  });
  return {
    http: new TronHttp({
      urls,
      apiKey: endpoints.apiKey ?? void 0,
      pacer,
      fetch: settings.fetch,
      timeoutMs: settings.timeoutMs ?? READ_DEFAULTS.requestTimeoutMs,
      maxRetries: settings.maxRetries ?? READ_DEFAULTS.tron.maxRetries,
      maxWaitMs: settings.maxWaitMs ?? READ_DEFAULTS.tron.maxWaitMs,
      backoffMs: settings.backoffMs ?? READ_DEFAULTS.tron.backoffMs,
      signal: options.signal,
      head: {
        path: `${prefix}/getnowblock`,
        parse: headBlock
      }
    })
  };
}
function context(http2, chain2) {
  return {
    http: http2,
    prefix: chain2.confirmations > 0 ? "/walletsolidity" : "/wallet"
  };
}
async function readBlock(ctx) {
  return headBlock(await ctx.http.post(`${ctx.prefix}/getnowblock`, {}));
}
function headBlock(answer) {
  const header = answer.body.block_header;
  const number = header?.raw_data?.number;
  if (typeof number === "number" && Number.isSafeInteger(number) && number >= 0) {
    return BigInt(number);
  }
  if (number === void 0 && header?.raw_data) return 0n;
  throw new ReadError("transient", `TRON node ${answer.url} answered getnowblock without block_header.raw_data.number`, {
    url: answer.url,
    status: answer.status
  });
}
async function readPerCall(ctx, prepared, outcomes) {
  await Promise.all(prepared.map(async (p) => {
    outcomes.set(p.query.key, p.token ? await readToken(ctx, p) : await readNative(ctx, p));
  }));
}
async function readNative(ctx, p) {
  const key = p.query.key;
  try {
    const answer = await ctx.http.post(`${ctx.prefix}/getaccount`, {
      address: p.holder.hex
    });
    const text2 = topLevelIntegerText(answer.text, "balance");
    if (text2 !== void 0 && !text2.startsWith("-")) return {
      key,
      ok: true,
      raw: BigInt(text2)
    };
    if (text2 === void 0 && !("balance" in answer.body)) {
      return {
        key,
        ok: true,
        raw: 0n
      };
    }
    return fail2(key, new ReadError("transient", `TRON node ${answer.url} answered getaccount with an invalid balance for ${p.holder.base58}`, {
      url: answer.url,
      status: answer.status
    }));
  } catch (error) {
    return fail2(key, asReadError(error));
  }
}
async function constantCall(ctx, contract, functionSelector, parameter, owner) {
  const answer = await ctx.http.post(`${ctx.prefix}/triggerconstantcontract`, {
    contract_address: contract.hex,
    owner_address: owner.hex,
    function_selector: functionSelector,
    parameter,
    call_value: 0
  });
  return answer.body;
}
async function readToken(ctx, p) {
  const key = p.query.key;
  const token = p.token;
  const what = `balanceOf(${p.holder.base58}) on ${token.base58}`;
  try {
    const body = await constantCall(ctx, token, "balanceOf(address)", addressWord(p.holder), p.holder);
    const url = ctx.http.where(`${ctx.prefix}/triggerconstantcontract`);
    const answer = interpretTrigger(body, what, url);
    if (!answer.ok) return fail2(key, answer.error);
    const value = uint256Return(answer.returnData, what, url);
    return value.ok ? {
      key,
      ok: true,
      raw: value.value
    } : fail2(key, value.error);
  } catch (error) {
    return fail2(key, asReadError(error));
  }
}
async function readWithMulticall(ctx, multicall, prepared, chunkSize, outcomes, energy) {
  const chunks = [];
  for (let i = 0; i < prepared.length; i += chunkSize) {
    chunks.push(prepared.slice(i, i + chunkSize));
  }
  const notes = [];
  const first = await readChunk(ctx, multicall, chunks[0], outcomes, energy);
  if (first === "missing") {
    await readPerCall(ctx, prepared, outcomes);
    return {
      mode: "per-call",
      note: `no multicall contract at ${multicall.base58}; read per call`
    };
  }
  if (first) notes.push(first);
  const rest = await Promise.all(chunks.slice(1).map((c) => readChunk(ctx, multicall, c, outcomes, energy)));
  for (const n of rest) if (n && n !== "missing") notes.push(n);
  if (rest.includes("missing")) notes.push(`multicall contract at ${multicall.base58} vanished`);
  return notes.length > 0 ? {
    mode: "multicall",
    note: [
      ...new Set(notes)
    ].join("; ")
  } : {
    mode: "multicall"
  };
}
async function readChunk(ctx, multicall, chunk, outcomes, energy) {
  const what = `aggregate3 of ${chunk.length} calls on ${multicall.base58}`;
  const url = ctx.http.where(`${ctx.prefix}/triggerconstantcontract`);
  let failure;
  try {
    const rawParameter = encodeAggregate3Parameter(multicall.evm, chunk.map((p) => ({
      holder: p.holder.evm,
      token: p.token?.evm ?? null
    })));
    const body = await constantCall(ctx, multicall, AGGREGATE3_SELECTOR, rawParameter, chunk[0].holder);
    const answer = interpretTrigger(body, what, url);
    if (answer.ok) {
      const results = decodeAggregate3Result(answer.returnData, chunk.length);
      energy.passed = Math.max(energy.passed, chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        outcomes.set(chunk[i].query.key, innerOutcome(chunk[i], results[i], url));
      }
      return void 0;
    }
    if (answer.error.data.rpcCode === "CONTRACT_VALIDATE_ERROR") return "missing";
    failure = answer.error;
  } catch (error) {
    if (error instanceof ReadError) {
      for (const p of chunk) outcomes.set(p.query.key, fail2(p.query.key, error));
      return void 0;
    }
    failure = asReadError(error);
  }
  if (OUT_OF_ENERGY.test(failure.message) && chunk.length > 2) {
    energy.failedAt = Math.min(energy.failedAt ?? chunk.length, chunk.length);
    energy.reason = failure.message.replace(/^.*? failed with /, "").slice(0, 160);
  }
  if (chunk.length <= 2) {
    await readPerCall(ctx, chunk, outcomes);
  } else {
    const half = Math.ceil(chunk.length / 2);
    await Promise.all([
      readChunk(ctx, multicall, chunk.slice(0, half), outcomes, energy),
      readChunk(ctx, multicall, chunk.slice(half), outcomes, energy)
    ]);
  }
  return `an aggregate3 chunk failed as a whole (${failure.message}); it was split`;
}
function learnedSize(chunkSize, energy) {
  if (energy.failedAt === null) return chunkSize;
  const passedBelow = energy.passed < energy.failedAt ? energy.passed : 0;
  return Math.max(shrink(chunkSize, energy.failedAt), passedBelow);
}
function innerOutcome(p, result, url) {
  const key = p.query.key;
  if (result.success && result.returnData.length === 64) {
    return {
      key,
      ok: true,
      raw: BigInt(`0x${result.returnData}`)
    };
  }
  const what = p.token ? `balanceOf(${p.holder.base58}) on ${p.token.base58}` : `getEthBalance(${p.holder.base58})`;
  if (!result.success) {
    return fail2(key, new ReadError("permanent", `${what} reverted: ${revertReason(result.returnData)}`, {
      url
    }));
  }
  const value = uint256Return(result.returnData, what, url);
  return value.ok ? {
    key,
    ok: true,
    raw: value.value
  } : fail2(key, value.error);
}
function asReadError(error) {
  if (error instanceof ReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ReadError("permanent", `TRON call could not be made: ${message}`, {}, {
    cause: error
  });
}
var fail2, readTron, addressWord, OUT_OF_ENERGY;
var init_reader2 = __esm({
  "chains/tron/reader.ts"() {
    init_abi2();
    init_defaults();
    init_endpoints();
    init_errors();
    init_read_limits();
    init_address2();
    init_http4();
    init_json();
    init_multicall();
    init_pacer();
    init_trigger();
    fail2 = (key, error) => ({
      key,
      ok: false,
      error
    });
    readTron = createTronReader();
    addressWord = (address) => address.evm.slice(2).toLowerCase().padStart(64, "0");
    OUT_OF_ENERGY = /OutOfEnergy|Not enough energy|OutOfTime|CPU timeout/i;
  }
});

// ../../../node_modules/.deno/@stablelib+base64@1.0.1/node_modules/@stablelib/base64/lib/base64.js
var require_base64 = __commonJS({
  "../../../node_modules/.deno/@stablelib+base64@1.0.1/node_modules/@stablelib/base64/lib/base64.js"(exports) {
    "use strict";
    var __extends = exports && exports.__extends || /* @__PURE__ */ function() {
      var extendStatics = function(d, b) {
        extendStatics = Object.setPrototypeOf || {
          __proto__: []
        } instanceof Array && function(d2, b2) {
          d2.__proto__ = b2;
        } || function(d2, b2) {
          for (var p in b2) if (b2.hasOwnProperty(p)) d2[p] = b2[p];
        };
        return extendStatics(d, b);
      };
      return function(d, b) {
        extendStatics(d, b);
        function __() {
          this.constructor = d;
        }
        d.prototype = b === null ? Object.create(b) : (__.prototype = b.prototype, new __());
      };
    }();
    Object.defineProperty(exports, "__esModule", {
      value: true
    });
    var INVALID_BYTE = 256;
    var Coder = (
      /** @class */
      function() {
        function Coder2(_paddingCharacter) {
          if (_paddingCharacter === void 0) {
            _paddingCharacter = "=";
          }
          this._paddingCharacter = _paddingCharacter;
        }
        Coder2.prototype.encodedLength = function(length) {
          if (!this._paddingCharacter) {
            return (length * 8 + 5) / 6 | 0;
          }
          return (length + 2) / 3 * 4 | 0;
        };
        Coder2.prototype.encode = function(data) {
          var out = "";
          var i = 0;
          for (; i < data.length - 2; i += 3) {
            var c = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
            out += this._encodeByte(c >>> 3 * 6 & 63);
            out += this._encodeByte(c >>> 2 * 6 & 63);
            out += this._encodeByte(c >>> 1 * 6 & 63);
            out += this._encodeByte(c >>> 0 * 6 & 63);
          }
          var left = data.length - i;
          if (left > 0) {
            var c = data[i] << 16 | (left === 2 ? data[i + 1] << 8 : 0);
            out += this._encodeByte(c >>> 3 * 6 & 63);
            out += this._encodeByte(c >>> 2 * 6 & 63);
            if (left === 2) {
              out += this._encodeByte(c >>> 1 * 6 & 63);
            } else {
              out += this._paddingCharacter || "";
            }
            out += this._paddingCharacter || "";
          }
          return out;
        };
        Coder2.prototype.maxDecodedLength = function(length) {
          if (!this._paddingCharacter) {
            return (length * 6 + 7) / 8 | 0;
          }
          return length / 4 * 3 | 0;
        };
        Coder2.prototype.decodedLength = function(s) {
          return this.maxDecodedLength(s.length - this._getPaddingLength(s));
        };
        Coder2.prototype.decode = function(s) {
          if (s.length === 0) {
            return new Uint8Array(0);
          }
          var paddingLength = this._getPaddingLength(s);
          var length = s.length - paddingLength;
          var out = new Uint8Array(this.maxDecodedLength(length));
          var op = 0;
          var i = 0;
          var haveBad = 0;
          var v0 = 0, v1 = 0, v2 = 0, v3 = 0;
          for (; i < length - 4; i += 4) {
            v0 = this._decodeChar(s.charCodeAt(i + 0));
            v1 = this._decodeChar(s.charCodeAt(i + 1));
            v2 = this._decodeChar(s.charCodeAt(i + 2));
            v3 = this._decodeChar(s.charCodeAt(i + 3));
            out[op++] = v0 << 2 | v1 >>> 4;
            out[op++] = v1 << 4 | v2 >>> 2;
            out[op++] = v2 << 6 | v3;
            haveBad |= v0 & INVALID_BYTE;
            haveBad |= v1 & INVALID_BYTE;
            haveBad |= v2 & INVALID_BYTE;
            haveBad |= v3 & INVALID_BYTE;
          }
          if (i < length - 1) {
            v0 = this._decodeChar(s.charCodeAt(i));
            v1 = this._decodeChar(s.charCodeAt(i + 1));
            out[op++] = v0 << 2 | v1 >>> 4;
            haveBad |= v0 & INVALID_BYTE;
            haveBad |= v1 & INVALID_BYTE;
          }
          if (i < length - 2) {
            v2 = this._decodeChar(s.charCodeAt(i + 2));
            out[op++] = v1 << 4 | v2 >>> 2;
            haveBad |= v2 & INVALID_BYTE;
          }
          if (i < length - 3) {
            v3 = this._decodeChar(s.charCodeAt(i + 3));
            out[op++] = v2 << 6 | v3;
            haveBad |= v3 & INVALID_BYTE;
          }
          if (haveBad !== 0) {
            throw new Error("Base64Coder: incorrect characters for decoding");
          }
          return out;
        };
        Coder2.prototype._encodeByte = function(b) {
          var result = b;
          result += 65;
          result += 25 - b >>> 8 & 0 - 65 - 26 + 97;
          result += 51 - b >>> 8 & 26 - 97 - 52 + 48;
          result += 61 - b >>> 8 & 52 - 48 - 62 + 43;
          result += 62 - b >>> 8 & 62 - 43 - 63 + 47;
          return String.fromCharCode(result);
        };
        Coder2.prototype._decodeChar = function(c) {
          var result = INVALID_BYTE;
          result += (42 - c & c - 44) >>> 8 & -INVALID_BYTE + c - 43 + 62;
          result += (46 - c & c - 48) >>> 8 & -INVALID_BYTE + c - 47 + 63;
          result += (47 - c & c - 58) >>> 8 & -INVALID_BYTE + c - 48 + 52;
          result += (64 - c & c - 91) >>> 8 & -INVALID_BYTE + c - 65 + 0;
          result += (96 - c & c - 123) >>> 8 & -INVALID_BYTE + c - 97 + 26;
          return result;
        };
        Coder2.prototype._getPaddingLength = function(s) {
          var paddingLength = 0;
          if (this._paddingCharacter) {
            for (var i = s.length - 1; i >= 0; i--) {
              if (s[i] !== this._paddingCharacter) {
                break;
              }
              paddingLength++;
            }
            if (s.length < 4 || paddingLength > 2) {
              throw new Error("Base64Coder: incorrect padding");
            }
          }
          return paddingLength;
        };
        return Coder2;
      }()
    );
    exports.Coder = Coder;
    var stdCoder = new Coder();
    function encode(data) {
      return stdCoder.encode(data);
    }
    exports.encode = encode;
    function decode(s) {
      return stdCoder.decode(s);
    }
    exports.decode = decode;
    var URLSafeCoder = (
      /** @class */
      function(_super) {
        __extends(URLSafeCoder2, _super);
        function URLSafeCoder2() {
          return _super !== null && _super.apply(this, arguments) || this;
        }
        URLSafeCoder2.prototype._encodeByte = function(b) {
          var result = b;
          result += 65;
          result += 25 - b >>> 8 & 0 - 65 - 26 + 97;
          result += 51 - b >>> 8 & 26 - 97 - 52 + 48;
          result += 61 - b >>> 8 & 52 - 48 - 62 + 45;
          result += 62 - b >>> 8 & 62 - 45 - 63 + 95;
          return String.fromCharCode(result);
        };
        URLSafeCoder2.prototype._decodeChar = function(c) {
          var result = INVALID_BYTE;
          result += (44 - c & c - 46) >>> 8 & -INVALID_BYTE + c - 45 + 62;
          result += (94 - c & c - 96) >>> 8 & -INVALID_BYTE + c - 95 + 63;
          result += (47 - c & c - 58) >>> 8 & -INVALID_BYTE + c - 48 + 52;
          result += (64 - c & c - 91) >>> 8 & -INVALID_BYTE + c - 65 + 0;
          result += (96 - c & c - 123) >>> 8 & -INVALID_BYTE + c - 97 + 26;
          return result;
        };
        return URLSafeCoder2;
      }(Coder)
    );
    exports.URLSafeCoder = URLSafeCoder;
    var urlSafeCoder = new URLSafeCoder();
    function encodeURLSafe(data) {
      return urlSafeCoder.encode(data);
    }
    exports.encodeURLSafe = encodeURLSafe;
    function decodeURLSafe(s) {
      return urlSafeCoder.decode(s);
    }
    exports.decodeURLSafe = decodeURLSafe;
    exports.encodedLength = function(length) {
      return stdCoder.encodedLength(length);
    };
    exports.maxDecodedLength = function(length) {
      return stdCoder.maxDecodedLength(length);
    };
    exports.decodedLength = function(s) {
      return stdCoder.decodedLength(s);
    };
  }
});

// ../../../node_modules/.deno/fast-sha256@1.3.0/node_modules/fast-sha256/sha256.js
var require_sha256 = __commonJS({
  "../../../node_modules/.deno/fast-sha256@1.3.0/node_modules/fast-sha256/sha256.js"(exports, module) {
    (function(root, factory) {
      var exports2 = {};
      factory(exports2);
      var sha2564 = exports2["default"];
      for (var k in exports2) {
        sha2564[k] = exports2[k];
      }
      if (typeof module === "object" && typeof module.exports === "object") {
        module.exports = sha2564;
      } else if (typeof define === "function" && define.amd) {
        define(function() {
          return sha2564;
        });
      } else {
        root.sha256 = sha2564;
      }
    })(exports, function(exports2) {
      "use strict";
      exports2.__esModule = true;
      exports2.digestLength = 32;
      exports2.blockSize = 64;
      var K2 = new Uint32Array([
        1116352408,
        1899447441,
        3049323471,
        3921009573,
        961987163,
        1508970993,
        2453635748,
        2870763221,
        3624381080,
        310598401,
        607225278,
        1426881987,
        1925078388,
        2162078206,
        2614888103,
        3248222580,
        3835390401,
        4022224774,
        264347078,
        604807628,
        770255983,
        1249150122,
        1555081692,
        1996064986,
        2554220882,
        2821834349,
        2952996808,
        3210313671,
        3336571891,
        3584528711,
        113926993,
        338241895,
        666307205,
        773529912,
        1294757372,
        1396182291,
        1695183700,
        1986661051,
        2177026350,
        2456956037,
        2730485921,
        2820302411,
        3259730800,
        3345764771,
        3516065817,
        3600352804,
        4094571909,
        275423344,
        430227734,
        506948616,
        659060556,
        883997877,
        958139571,
        1322822218,
        1537002063,
        1747873779,
        1955562222,
        2024104815,
        2227730452,
        2361852424,
        2428436474,
        2756734187,
        3204031479,
        3329325298
      ]);
      function hashBlocks(w2, v, p, pos, len) {
        var a, b, c, d, e, f, g, h, u, i, j, t1, t2;
        while (len >= 64) {
          a = v[0];
          b = v[1];
          c = v[2];
          d = v[3];
          e = v[4];
          f = v[5];
          g = v[6];
          h = v[7];
          for (i = 0; i < 16; i++) {
            j = pos + i * 4;
            w2[i] = (p[j] & 255) << 24 | (p[j + 1] & 255) << 16 | (p[j + 2] & 255) << 8 | p[j + 3] & 255;
          }
          for (i = 16; i < 64; i++) {
            u = w2[i - 2];
            t1 = (u >>> 17 | u << 32 - 17) ^ (u >>> 19 | u << 32 - 19) ^ u >>> 10;
            u = w2[i - 15];
            t2 = (u >>> 7 | u << 32 - 7) ^ (u >>> 18 | u << 32 - 18) ^ u >>> 3;
            w2[i] = (t1 + w2[i - 7] | 0) + (t2 + w2[i - 16] | 0);
          }
          for (i = 0; i < 64; i++) {
            t1 = (((e >>> 6 | e << 32 - 6) ^ (e >>> 11 | e << 32 - 11) ^ (e >>> 25 | e << 32 - 25)) + (e & f ^ ~e & g) | 0) + (h + (K2[i] + w2[i] | 0) | 0) | 0;
            t2 = ((a >>> 2 | a << 32 - 2) ^ (a >>> 13 | a << 32 - 13) ^ (a >>> 22 | a << 32 - 22)) + (a & b ^ a & c ^ b & c) | 0;
            h = g;
            g = f;
            f = e;
            e = d + t1 | 0;
            d = c;
            c = b;
            b = a;
            a = t1 + t2 | 0;
          }
          v[0] += a;
          v[1] += b;
          v[2] += c;
          v[3] += d;
          v[4] += e;
          v[5] += f;
          v[6] += g;
          v[7] += h;
          pos += 64;
          len -= 64;
        }
        return pos;
      }
      var Hash2 = (
        /** @class */
        function() {
          function Hash3() {
            this.digestLength = exports2.digestLength;
            this.blockSize = exports2.blockSize;
            this.state = new Int32Array(8);
            this.temp = new Int32Array(64);
            this.buffer = new Uint8Array(128);
            this.bufferLength = 0;
            this.bytesHashed = 0;
            this.finished = false;
            this.reset();
          }
          Hash3.prototype.reset = function() {
            this.state[0] = 1779033703;
            this.state[1] = 3144134277;
            this.state[2] = 1013904242;
            this.state[3] = 2773480762;
            this.state[4] = 1359893119;
            this.state[5] = 2600822924;
            this.state[6] = 528734635;
            this.state[7] = 1541459225;
            this.bufferLength = 0;
            this.bytesHashed = 0;
            this.finished = false;
            return this;
          };
          Hash3.prototype.clean = function() {
            for (var i = 0; i < this.buffer.length; i++) {
              this.buffer[i] = 0;
            }
            for (var i = 0; i < this.temp.length; i++) {
              this.temp[i] = 0;
            }
            this.reset();
          };
          Hash3.prototype.update = function(data, dataLength) {
            if (dataLength === void 0) {
              dataLength = data.length;
            }
            if (this.finished) {
              throw new Error("SHA256: can't update because hash was finished.");
            }
            var dataPos = 0;
            this.bytesHashed += dataLength;
            if (this.bufferLength > 0) {
              while (this.bufferLength < 64 && dataLength > 0) {
                this.buffer[this.bufferLength++] = data[dataPos++];
                dataLength--;
              }
              if (this.bufferLength === 64) {
                hashBlocks(this.temp, this.state, this.buffer, 0, 64);
                this.bufferLength = 0;
              }
            }
            if (dataLength >= 64) {
              dataPos = hashBlocks(this.temp, this.state, data, dataPos, dataLength);
              dataLength %= 64;
            }
            while (dataLength > 0) {
              this.buffer[this.bufferLength++] = data[dataPos++];
              dataLength--;
            }
            return this;
          };
          Hash3.prototype.finish = function(out) {
            if (!this.finished) {
              var bytesHashed = this.bytesHashed;
              var left = this.bufferLength;
              var bitLenHi = bytesHashed / 536870912 | 0;
              var bitLenLo = bytesHashed << 3;
              var padLength = bytesHashed % 64 < 56 ? 64 : 128;
              this.buffer[left] = 128;
              for (var i = left + 1; i < padLength - 8; i++) {
                this.buffer[i] = 0;
              }
              this.buffer[padLength - 8] = bitLenHi >>> 24 & 255;
              this.buffer[padLength - 7] = bitLenHi >>> 16 & 255;
              this.buffer[padLength - 6] = bitLenHi >>> 8 & 255;
              this.buffer[padLength - 5] = bitLenHi >>> 0 & 255;
              this.buffer[padLength - 4] = bitLenLo >>> 24 & 255;
              this.buffer[padLength - 3] = bitLenLo >>> 16 & 255;
              this.buffer[padLength - 2] = bitLenLo >>> 8 & 255;
              this.buffer[padLength - 1] = bitLenLo >>> 0 & 255;
              hashBlocks(this.temp, this.state, this.buffer, 0, padLength);
              this.finished = true;
            }
            for (var i = 0; i < 8; i++) {
              out[i * 4 + 0] = this.state[i] >>> 24 & 255;
              out[i * 4 + 1] = this.state[i] >>> 16 & 255;
              out[i * 4 + 2] = this.state[i] >>> 8 & 255;
              out[i * 4 + 3] = this.state[i] >>> 0 & 255;
            }
            return this;
          };
          Hash3.prototype.digest = function() {
            var out = new Uint8Array(this.digestLength);
            this.finish(out);
            return out;
          };
          Hash3.prototype._saveState = function(out) {
            for (var i = 0; i < this.state.length; i++) {
              out[i] = this.state[i];
            }
          };
          Hash3.prototype._restoreState = function(from, bytesHashed) {
            for (var i = 0; i < this.state.length; i++) {
              this.state[i] = from[i];
            }
            this.bytesHashed = bytesHashed;
            this.finished = false;
            this.bufferLength = 0;
          };
          return Hash3;
        }()
      );
      exports2.Hash = Hash2;
      var HMAC = (
        /** @class */
        function() {
          function HMAC2(key) {
            this.inner = new Hash2();
            this.outer = new Hash2();
            this.blockSize = this.inner.blockSize;
            this.digestLength = this.inner.digestLength;
            var pad2 = new Uint8Array(this.blockSize);
            if (key.length > this.blockSize) {
              new Hash2().update(key).finish(pad2).clean();
            } else {
              for (var i = 0; i < key.length; i++) {
                pad2[i] = key[i];
              }
            }
            for (var i = 0; i < pad2.length; i++) {
              pad2[i] ^= 54;
            }
            this.inner.update(pad2);
            for (var i = 0; i < pad2.length; i++) {
              pad2[i] ^= 54 ^ 92;
            }
            this.outer.update(pad2);
            this.istate = new Uint32Array(8);
            this.ostate = new Uint32Array(8);
            this.inner._saveState(this.istate);
            this.outer._saveState(this.ostate);
            for (var i = 0; i < pad2.length; i++) {
              pad2[i] = 0;
            }
          }
          HMAC2.prototype.reset = function() {
            this.inner._restoreState(this.istate, this.inner.blockSize);
            this.outer._restoreState(this.ostate, this.outer.blockSize);
            return this;
          };
          HMAC2.prototype.clean = function() {
            for (var i = 0; i < this.istate.length; i++) {
              this.ostate[i] = this.istate[i] = 0;
            }
            this.inner.clean();
            this.outer.clean();
          };
          HMAC2.prototype.update = function(data) {
            this.inner.update(data);
            return this;
          };
          HMAC2.prototype.finish = function(out) {
            if (this.outer.finished) {
              this.outer.finish(out);
            } else {
              this.inner.finish(out);
              this.outer.update(out, this.digestLength).finish(out);
            }
            return this;
          };
          HMAC2.prototype.digest = function() {
            var out = new Uint8Array(this.digestLength);
            this.finish(out);
            return out;
          };
          return HMAC2;
        }()
      );
      exports2.HMAC = HMAC;
      function hash(data) {
        var h = new Hash2().update(data);
        var digest2 = h.digest();
        h.clean();
        return digest2;
      }
      exports2.hash = hash;
      exports2["default"] = hash;
      function hmac(key, data) {
        var h = new HMAC(key).update(data);
        var digest2 = h.digest();
        h.clean();
        return digest2;
      }
      exports2.hmac = hmac;
      function fillBuffer(buffer2, hmac2, info, counter) {
        var num2 = counter[0];
        if (num2 === 0) {
          throw new Error("hkdf: cannot expand more");
        }
        hmac2.reset();
        if (num2 > 1) {
          hmac2.update(buffer2);
        }
        if (info) {
          hmac2.update(info);
        }
        hmac2.update(counter);
        hmac2.finish(buffer2);
        counter[0]++;
      }
      var hkdfSalt = new Uint8Array(exports2.digestLength);
      function hkdf(key, salt, info, length) {
        if (salt === void 0) {
          salt = hkdfSalt;
        }
        if (length === void 0) {
          length = 32;
        }
        var counter = new Uint8Array([
          1
        ]);
        var okm = hmac(salt, key);
        var hmac_ = new HMAC(okm);
        var buffer2 = new Uint8Array(hmac_.digestLength);
        var bufpos = buffer2.length;
        var out = new Uint8Array(length);
        for (var i = 0; i < length; i++) {
          if (bufpos === buffer2.length) {
            fillBuffer(buffer2, hmac_, info, counter);
            bufpos = 0;
          }
          out[i] = buffer2[bufpos++];
        }
        hmac_.clean();
        buffer2.fill(0);
        counter.fill(0);
        return out;
      }
      exports2.hkdf = hkdf;
      function pbkdf2(password, salt, iterations, dkLen) {
        var prf = new HMAC(password);
        var len = prf.digestLength;
        var ctr = new Uint8Array(4);
        var t = new Uint8Array(len);
        var u = new Uint8Array(len);
        var dk = new Uint8Array(dkLen);
        for (var i = 0; i * len < dkLen; i++) {
          var c = i + 1;
          ctr[0] = c >>> 24 & 255;
          ctr[1] = c >>> 16 & 255;
          ctr[2] = c >>> 8 & 255;
          ctr[3] = c >>> 0 & 255;
          prf.reset();
          prf.update(salt);
          prf.update(ctr);
          prf.finish(u);
          for (var j = 0; j < len; j++) {
            t[j] = u[j];
          }
          for (var j = 2; j <= iterations; j++) {
            prf.reset();
            prf.update(u).finish(u);
            for (var k = 0; k < len; k++) {
              t[k] ^= u[k];
            }
          }
          for (var j = 0; j < len && i * len + j < dkLen; j++) {
            dk[i * len + j] = t[j];
          }
        }
        for (var i = 0; i < len; i++) {
          t[i] = u[i] = 0;
        }
        for (var i = 0; i < 4; i++) {
          ctr[i] = 0;
        }
        prf.clean();
        return dk;
      }
      exports2.pbkdf2 = pbkdf2;
    });
  }
});

// ../../../node_modules/.deno/standardwebhooks@1.3.0/node_modules/standardwebhooks/dist/timing_safe_equal.js
var require_timing_safe_equal = __commonJS({
  "../../../node_modules/.deno/standardwebhooks@1.3.0/node_modules/standardwebhooks/dist/timing_safe_equal.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", {
      value: true
    });
    exports.timingSafeEqual = timingSafeEqual;
    function assert(expr, msg = "") {
      if (!expr) {
        throw new Error(msg);
      }
    }
    function timingSafeEqual(a, b) {
      if (a.byteLength !== b.byteLength) {
        return false;
      }
      if (!(a instanceof DataView)) {
        a = new DataView(ArrayBuffer.isView(a) ? a.buffer : a);
      }
      if (!(b instanceof DataView)) {
        b = new DataView(ArrayBuffer.isView(b) ? b.buffer : b);
      }
      assert(a instanceof DataView);
      assert(b instanceof DataView);
      const length = a.byteLength;
      let out = 0;
      let i = -1;
      while (++i < length) {
        out |= a.getUint8(i) ^ b.getUint8(i);
      }
      return out === 0;
    }
  }
});

// ../../../node_modules/.deno/standardwebhooks@1.3.0/node_modules/standardwebhooks/dist/index.js
var require_dist = __commonJS({
  "../../../node_modules/.deno/standardwebhooks@1.3.0/node_modules/standardwebhooks/dist/index.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", {
      value: true
    });
    exports.Webhook = exports.WebhookVerificationError = void 0;
    var base64 = require_base64();
    var sha2564 = require_sha256();
    var timing_safe_equal_1 = require_timing_safe_equal();
    var WEBHOOK_TOLERANCE_IN_SECONDS = 5 * 60;
    var ExtendableError = class _ExtendableError extends Error {
      constructor(message) {
        super(message);
        Object.setPrototypeOf(this, _ExtendableError.prototype);
        this.name = "ExtendableError";
        this.stack = new Error(message).stack;
      }
    };
    var WebhookVerificationError = class _WebhookVerificationError extends ExtendableError {
      constructor(message) {
        super(message);
        Object.setPrototypeOf(this, _WebhookVerificationError.prototype);
        this.name = "WebhookVerificationError";
      }
    };
    exports.WebhookVerificationError = WebhookVerificationError;
    function payloadBytes(payload) {
      if (typeof payload === "string") {
        return new TextEncoder().encode(payload);
      }
      if (ArrayBuffer.isView(payload) && payload.BYTES_PER_ELEMENT === 1) {
        return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      }
      throw new Error("Expected payload to be of type string, Buffer or Uint8Array.");
    }
    var Webhook2 = class _Webhook {
      constructor(secret, options) {
        if ((options === null || options === void 0 ? void 0 : options.format) === "raw") {
          if (secret instanceof Uint8Array) {
            this.key = secret;
          } else {
            this.key = Uint8Array.from(secret, (c) => c.charCodeAt(0));
          }
        } else {
          if (typeof secret !== "string") {
            throw new Error("Expected secret to be of type string");
          }
          if (secret.startsWith(_Webhook.prefix)) {
            secret = secret.substring(_Webhook.prefix.length);
          }
          this.key = base64.decode(secret);
        }
        if (this.key.length === 0) {
          throw new Error("Secret can't be empty.");
        }
      }
      verify(payload, headers, options) {
        var _a;
        const jsonParse = (_a = options === null || options === void 0 ? void 0 : options.jsonParse) !== null && _a !== void 0 ? _a : true;
        const normalizedHeaders = {};
        for (const key of Object.keys(headers)) {
          normalizedHeaders[key.toLowerCase()] = headers[key];
        }
        const msgId = normalizedHeaders["webhook-id"];
        const msgSignature = normalizedHeaders["webhook-signature"];
        const msgTimestamp = normalizedHeaders["webhook-timestamp"];
        if (!msgSignature || !msgId || !msgTimestamp) {
          throw new WebhookVerificationError("Missing required headers");
        }
        const timestamp = this.verifyTimestamp(msgTimestamp);
        const bytes = payloadBytes(payload);
        const encoder4 = new globalThis.TextEncoder();
        const expectedSignature = encoder4.encode(this.sign(msgId, timestamp, bytes));
        const passedSignatures = msgSignature.split(" ");
        if (!passedSignatures.some((versionedSignature) => (0, timing_safe_equal_1.timingSafeEqual)(encoder4.encode(versionedSignature), expectedSignature))) {
          throw new WebhookVerificationError("No matching signature found");
        }
        if (bytes.length === 0) {
          return void 0;
        }
        if (jsonParse) {
          return JSON.parse(typeof payload === "string" ? payload : new TextDecoder().decode(bytes));
        } else {
          return void 0;
        }
      }
      sign(msgId, timestamp, payload) {
        const bytes = payloadBytes(payload);
        const timestampNumber = Math.floor(timestamp.getTime() / 1e3);
        const prefix = new TextEncoder().encode(`${msgId}.${timestampNumber}.`);
        const toSign = new Uint8Array(prefix.length + bytes.length);
        toSign.set(prefix);
        toSign.set(bytes, prefix.length);
        const expectedSignature = base64.encode(sha2564.hmac(this.key, toSign));
        return `v1,${expectedSignature}`;
      }
      endpointVerificationResponse(challenge) {
        const encoder4 = new TextEncoder();
        const verificationKey = sha2564.hmac(this.key, encoder4.encode("wev-v1"));
        const signature = base64.encode(sha2564.hmac(verificationKey, encoder4.encode(challenge)));
        return `v1,${signature}`;
      }
      verifyEndpointVerificationResponse(challenge, header) {
        if (!header) {
          throw new WebhookVerificationError("Missing challenge response");
        }
        const encoder4 = new globalThis.TextEncoder();
        const expectedSignature = encoder4.encode(this.endpointVerificationResponse(challenge));
        if (!(0, timing_safe_equal_1.timingSafeEqual)(encoder4.encode(header), expectedSignature)) {
          throw new WebhookVerificationError("No matching signature found");
        }
      }
      verifyTimestamp(timestampHeader) {
        const now = Math.floor(Date.now() / 1e3);
        const timestamp = parseInt(timestampHeader, 10);
        if (Number.isNaN(timestamp)) {
          throw new WebhookVerificationError("Invalid Signature Headers");
        }
        if (now - timestamp > WEBHOOK_TOLERANCE_IN_SECONDS) {
          throw new WebhookVerificationError("Message timestamp too old");
        }
        if (timestamp > now + WEBHOOK_TOLERANCE_IN_SECONDS) {
          throw new WebhookVerificationError("Message timestamp too new");
        }
        return new Date(timestamp * 1e3);
      }
    };
    exports.Webhook = Webhook2;
    Webhook2.prefix = "whsec_";
  }
});

// chains/readers.ts
init_errors();
var LOADERS = {
  evm: () => Promise.resolve().then(() => (init_reader(), reader_exports)).then((m) => m.readEvm),
  tron: () => Promise.resolve().then(() => (init_reader2(), reader_exports2)).then((m) => m.readTron)
};
function createReaderRegistry(loaders) {
  const loaded = /* @__PURE__ */ new Map();
  return (family) => {
    const load = loaders[family];
    if (!load) {
      return Promise.resolve(failing(new ReadError("configuration", `no reader for chain family "${family}"`)));
    }
    let reader = loaded.get(family);
    if (!reader) {
      reader = load();
      loaded.set(family, reader);
    }
    return reader.then((read) => neverRejecting(family, read), (cause) => {
      loaded.delete(family);
      return failing(unexpected(family, cause, "the reader could not load: "));
    });
  };
}
var readers = createReaderRegistry(LOADERS);
function neverRejecting(family, read) {
  return async (chain2, queries, options) => {
    try {
      const result = await read(chain2, queries, options);
      return withEveryQuery(result, queries, new ReadError("transient", "no outcome for this query"));
    } catch (error) {
      return withEveryQuery(NOTHING_READ, queries, unexpected(family, error));
    }
  };
}
var NOTHING_READ = {
  block: null,
  outcomes: [],
  requests: 0,
  mode: "per-call"
};
var failing = (error) => (_chain, queries) => Promise.resolve(withEveryQuery(NOTHING_READ, queries, error));
var unexpected = (family, cause, what = "") => new ReadError("transient", `${family} read failed unexpectedly: ${what}${cause instanceof Error ? cause.message : String(cause)}`, {}, {
  cause
});
function withEveryQuery(read, queries, missing) {
  if (inQueryOrder(read.outcomes, queries)) return read;
  const byKey = /* @__PURE__ */ new Map();
  for (const outcome of read.outcomes) if (outcome) byKey.set(outcome.key, outcome);
  return {
    ...read,
    outcomes: queries.map((q) => byKey.get(q.key) ?? {
      key: q.key,
      ok: false,
      error: missing
    })
  };
}
function inQueryOrder(outcomes, queries) {
  if (outcomes.length !== queries.length) return false;
  for (let i = 0; i < queries.length; i++) {
    if (outcomes[i]?.key !== queries[i].key) return false;
  }
  return true;
}

// config_error.ts
var ConfigError = class extends Error {
  variable;
  name;
  constructor(variable, message) {
    super(`${variable}: ${message}`), this.variable = variable, this.name = "ConfigError";
  }
};

// db/keys.ts
var SECRET_KEY_NAME_VARIABLE = "BALANCE_SYNC_SECRET_KEY_NAME";
var REFUSE_LEGACY_VARIABLE = "BALANCE_SYNC_REFUSE_LEGACY_KEYS";
var DEFAULT_SECRET_KEY_NAME = "default";
function parseSecretKeys(raw) {
  const keys = /* @__PURE__ */ new Map();
  if (!raw?.trim()) return keys;
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError("SUPABASE_SECRET_KEYS", "must be a JSON object of name to key");
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string" || value.trim().length === 0) {
      throw new ConfigError("SUPABASE_SECRET_KEYS", `entry "${name}" must be a non-empty string`);
    }
    keys.set(name, value.trim());
  }
  return keys;
}
function flag(env, name) {
  const raw = env(name)?.trim().toLowerCase();
  if (raw === void 0 || raw === "") return false;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}
function loadApiKeys(env) {
  const refuseLegacyKeys = flag(env, REFUSE_LEGACY_VARIABLE);
  const serviceRoleKey = env("SUPABASE_SERVICE_ROLE_KEY")?.trim() || null;
  const named = parseSecretKeys(env("SUPABASE_SECRET_KEYS"));
  const secretKeys = [
    ...named.values()
  ];
  const chosenName = env(SECRET_KEY_NAME_VARIABLE)?.trim() || null;
  if (named.size > 0) {
    const name = chosenName ?? DEFAULT_SECRET_KEY_NAME;
    const key = named.get(name);
    if (key === void 0) {
      throw new ConfigError(chosenName ? SECRET_KEY_NAME_VARIABLE : "SUPABASE_SECRET_KEYS", `has no key named "${name}" (names: ${[
        ...named.keys()
      ].join(", ")}); set ${chosenName ? "it" : SECRET_KEY_NAME_VARIABLE} to one of them`);
    }
    return {
      databaseKey: key,
      databaseKeyKind: "secret_key",
      serviceRoleKey,
      secretKeys,
      refuseLegacyKeys
    };
  }
  if (chosenName) {
    throw new ConfigError(SECRET_KEY_NAME_VARIABLE, "is set but SUPABASE_SECRET_KEYS is empty");
  }
  if (refuseLegacyKeys) {
    throw new ConfigError("SUPABASE_SECRET_KEYS", `is required when ${REFUSE_LEGACY_VARIABLE} is true (SUPABASE_SERVICE_ROLE_KEY is a legacy key)`);
  }
  if (serviceRoleKey === null) {
    throw new ConfigError("SUPABASE_SECRET_KEYS or SUPABASE_SERVICE_ROLE_KEY", "one of them is required (a secret key, or the legacy service-role key); neither is set");
  }
  return {
    databaseKey: serviceRoleKey,
    databaseKeyKind: "service_role",
    serviceRoleKey,
    secretKeys,
    refuseLegacyKeys
  };
}

// config.ts
var RETIRED_VARIABLES = [
  {
    variable: "BALANCE_SYNC_MIN_INTERVAL_SECONDS",
    setting: "min_interval_seconds"
  },
  {
    variable: "BALANCE_SYNC_MAX_ROWS_PER_RUN",
    setting: "rows_per_run"
  },
  {
    variable: "BALANCE_SYNC_PG_NET_TIMEOUT_MS",
    setting: "pg_net_timeout_ms"
  }
];
var PG_NET_TIMEOUT_MS = 4e4;
var SETTING_DEFAULTS = {
  minIntervalSeconds: 30,
  rowsPerRun: 2e3,
  pgNetTimeoutMs: PG_NET_TIMEOUT_MS
};
var MAX_BUDGET_MS = 3e5;
var DEFAULTS = {
  batchSize: 50,
  leaseSeconds: 120,
  budgetMs: 25e3,
  maxBatches: 100,
  logLevel: "info",
  maxForcedIds: 1e3,
  // Hosted Supabase cancels a statement of `authenticator` (and so of service_role) after 8 s: a
  // longer wait here would only wait for an answer that cannot come.
  storeTimeoutMs: 8e3,
  cpuBudgetMs: 800,
  abortGraceMs: 1e3,
  maxRowLogLines: 20
};
var finishByMs = (pgNetTimeoutMs) => Math.floor(pgNetTimeoutMs * 7 / 8);
var LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warn",
  "error"
];
function integer(env, name, fallback2, min, max) {
  const raw = env(name)?.trim();
  if (raw === void 0 || raw === "") return fallback2;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(name, `must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}
function required(env, name) {
  const value = env(name)?.trim();
  if (!value) throw new ConfigError(name, "is required");
  return value;
}
function loadConfig(env = (name) => Deno.env.get(name)) {
  const supabaseUrl = required(env, "SUPABASE_URL");
  try {
    const url = new URL(supabaseUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new ConfigError("SUPABASE_URL", "must be an http(s) URL");
  }
  const keys = loadApiKeys(env);
  const rawLevel = env("BALANCE_SYNC_LOG_LEVEL")?.trim().toLowerCase() || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(rawLevel)) {
    throw new ConfigError("BALANCE_SYNC_LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}, got "${rawLevel}"`);
  }
  const storeTimeoutMs = integer(env, "BALANCE_SYNC_STORE_TIMEOUT_MS", DEFAULTS.storeTimeoutMs, 50, 6e4);
  const budgetMs = integer(env, "BALANCE_SYNC_BUDGET_MS", DEFAULTS.budgetMs, 100, MAX_BUDGET_MS - storeTimeoutMs);
  const leaseSeconds = integer(env, "BALANCE_SYNC_LEASE_SECONDS", DEFAULTS.leaseSeconds, 1, 3600);
  if (leaseSeconds * 1e3 < budgetMs + storeTimeoutMs) {
    throw new ConfigError("BALANCE_SYNC_LEASE_SECONDS", `must cover the run budget plus the final write (${Math.ceil((budgetMs + storeTimeoutMs) / 1e3)} s), got ${leaseSeconds}`);
  }
  const syncSecret = env("BALANCE_SYNC_SECRET")?.trim() || null;
  if (syncSecret !== null && /[\x00-\x1f\x7f]/.test(syncSecret)) {
    throw new ConfigError("BALANCE_SYNC_SECRET", "contains a control character (a line break?) inside the value; an HTTP header cannot carry it");
  }
  if (syncSecret !== null && syncSecret.length < 16) {
    throw new ConfigError("BALANCE_SYNC_SECRET", "must be at least 16 characters long");
  }
  return {
    batchSize: integer(env, "BALANCE_SYNC_BATCH_SIZE", DEFAULTS.batchSize, 1, 5e3),
    leaseSeconds,
    budgetMs,
    maxBatches: integer(env, "BALANCE_SYNC_MAX_BATCHES", DEFAULTS.maxBatches, 1, 1e5),
    logLevel: rawLevel,
    maxForcedIds: integer(env, "BALANCE_SYNC_MAX_FORCED_IDS", DEFAULTS.maxForcedIds, 1, 1e4),
    storeTimeoutMs,
    cpuBudgetMs: integer(env, "BALANCE_SYNC_CPU_BUDGET_MS", DEFAULTS.cpuBudgetMs, 10, 6e4),
    abortGraceMs: integer(env, "BALANCE_SYNC_ABORT_GRACE_MS", DEFAULTS.abortGraceMs, 0, 1e4),
    maxRowLogLines: integer(env, "BALANCE_SYNC_MAX_ROW_LOG_LINES", DEFAULTS.maxRowLogLines, 0, 90),
    supabaseUrl,
    ...keys,
    syncSecret,
    // Whatever their value (a malformed one too): they are not read, and must not stop a deploy.
    retiredVariables: RETIRED_VARIABLES.filter((r) => (env(r.variable)?.trim() ?? "") !== "")
  };
}

// ../../../node_modules/.deno/@supabase+postgrest-js@2.119.1/node_modules/@supabase/postgrest-js/dist/index.mjs
var PostgrestError = class extends Error {
  /**
  * @example
  * ```ts
  * import PostgrestError from '@supabase/postgrest-js'
  *
  * throw new PostgrestError({
  *   message: 'Row level security prevented the request',
  *   details: 'RLS denied the insert',
  *   hint: 'Check your policies',
  *   code: 'PGRST301',
  * })
  * ```
  */
  constructor(context2) {
    super(context2.message);
    this.name = "PostgrestError";
    this.details = context2.details;
    this.hint = context2.hint;
    this.code = context2.code;
  }
  toJSON() {
    return {
      name: this.name,
      message: this.message,
      details: this.details,
      hint: this.hint,
      code: this.code
    };
  }
};
var DEFAULT_MAX_RETRIES = 3;
var getRetryDelay = (attemptIndex) => Math.min(1e3 * 2 ** attemptIndex, 3e4);
var RETRYABLE_STATUS_CODES = [
  520,
  503
];
var RETRYABLE_METHODS = [
  "GET",
  "HEAD",
  "OPTIONS"
];
function _typeof(o) {
  "@babel/helpers - typeof";
  return _typeof = "function" == typeof Symbol && "symbol" == typeof Symbol.iterator ? function(o$1) {
    return typeof o$1;
  } : function(o$1) {
    return o$1 && "function" == typeof Symbol && o$1.constructor === Symbol && o$1 !== Symbol.prototype ? "symbol" : typeof o$1;
  }, _typeof(o);
}
function toPrimitive(t, r) {
  if ("object" != _typeof(t) || !t) return t;
  var e = t[Symbol.toPrimitive];
  if (void 0 !== e) {
    var i = e.call(t, r || "default");
    if ("object" != _typeof(i)) return i;
    throw new TypeError("@@toPrimitive must return a primitive value.");
  }
  return ("string" === r ? String : Number)(t);
}
function toPropertyKey(t) {
  var i = toPrimitive(t, "string");
  return "symbol" == _typeof(i) ? i : i + "";
}
function _defineProperty(e, r, t) {
  return (r = toPropertyKey(r)) in e ? Object.defineProperty(e, r, {
    value: t,
    enumerable: true,
    configurable: true,
    writable: true
  }) : e[r] = t, e;
}
function ownKeys(e, r) {
  var t = Object.keys(e);
  if (Object.getOwnPropertySymbols) {
    var o = Object.getOwnPropertySymbols(e);
    r && (o = o.filter(function(r$1) {
      return Object.getOwnPropertyDescriptor(e, r$1).enumerable;
    })), t.push.apply(t, o);
  }
  return t;
}
function _objectSpread2(e) {
  for (var r = 1; r < arguments.length; r++) {
    var t = null != arguments[r] ? arguments[r] : {};
    r % 2 ? ownKeys(Object(t), true).forEach(function(r$1) {
      _defineProperty(e, r$1, t[r$1]);
    }) : Object.getOwnPropertyDescriptors ? Object.defineProperties(e, Object.getOwnPropertyDescriptors(t)) : ownKeys(Object(t)).forEach(function(r$1) {
      Object.defineProperty(e, r$1, Object.getOwnPropertyDescriptor(t, r$1));
    });
  }
  return e;
}
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal === null || signal === void 0 ? void 0 : signal.aborted) {
      resolve();
      return;
    }
    const id = setTimeout(() => {
      signal === null || signal === void 0 || signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(id);
      resolve();
    }
    signal === null || signal === void 0 || signal.addEventListener("abort", onAbort);
  });
}
function shouldRetry2(method, status, attemptCount, retryEnabled) {
  if (!retryEnabled || attemptCount >= DEFAULT_MAX_RETRIES) return false;
  if (!RETRYABLE_METHODS.includes(method)) return false;
  if (!RETRYABLE_STATUS_CODES.includes(status)) return false;
  return true;
}
async function fetchWithRetry(fetchImpl, url, request, retryEnabled) {
  let attemptCount = 0;
  while (true) {
    const headers = _objectSpread2({}, request.headers);
    if (attemptCount > 0) headers["X-Retry-Count"] = String(attemptCount);
    let res;
    try {
      res = await fetchImpl(url, {
        method: request.method,
        headers,
        body: request.body,
        signal: request.signal
      });
    } catch (fetchError) {
      var _request$signal;
      if ((fetchError === null || fetchError === void 0 ? void 0 : fetchError.name) === "AbortError" || (fetchError === null || fetchError === void 0 ? void 0 : fetchError.code) === "ABORT_ERR" || (fetchError === null || fetchError === void 0 ? void 0 : fetchError.name) === "TimeoutError" && ((_request$signal = request.signal) === null || _request$signal === void 0 ? void 0 : _request$signal.aborted)) throw fetchError;
      if (!RETRYABLE_METHODS.includes(request.method)) throw fetchError;
      if (retryEnabled && attemptCount < DEFAULT_MAX_RETRIES) {
        const delay = getRetryDelay(attemptCount);
        attemptCount++;
        await sleep(delay, request.signal);
        continue;
      }
      throw fetchError;
    }
    if (shouldRetry2(request.method, res.status, attemptCount, retryEnabled)) {
      var _res$headers$get, _res$headers;
      const retryAfterHeader = (_res$headers$get = (_res$headers = res.headers) === null || _res$headers === void 0 ? void 0 : _res$headers.get("Retry-After")) !== null && _res$headers$get !== void 0 ? _res$headers$get : null;
      const delay = retryAfterHeader !== null ? Math.max(0, parseInt(retryAfterHeader, 10) || 0) * 1e3 : getRetryDelay(attemptCount);
      await res.text();
      attemptCount++;
      await sleep(delay, request.signal);
      continue;
    }
    return res;
  }
}
var PostgrestBuilder = class {
  /**
  * Creates a builder configured for a specific PostgREST request.
  *
  * @example Using supabase-js (recommended)
  * ```ts
  * import { createClient } from '@supabase/supabase-js'
  *
  * const supabase = createClient('https://xyzcompany.supabase.co', 'your-publishable-key')
  * const { data, error } = await supabase.from('users').select('*')
  * ```
  *
  * @category Database
  *
  * @example Standalone import for bundle-sensitive environments
  * ```ts
  * import { PostgrestQueryBuilder } from '@supabase/postgrest-js'
  *
  * const builder = new PostgrestQueryBuilder(
  *   new URL('https://xyzcompany.supabase.co/rest/v1/users'),
  *   { headers: new Headers({ apikey: 'your-publishable-key' }) }
  * )
  * ```
  */
  constructor(builder) {
    var _builder$shouldThrowO, _builder$isMaybeSingl, _builder$shouldStripN, _builder$urlLengthLim, _builder$retry;
    this.shouldThrowOnError = false;
    this.retryEnabled = true;
    this.method = builder.method;
    this.url = builder.url;
    this.headers = new Headers(builder.headers);
    this.schema = builder.schema;
    this.body = builder.body;
    this.shouldThrowOnError = (_builder$shouldThrowO = builder.shouldThrowOnError) !== null && _builder$shouldThrowO !== void 0 ? _builder$shouldThrowO : false;
    this.signal = builder.signal;
    this.isMaybeSingle = (_builder$isMaybeSingl = builder.isMaybeSingle) !== null && _builder$isMaybeSingl !== void 0 ? _builder$isMaybeSingl : false;
    this.shouldStripNulls = (_builder$shouldStripN = builder.shouldStripNulls) !== null && _builder$shouldStripN !== void 0 ? _builder$shouldStripN : false;
    this.urlLengthLimit = (_builder$urlLengthLim = builder.urlLengthLimit) !== null && _builder$urlLengthLim !== void 0 ? _builder$urlLengthLim : 8e3;
    this.retryEnabled = (_builder$retry = builder.retry) !== null && _builder$retry !== void 0 ? _builder$retry : true;
    if (builder.fetch) this.fetch = builder.fetch;
    else this.fetch = fetch;
  }
  /**
  * If there's an error with the query, throwOnError will reject the promise by
  * throwing the error instead of returning it as part of a successful response.
  *
  * {@link https://github.com/supabase/supabase-js/issues/92}
  *
  * @category Database
  * @subcategory Using modifiers
  */
  throwOnError() {
    this.shouldThrowOnError = true;
    return this;
  }
  /**
  * Strip null values from the response data. Properties with `null` values
  * will be omitted from the returned JSON objects.
  *
  * Requires PostgREST 11.2.0+.
  *
  * {@link https://docs.postgrest.org/en/stable/references/api/resource_representation.html#stripped-nulls}
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .stripNulls()
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text, bio text);
  *
  * insert into
  *   characters (id, name, bio)
  * values
  *   (1, 'Luke', null),
  *   (2, 'Leia', 'Princess of Alderaan');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Luke"
  *     },
  *     {
  *       "id": 2,
  *       "name": "Leia",
  *       "bio": "Princess of Alderaan"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  stripNulls() {
    if (this.headers.get("Accept") === "text/csv") throw new Error("stripNulls() cannot be used with csv()");
    this.shouldStripNulls = true;
    return this;
  }
  /**
  * Set an HTTP header on this single PostgREST request, overriding any header
  * with the same name set on the client.
  *
  * This is an advanced escape hatch for one-off needs (passing a custom
  * `Authorization` for a single query, attaching a tracing header, etc.).
  * Most callers do not need it: configure client-wide headers via the
  * `headers` option when constructing the client, and authentication via
  * Supabase Auth.
  *
  * @param name - HTTP header name
  * @param value - HTTP header value
  *
  * @category Database
  * @subcategory Using modifiers
  */
  setHeader(name, value) {
    this.headers = new Headers(this.headers);
    this.headers.set(name, value);
    return this;
  }
  /**
  * @category Database
  * @subcategory Using modifiers
  *
  * Configure retry behavior for this request.
  *
  * By default, retries are enabled for idempotent requests (GET, HEAD, OPTIONS)
  * that fail with network errors or specific HTTP status codes (503, 520).
  * Retries use exponential backoff (1s, 2s, 4s) with a maximum of 3 attempts.
  *
  * @param enabled - Whether to enable retries for this request
  *
  * @example
  * ```ts
  * // Disable retries for a specific query
  * const { data, error } = await supabase
  *   .from('users')
  *   .select()
  *   .retry(false)
  * ```
  */
  retry(enabled) {
    this.retryEnabled = enabled;
    return this;
  }
  then(onfulfilled, onrejected) {
    var _this = this;
    if (this.schema === void 0) {
    } else if ([
      "GET",
      "HEAD"
    ].includes(this.method)) this.headers.set("Accept-Profile", this.schema);
    else this.headers.set("Content-Profile", this.schema);
    if (this.method !== "GET" && this.method !== "HEAD") this.headers.set("Content-Type", "application/json");
    if (this.shouldStripNulls) {
      const currentAccept = this.headers.get("Accept");
      if (currentAccept === "application/vnd.pgrst.object+json") this.headers.set("Accept", "application/vnd.pgrst.object+json;nulls=stripped");
      else if (!currentAccept || currentAccept === "application/json") this.headers.set("Accept", "application/vnd.pgrst.array+json;nulls=stripped");
    }
    const _fetch = this.fetch;
    const executeWithRetry = async () => {
      const headers = {};
      _this.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const res$1 = await fetchWithRetry(_fetch, _this.url.toString(), {
        method: _this.method,
        headers,
        body: JSON.stringify(_this.body, (_, value) => typeof value === "bigint" ? value.toString() : value),
        signal: _this.signal
      }, _this.retryEnabled);
      return await _this.processResponse(res$1);
    };
    let res = executeWithRetry();
    if (!this.shouldThrowOnError) res = res.catch((fetchError) => {
      var _fetchError$name2;
      let errorDetails = "";
      let hint = "";
      let code = "";
      const cause = fetchError === null || fetchError === void 0 ? void 0 : fetchError.cause;
      if (cause) {
        var _cause$message, _cause$code, _fetchError$name, _cause$name;
        const causeMessage = (_cause$message = cause === null || cause === void 0 ? void 0 : cause.message) !== null && _cause$message !== void 0 ? _cause$message : "";
        const causeCode = (_cause$code = cause === null || cause === void 0 ? void 0 : cause.code) !== null && _cause$code !== void 0 ? _cause$code : "";
        errorDetails = `${(_fetchError$name = fetchError === null || fetchError === void 0 ? void 0 : fetchError.name) !== null && _fetchError$name !== void 0 ? _fetchError$name : "FetchError"}: ${fetchError === null || fetchError === void 0 ? void 0 : fetchError.message}`;
        errorDetails += `

Caused by: ${(_cause$name = cause === null || cause === void 0 ? void 0 : cause.name) !== null && _cause$name !== void 0 ? _cause$name : "Error"}: ${causeMessage}`;
        if (causeCode) errorDetails += ` (${causeCode})`;
        if (cause === null || cause === void 0 ? void 0 : cause.stack) errorDetails += `
${cause.stack}`;
      } else {
        var _fetchError$stack;
        errorDetails = (_fetchError$stack = fetchError === null || fetchError === void 0 ? void 0 : fetchError.stack) !== null && _fetchError$stack !== void 0 ? _fetchError$stack : "";
      }
      const urlLength = this.url.toString().length;
      if ((fetchError === null || fetchError === void 0 ? void 0 : fetchError.name) === "AbortError" || (fetchError === null || fetchError === void 0 ? void 0 : fetchError.code) === "ABORT_ERR") {
        code = "";
        hint = "Request was aborted (timeout or manual cancellation)";
        if (urlLength > this.urlLengthLimit) hint += `. Note: Your request URL is ${urlLength} characters, which may exceed server limits. If selecting many fields, consider using views. If filtering with large arrays (e.g., .in('id', [many IDs])), consider using an RPC function to pass values server-side.`;
      } else if ((cause === null || cause === void 0 ? void 0 : cause.name) === "HeadersOverflowError" || (cause === null || cause === void 0 ? void 0 : cause.code) === "UND_ERR_HEADERS_OVERFLOW") {
        code = "";
        hint = "HTTP headers exceeded server limits (typically 16KB)";
        if (urlLength > this.urlLengthLimit) hint += `. Your request URL is ${urlLength} characters. If selecting many fields, consider using views. If filtering with large arrays (e.g., .in('id', [200+ IDs])), consider using an RPC function instead.`;
      }
      return {
        success: false,
        error: {
          message: `${(_fetchError$name2 = fetchError === null || fetchError === void 0 ? void 0 : fetchError.name) !== null && _fetchError$name2 !== void 0 ? _fetchError$name2 : "FetchError"}: ${fetchError === null || fetchError === void 0 ? void 0 : fetchError.message}`,
          details: errorDetails,
          hint,
          code
        },
        data: null,
        count: null,
        status: 0,
        statusText: ""
      };
    });
    return res.then(onfulfilled, onrejected);
  }
  /**
  * Process a fetch response and return the standardized postgrest response.
  */
  async processResponse(res) {
    var _this2 = this;
    let error = null;
    let data = null;
    let count = null;
    let status = res.status;
    let statusText = res.statusText;
    if (res.ok) {
      var _this$headers$get2, _res$headers$get;
      if (_this2.method !== "HEAD") {
        var _this$headers$get;
        const body = await res.text();
        if (body === "") {
        } else if (_this2.headers.get("Accept") === "text/csv") data = body;
        else if (_this2.headers.get("Accept") && ((_this$headers$get = _this2.headers.get("Accept")) === null || _this$headers$get === void 0 ? void 0 : _this$headers$get.includes("application/vnd.pgrst.plan+text"))) data = body;
        else try {
          data = JSON.parse(body);
        } catch (_unused) {
          error = {
            message: body
          };
          data = null;
          if (_this2.shouldThrowOnError) throw new PostgrestError({
            message: body,
            details: "",
            hint: "",
            code: ""
          });
        }
      }
      const countHeader = (_this$headers$get2 = _this2.headers.get("Prefer")) === null || _this$headers$get2 === void 0 ? void 0 : _this$headers$get2.match(/count=(exact|planned|estimated)/);
      const contentRange = (_res$headers$get = res.headers.get("content-range")) === null || _res$headers$get === void 0 ? void 0 : _res$headers$get.split("/");
      if (countHeader && contentRange && contentRange.length > 1) count = parseInt(contentRange[1]);
      if (_this2.isMaybeSingle && Array.isArray(data)) if (data.length > 1) {
        error = {
          code: "PGRST116",
          details: `Results contain ${data.length} rows, application/vnd.pgrst.object+json requires 1 row`,
          hint: null,
          message: "JSON object requested, multiple (or no) rows returned"
        };
        data = null;
        count = null;
        status = 406;
        statusText = "Not Acceptable";
        if (_this2.shouldThrowOnError) {
          var _error$hint;
          throw new PostgrestError(_objectSpread2(_objectSpread2({}, error), {}, {
            hint: (_error$hint = error.hint) !== null && _error$hint !== void 0 ? _error$hint : ""
          }));
        }
      } else if (data.length === 1) data = data[0];
      else data = null;
    } else {
      const body = await res.text();
      try {
        error = JSON.parse(body);
        if (Array.isArray(error) && res.status === 404) {
          data = [];
          error = null;
          status = 200;
          statusText = "OK";
        }
      } catch (_unused2) {
        if (res.status === 404 && body === "") {
          status = 204;
          statusText = "No Content";
        } else error = {
          message: body
        };
      }
      if (error && _this2.shouldThrowOnError) throw new PostgrestError(error);
    }
    return {
      success: error === null,
      error,
      data,
      count,
      status,
      statusText
    };
  }
  /**
  * Override the type of the returned `data`.
  *
  * @typeParam NewResult - The new result type to override with
  * @deprecated Use overrideTypes<yourType, { merge: false }>() method at the end of your call chain instead
  *
  * @category Database
  * @subcategory Using modifiers
  */
  returns() {
    return this;
  }
  /**
  * Override the type of the returned `data` field in the response.
  *
  * @typeParam NewResult - The new type to cast the response data to
  * @typeParam Options - Optional type configuration (defaults to { merge: true })
  * @typeParam Options.merge - When true, merges the new type with existing return type. When false, replaces the existing types entirely (defaults to true)
  * @example
  * ```typescript
  * // Merge with existing types (default behavior)
  * const query = supabase
  *   .from('users')
  *   .select()
  *   .overrideTypes<{ custom_field: string }>()
  *
  * // Replace existing types completely
  * const replaceQuery = supabase
  *   .from('users')
  *   .select()
  *   .overrideTypes<{ id: number; name: string }, { merge: false }>()
  * ```
  * @returns A PostgrestBuilder instance with the new type
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example Complete Override type of successful response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .overrideTypes<Array<MyType>, { merge: false }>()
  * ```
  *
  * @exampleResponse Complete Override type of successful response
  * ```ts
  * let x: typeof data // MyType[]
  * ```
  *
  * @example Complete Override type of object response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .maybeSingle()
  *   .overrideTypes<MyType, { merge: false }>()
  * ```
  *
  * @exampleResponse Complete Override type of object response
  * ```ts
  * let x: typeof data // MyType | null
  * ```
  *
  * @example Partial Override type of successful response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .overrideTypes<Array<{ status: "A" | "B" }>>()
  * ```
  *
  * @exampleResponse Partial Override type of successful response
  * ```ts
  * let x: typeof data // Array<CountryRowProperties & { status: "A" | "B" }>
  * ```
  *
  * @example Partial Override type of object response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .maybeSingle()
  *   .overrideTypes<{ status: "A" | "B" }>()
  * ```
  *
  * @exampleResponse Partial Override type of object response
  * ```ts
  * let x: typeof data // CountryRowProperties & { status: "A" | "B" } | null
  * ```
  *
  * @example Merge vs replace existing types
  * ```typescript
  * // Merge with existing types (default behavior)
  * const query = supabase
  *   .from('users')
  *   .select()
  *   .overrideTypes<{ custom_field: string }>()
  *
  * // Replace existing types completely
  * const replaceQuery = supabase
  *   .from('users')
  *   .select()
  *   .overrideTypes<{ id: number; name: string }, { merge: false }>()
  * ```
  */
  overrideTypes() {
    return this;
  }
};
var PostgrestTransformBuilder = class extends PostgrestBuilder {
  throwOnError() {
    return super.throwOnError();
  }
  /**
  * Perform a SELECT on the query result.
  *
  * By default, `.insert()`, `.update()`, `.upsert()`, and `.delete()` do not
  * return modified rows. By calling this method, modified rows are returned in
  * `data`.
  *
  * @param columns - The columns to retrieve, separated by commas
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `upsert()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .upsert({ id: 1, name: 'Han Solo' })
  *   .select()
  * ```
  *
  * @exampleSql With `upsert()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Han');
  * ```
  *
  * @exampleResponse With `upsert()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Han Solo"
  *     }
  *   ],
  *   "status": 201,
  *   "statusText": ""
  * }
  * ```
  */
  select(columns) {
    let quoted = false;
    const cleanedColumns = (columns !== null && columns !== void 0 ? columns : "*").split("").map((c) => {
      if (/\s/.test(c) && !quoted) return "";
      if (c === '"') quoted = !quoted;
      return c;
    }).join("");
    this.url.searchParams.set("select", cleanedColumns);
    this.headers.append("Prefer", "return=representation");
    return this;
  }
  /**
  * Order the query result by `column`.
  *
  * You can call this method multiple times to order by multiple columns.
  *
  * You can order referenced tables, but it only affects the ordering of the
  * parent table if you use `!inner` in the query.
  *
  * @param column - The column to order by
  * @param options - Named parameters
  * @param options.ascending - If `true`, the result will be in ascending order
  * @param options.nullsFirst - If `true`, `null`s appear first. If `false`,
  * `null`s appear last.
  * @param options.referencedTable - Set this to order a referenced table by
  * its columns
  * @param options.foreignTable - Deprecated, use `options.referencedTable`
  * instead
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('id, name')
  *   .order('id', { ascending: false })
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 3,
  *       "name": "Han"
  *     },
  *     {
  *       "id": 2,
  *       "name": "Leia"
  *     },
  *     {
  *       "id": 1,
  *       "name": "Luke"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription On a referenced table
  * Ordering with `referencedTable` doesn't affect the ordering of the
  * parent table.
  *
  * @example On a referenced table
  * ```ts
  *   const { data, error } = await supabase
  *     .from('orchestral_sections')
  *     .select(`
  *       name,
  *       instruments (
  *         name
  *       )
  *     `)
  *     .order('name', { referencedTable: 'instruments', ascending: false })
  *
  * ```
  *
  * @exampleSql On a referenced table
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 1, 'harp'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse On a referenced table
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "strings",
  *       "instruments": [
  *         {
  *           "name": "violin"
  *         },
  *         {
  *           "name": "harp"
  *         }
  *       ]
  *     },
  *     {
  *       "name": "woodwinds",
  *       "instruments": []
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Order parent table by a referenced table
  * Ordering with `referenced_table(col)` affects the ordering of the
  * parent table.
  *
  * @example Order parent table by a referenced table
  * ```ts
  *   const { data, error } = await supabase
  *     .from('instruments')
  *     .select(`
  *       name,
  *       section:orchestral_sections (
  *         name
  *       )
  *     `)
  *     .order('section(name)', { ascending: true })
  *
  * ```
  *
  * @exampleSql Order parent table by a referenced table
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 2, 'flute'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse Order parent table by a referenced table
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "violin",
  *       "orchestral_sections": {"name": "strings"}
  *     },
  *     {
  *       "name": "flute",
  *       "orchestral_sections": {"name": "woodwinds"}
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  order(column, { ascending = true, nullsFirst, foreignTable, referencedTable = foreignTable } = {}) {
    const key = referencedTable ? `${referencedTable}.order` : "order";
    const existingOrder = this.url.searchParams.get(key);
    this.url.searchParams.set(key, `${existingOrder ? `${existingOrder},` : ""}${column}.${ascending ? "asc" : "desc"}${nullsFirst === void 0 ? "" : nullsFirst ? ".nullsfirst" : ".nullslast"}`);
    return this;
  }
  /**
  * Limit the query result by `rows`.
  *
  * @param rows - The maximum number of rows to return
  * @param options - Named parameters
  * @param options.referencedTable - Set this to limit rows of referenced
  * tables instead of the parent table
  * @param options.foreignTable - Deprecated, use `options.referencedTable`
  * instead
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  *   .limit(1)
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "Luke"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example On a referenced table
  * ```ts
  * const { data, error } = await supabase
  *   .from('orchestral_sections')
  *   .select(`
  *     name,
  *     instruments (
  *       name
  *     )
  *   `)
  *   .limit(1, { referencedTable: 'instruments' })
  * ```
  *
  * @exampleSql On a referenced table
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 1, 'harp'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse On a referenced table
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "strings",
  *       "instruments": [
  *         {
  *           "name": "violin"
  *         }
  *       ]
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  limit(rows, { foreignTable, referencedTable = foreignTable } = {}) {
    const key = typeof referencedTable === "undefined" ? "limit" : `${referencedTable}.limit`;
    this.url.searchParams.set(key, `${rows}`);
    return this;
  }
  /**
  * Limit the query result by starting at an offset `from` and ending at the offset `to`.
  * Only records within this range are returned.
  * This respects the query order and if there is no order clause the range could behave unexpectedly.
  * The `from` and `to` values are 0-based and inclusive: `range(1, 3)` will include the second, third
  * and fourth rows of the query.
  *
  * @param from - The starting index from which to limit the result
  * @param to - The last index to which to limit the result
  * @param options - Named parameters
  * @param options.referencedTable - Set this to limit rows of referenced
  * tables instead of the parent table
  * @param options.foreignTable - Deprecated, use `options.referencedTable`
  * instead
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  *   .range(0, 1)
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "Luke"
  *     },
  *     {
  *       "name": "Leia"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  range(from, to, { foreignTable, referencedTable = foreignTable } = {}) {
    const keyOffset = typeof referencedTable === "undefined" ? "offset" : `${referencedTable}.offset`;
    const keyLimit = typeof referencedTable === "undefined" ? "limit" : `${referencedTable}.limit`;
    this.url.searchParams.set(keyOffset, `${from}`);
    this.url.searchParams.set(keyLimit, `${to - from + 1}`);
    return this;
  }
  /**
  * Set the AbortSignal for the fetch request.
  *
  * @param signal - The AbortSignal to use for the fetch request
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @remarks
  * You can use this to set a timeout for the request.
  *
  * @exampleDescription Aborting requests in-flight
  * You can use an [`AbortController`](https://developer.mozilla.org/en-US/docs/Web/API/AbortController) to abort requests.
  * Note that `status` and `statusText` don't mean anything for aborted requests as the request wasn't fulfilled.
  *
  * @example Aborting requests in-flight
  * ```ts
  * const ac = new AbortController()
  *
  * const { data, error } = await supabase
  *   .from('very_big_table')
  *   .select()
  *   .abortSignal(ac.signal)
  *
  * // Abort the request after 100 ms
  * setTimeout(() => ac.abort(), 100)
  * ```
  *
  * @exampleResponse Aborting requests in-flight
  * ```json
  *   {
  *     "error": {
  *       "message": "AbortError: The user aborted a request.",
  *       "details": "",
  *       "hint": "The request was aborted locally via the provided AbortSignal.",
  *       "code": ""
  *     },
  *     "status": 0,
  *     "statusText": ""
  *   }
  *
  * ```
  *
  * @example Set a timeout
  * ```ts
  * const { data, error } = await supabase
  *   .from('very_big_table')
  *   .select()
  *   .abortSignal(AbortSignal.timeout(1000 /* ms *\/))
  * ```
  *
  * @exampleResponse Set a timeout
  * ```json
  *   {
  *     "error": {
  *       "message": "FetchError: The user aborted a request.",
  *       "details": "",
  *       "hint": "",
  *       "code": ""
  *     },
  *     "status": 0,
  *     "statusText": ""
  *   }
  *
  * ```
  */
  abortSignal(signal) {
    this.signal = signal;
    return this;
  }
  /**
  * Return `data` as a single object instead of an array of objects.
  *
  * Query result must be one row (e.g. using `.limit(1)`), otherwise this
  * returns an error.
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  *   .limit(1)
  *   .single()
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": {
  *     "name": "Luke"
  *   },
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  single() {
    this.headers.set("Accept", "application/vnd.pgrst.object+json");
    return this;
  }
  /**
  * Return `data` as a single object instead of an array of objects.
  *
  * Query result must be zero or one row (e.g. using `.limit(1)`), otherwise
  * this returns an error.
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .eq('name', 'Katniss')
  *   .maybeSingle()
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  maybeSingle() {
    this.isMaybeSingle = true;
    return this;
  }
  /**
  * Return `data` as a string in CSV format.
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @exampleDescription Return data as CSV
  * By default, the data is returned in JSON format, but can also be returned as Comma Separated Values.
  *
  * @example Return data as CSV
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .csv()
  * ```
  *
  * @exampleSql Return data as CSV
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse Return data as CSV
  * ```json
  * {
  *   "data": "id,name\n1,Luke\n2,Leia\n3,Han",
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  csv() {
    this.headers.set("Accept", "text/csv");
    return this;
  }
  /**
  * Return `data` as an object in [GeoJSON](https://geojson.org) format.
  *
  * @category Database
  * @subcategory Using modifiers
  */
  geojson() {
    this.headers.set("Accept", "application/geo+json");
    return this;
  }
  /**
  * Return `data` as the EXPLAIN plan for the query.
  *
  * You need to enable the
  * [db_plan_enabled](https://supabase.com/docs/guides/database/debugging-performance#enabling-explain)
  * setting before using this method.
  *
  * @param options - Named parameters
  *
  * @param options.analyze - If `true`, the query will be executed and the
  * actual run time will be returned
  *
  * @param options.verbose - If `true`, the query identifier will be returned
  * and `data` will include the output columns of the query
  *
  * @param options.settings - If `true`, include information on configuration
  * parameters that affect query planning
  *
  * @param options.buffers - If `true`, include information on buffer usage
  *
  * @param options.wal - If `true`, include information on WAL record generation
  *
  * @param options.format - The format of the output, can be `"text"` (default)
  * or `"json"`
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @exampleDescription Get the execution plan
  * By default, the data is returned in TEXT format, but can also be returned as JSON by using the `format` parameter.
  *
  * @example Get the execution plan
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .explain()
  * ```
  *
  * @exampleSql Get the execution plan
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse Get the execution plan
  * ```js
  * Aggregate  (cost=33.34..33.36 rows=1 width=112)
  *   ->  Limit  (cost=0.00..18.33 rows=1000 width=40)
  *         ->  Seq Scan on characters  (cost=0.00..22.00 rows=1200 width=40)
  * ```
  *
  * @exampleDescription Get the execution plan with analyze and verbose
  * By default, the data is returned in TEXT format, but can also be returned as JSON by using the `format` parameter.
  *
  * @example Get the execution plan with analyze and verbose
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .explain({analyze:true,verbose:true})
  * ```
  *
  * @exampleSql Get the execution plan with analyze and verbose
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse Get the execution plan with analyze and verbose
  * ```js
  * Aggregate  (cost=33.34..33.36 rows=1 width=112) (actual time=0.041..0.041 rows=1 loops=1)
  *   Output: NULL::bigint, count(ROW(characters.id, characters.name)), COALESCE(json_agg(ROW(characters.id, characters.name)), '[]'::json), NULLIF(current_setting('response.headers'::text, true), ''::text), NULLIF(current_setting('response.status'::text, true), ''::text)
  *   ->  Limit  (cost=0.00..18.33 rows=1000 width=40) (actual time=0.005..0.006 rows=3 loops=1)
  *         Output: characters.id, characters.name
  *         ->  Seq Scan on public.characters  (cost=0.00..22.00 rows=1200 width=40) (actual time=0.004..0.005 rows=3 loops=1)
  *               Output: characters.id, characters.name
  * Query Identifier: -4730654291623321173
  * Planning Time: 0.407 ms
  * Execution Time: 0.119 ms
  * ```
  */
  explain({ analyze = false, verbose = false, settings = false, buffers = false, wal = false, format: format2 = "text" } = {}) {
    var _this$headers$get;
    const options = [
      analyze ? "analyze" : null,
      verbose ? "verbose" : null,
      settings ? "settings" : null,
      buffers ? "buffers" : null,
      wal ? "wal" : null
    ].filter(Boolean).join("|");
    const forMediatype = (_this$headers$get = this.headers.get("Accept")) !== null && _this$headers$get !== void 0 ? _this$headers$get : "application/json";
    this.headers.set("Accept", `application/vnd.pgrst.plan+${format2}; for="${forMediatype}"; options=${options};`);
    if (format2 === "json") return this;
    else return this;
  }
  /**
  * Dry-run this request: execute the query but discard the changes.
  *
  * Server-side, PostgREST runs the query inside a transaction and rolls it back
  * instead of committing. The response still contains the data that *would* have
  * been returned — `RETURNING` clauses execute and RLS, triggers, and constraints
  * are all evaluated — but no row is actually inserted, updated, or deleted.
  *
  * This affects only the single request it is chained to. The JS caller has no
  * handle on the transaction: supabase-js does not group multiple queries into
  * one transaction. For multi-statement transactional logic, use a database
  * function (`supabase.rpc(...)`).
  *
  * Sets the `Prefer: tx=rollback` header. See PostgREST's docs on transaction
  * preferences for the underlying mechanism.
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @example Validate an insert without persisting
  * ```ts
  * const { data, error } = await supabase
  *   .from('countries')
  *   .insert({ name: 'France' })
  *   .select()
  *   .rollback()
  * // `data` shows what would have been inserted; nothing is saved.
  * ```
  */
  rollback() {
    this.headers.append("Prefer", "tx=rollback");
    return this;
  }
  /**
  * Override the type of the returned `data`.
  *
  * @typeParam NewResult - The new result type to override with
  * @deprecated Use overrideTypes<yourType, { merge: false }>() method at the end of your call chain instead
  *
  * @category Database
  * @subcategory Using modifiers
  *
  * @remarks
  * - Deprecated: use overrideTypes method instead
  *
  * @example Override type of successful response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .returns<Array<MyType>>()
  * ```
  *
  * @exampleResponse Override type of successful response
  * ```js
  * let x: typeof data // MyType[]
  * ```
  *
  * @example Override type of object response
  * ```ts
  * const { data } = await supabase
  *   .from('countries')
  *   .select()
  *   .maybeSingle()
  *   .returns<MyType>()
  * ```
  *
  * @exampleResponse Override type of object response
  * ```js
  * let x: typeof data // MyType | null
  * ```
  */
  returns() {
    return this;
  }
  /**
  * Set the maximum number of rows that can be affected by the query.
  * Only available in PostgREST v13+ and only works with PATCH and DELETE methods.
  *
  * @param rows - The maximum number of rows that can be affected
  *
  * @category Database
  * @subcategory Using modifiers
  */
  maxAffected(rows) {
    this.headers.append("Prefer", "handling=strict");
    this.headers.append("Prefer", `max-affected=${rows}`);
    return this;
  }
};
var PostgrestReservedCharsRegexp = /* @__PURE__ */ new RegExp("[,()]");
var PostgrestFilterBuilder = class extends PostgrestTransformBuilder {
  throwOnError() {
    return super.throwOnError();
  }
  /**
  * Match only rows where `column` is equal to `value`.
  *
  * To check if the value of `column` is NULL, you should use `.is()` instead.
  *
  * @param column - The column to filter on
  * @param value - The value to filter with
  *
  * @category Database
  * @subcategory Using filters
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .eq('name', 'Leia')
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 2,
  *       "name": "Leia"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  eq(column, value) {
    this.url.searchParams.append(column, `eq.${value}`);
    return this;
  }
  /**
  * Match only rows where `column` is not equal to `value`.
  *
  * This filter does not include rows where `column` is `NULL`. To match null
  * values, use `.is(column, null)` instead.
  *
  * @param column - The column to filter on
  * @param value - The value to filter with
  *
  * @category Database
  * @subcategory Using filters
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .neq('name', 'Leia')
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Luke"
  *     },
  *     {
  *       "id": 3,
  *       "name": "Han"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  neq(column, value) {
    this.url.searchParams.append(column, `neq.${value}`);
    return this;
  }
  gt(column, value) {
    this.url.searchParams.append(column, `gt.${value}`);
    return this;
  }
  gte(column, value) {
    this.url.searchParams.append(column, `gte.${value}`);
    return this;
  }
  lt(column, value) {
    this.url.searchParams.append(column, `lt.${value}`);
    return this;
  }
  lte(column, value) {
    this.url.searchParams.append(column, `lte.${value}`);
    return this;
  }
  like(column, pattern) {
    this.url.searchParams.append(column, `like.${pattern}`);
    return this;
  }
  likeAllOf(column, patterns) {
    this.url.searchParams.append(column, `like(all).{${patterns.join(",")}}`);
    return this;
  }
  likeAnyOf(column, patterns) {
    this.url.searchParams.append(column, `like(any).{${patterns.join(",")}}`);
    return this;
  }
  ilike(column, pattern) {
    this.url.searchParams.append(column, `ilike.${pattern}`);
    return this;
  }
  ilikeAllOf(column, patterns) {
    this.url.searchParams.append(column, `ilike(all).{${patterns.join(",")}}`);
    return this;
  }
  ilikeAnyOf(column, patterns) {
    this.url.searchParams.append(column, `ilike(any).{${patterns.join(",")}}`);
    return this;
  }
  regexMatch(column, pattern) {
    this.url.searchParams.append(column, `match.${pattern}`);
    return this;
  }
  regexIMatch(column, pattern) {
    this.url.searchParams.append(column, `imatch.${pattern}`);
    return this;
  }
  is(column, value) {
    this.url.searchParams.append(column, `is.${value}`);
    return this;
  }
  /**
  * Match only rows where `column` IS DISTINCT FROM `value`.
  *
  * Unlike `.neq()`, this treats `NULL` as a comparable value. Two `NULL` values
  * are considered equal (not distinct), and comparing `NULL` with any non-NULL
  * value returns true (distinct).
  *
  * @param column - The column to filter on
  * @param value - The value to filter with
  */
  isDistinct(column, value) {
    this.url.searchParams.append(column, `isdistinct.${value}`);
    return this;
  }
  /**
  * Match only rows where `column` is included in the `values` array.
  *
  * @param column - The column to filter on
  * @param values - The values array to filter with
  *
  * @category Database
  * @subcategory Using filters
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  *   .in('name', ['Leia', 'Han'])
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 2,
  *       "name": "Leia"
  *     },
  *     {
  *       "id": 3,
  *       "name": "Han"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  in(column, values) {
    const cleanedValues = Array.from(new Set(values)).map((s) => {
      if (typeof s === "string" && PostgrestReservedCharsRegexp.test(s)) return `"${s}"`;
      else return `${s}`;
    }).join(",");
    this.url.searchParams.append(column, `in.(${cleanedValues})`);
    return this;
  }
  /**
  * Match only rows where `column` is NOT included in the `values` array.
  *
  * @param column - The column to filter on
  * @param values - The values array to filter with
  */
  notIn(column, values) {
    const cleanedValues = Array.from(new Set(values)).map((s) => {
      if (typeof s === "string" && PostgrestReservedCharsRegexp.test(s)) return `"${s}"`;
      else return `${s}`;
    }).join(",");
    this.url.searchParams.append(column, `not.in.(${cleanedValues})`);
    return this;
  }
  contains(column, value) {
    if (typeof value === "string") this.url.searchParams.append(column, `cs.${value}`);
    else if (Array.isArray(value)) this.url.searchParams.append(column, `cs.{${value.join(",")}}`);
    else this.url.searchParams.append(column, `cs.${JSON.stringify(value)}`);
    return this;
  }
  containedBy(column, value) {
    if (typeof value === "string") this.url.searchParams.append(column, `cd.${value}`);
    else if (Array.isArray(value)) this.url.searchParams.append(column, `cd.{${value.join(",")}}`);
    else this.url.searchParams.append(column, `cd.${JSON.stringify(value)}`);
    return this;
  }
  rangeGt(column, range) {
    this.url.searchParams.append(column, `sr.${range}`);
    return this;
  }
  rangeGte(column, range) {
    this.url.searchParams.append(column, `nxl.${range}`);
    return this;
  }
  rangeLt(column, range) {
    this.url.searchParams.append(column, `sl.${range}`);
    return this;
  }
  rangeLte(column, range) {
    this.url.searchParams.append(column, `nxr.${range}`);
    return this;
  }
  rangeAdjacent(column, range) {
    this.url.searchParams.append(column, `adj.${range}`);
    return this;
  }
  overlaps(column, value) {
    if (typeof value === "string") this.url.searchParams.append(column, `ov.${value}`);
    else this.url.searchParams.append(column, `ov.{${value.join(",")}}`);
    return this;
  }
  textSearch(column, query, { config, type } = {}) {
    let typePart = "";
    if (type === "plain") typePart = "pl";
    else if (type === "phrase") typePart = "ph";
    else if (type === "websearch") typePart = "w";
    const configPart = config === void 0 ? "" : `(${config})`;
    this.url.searchParams.append(column, `${typePart}fts${configPart}.${query}`);
    return this;
  }
  match(query) {
    Object.entries(query).filter(([_, value]) => value !== void 0).forEach(([column, value]) => {
      this.url.searchParams.append(column, `eq.${value}`);
    });
    return this;
  }
  /**
  * Match only rows which doesn't satisfy the filter.
  *
  * Unlike most filters, `opearator` and `value` are used as-is and need to
  * follow [PostgREST
  * syntax](https://postgrest.org/en/stable/api.html#operators). You also need
  * to make sure they are properly sanitized.
  *
  * @param column - The column to filter on
  * @param operator - The operator to be negated to filter with, following
  * PostgREST syntax
  * @param value - The value to filter with, following PostgREST syntax
  *
  * @category Database
  * @subcategory Using filters
  *
  * @remarks
  * not() expects you to use the raw PostgREST syntax for the filter values.
  *
  * ```ts
  * .not('id', 'in', '(5,6,7)')  // Use `()` for `in` filter
  * .not('arraycol', 'cs', '{"a","b"}')  // Use `cs` for `contains()`, `{}` for array values
  * ```
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('countries')
  *   .select()
  *   .not('name', 'is', null)
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  *
  * insert into
  *   countries (id, name)
  * values
  *   (1, 'null'),
  *   (2, null);
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  *   {
  *     "data": [
  *       {
  *         "id": 1,
  *         "name": "null"
  *       }
  *     ],
  *     "status": 200,
  *     "statusText": "OK"
  *   }
  *
  * ```
  */
  not(column, operator, value) {
    this.url.searchParams.append(column, `not.${operator}.${value}`);
    return this;
  }
  /**
  * Match only rows which satisfy at least one of the filters.
  *
  * Unlike most filters, `filters` is used as-is and needs to follow [PostgREST
  * syntax](https://postgrest.org/en/stable/api.html#operators). You also need
  * to make sure it's properly sanitized.
  *
  * It's currently not possible to do an `.or()` filter across multiple tables.
  *
  * @param filters - The filters to use, following PostgREST syntax
  * @param options - Named parameters
  * @param options.referencedTable - Set this to filter on referenced tables
  * instead of the parent table
  * @param options.foreignTable - Deprecated, use `referencedTable` instead
  *
  * @category Database
  * @subcategory Using filters
  *
  * @remarks
  * or() expects you to use the raw PostgREST syntax for the filter names and values.
  *
  * ```ts
  * .or('id.in.(5,6,7), arraycol.cs.{"a","b"}')  // Use `()` for `in` filter, `{}` for array values and `cs` for `contains()`.
  * .or('id.in.(5,6,7), arraycol.cd.{"a","b"}')  // Use `cd` for `containedBy()`
  * ```
  *
  * @example With `select()`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  *   .or('id.eq.2,name.eq.Han')
  * ```
  *
  * @exampleSql With `select()`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse With `select()`
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "Leia"
  *     },
  *     {
  *       "name": "Han"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example Use `or` with `and`
  * ```ts
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  *   .or('id.gt.3,and(id.eq.1,name.eq.Luke)')
  * ```
  *
  * @exampleSql Use `or` with `and`
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse Use `or` with `and`
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "Luke"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example Use `or` on referenced tables
  * ```ts
  * const { data, error } = await supabase
  *   .from('orchestral_sections')
  *   .select(`
  *     name,
  *     instruments!inner (
  *       name
  *     )
  *   `)
  *   .or('section_id.eq.1,name.eq.guzheng', { referencedTable: 'instruments' })
  * ```
  *
  * @exampleSql Use `or` on referenced tables
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 2, 'flute'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse Use `or` on referenced tables
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "strings",
  *       "instruments": [
  *         {
  *           "name": "violin"
  *         }
  *       ]
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  or(filters, { foreignTable, referencedTable = foreignTable } = {}) {
    const key = referencedTable ? `${referencedTable}.or` : "or";
    this.url.searchParams.append(key, `(${filters})`);
    return this;
  }
  filter(column, operator, value) {
    this.url.searchParams.append(column, `${operator}.${value}`);
    return this;
  }
};
var PostgrestQueryBuilder = class {
  /**
  * Creates a query builder scoped to a Postgres table or view.
  *
  * @category Database
  *
  * @param url - The URL for the query
  * @param options - Named parameters
  * @param options.headers - Custom headers
  * @param options.schema - Postgres schema to use
  * @param options.fetch - Custom fetch implementation
  * @param options.urlLengthLimit - Maximum URL length before warning
  * @param options.retry - Enable automatic retries for transient errors (default: true)
  *
  * @example Using supabase-js (recommended)
  * ```ts
  * import { createClient } from '@supabase/supabase-js'
  *
  * const supabase = createClient('https://xyzcompany.supabase.co', 'your-publishable-key')
  * const { data, error } = await supabase.from('users').select('*')
  * ```
  *
  * @example Standalone import for bundle-sensitive environments
  * ```ts
  * import { PostgrestQueryBuilder } from '@supabase/postgrest-js'
  *
  * const query = new PostgrestQueryBuilder(
  *   new URL('https://xyzcompany.supabase.co/rest/v1/users'),
  *   { headers: { apikey: 'your-publishable-key' }, retry: true }
  * )
  * ```
  */
  constructor(url, { headers = {}, schema, fetch: fetch$1, urlLengthLimit = 8e3, retry }) {
    this.url = url;
    this.headers = new Headers(headers);
    this.schema = schema;
    this.fetch = fetch$1;
    this.urlLengthLimit = urlLengthLimit;
    this.retry = retry;
  }
  /**
  * Clone URL and headers to prevent shared state between operations.
  */
  cloneRequestState() {
    return {
      url: new URL(this.url.toString()),
      headers: new Headers(this.headers)
    };
  }
  /**
  * Perform a SELECT query on the table or view.
  *
  * @param columns - The columns to retrieve, separated by commas. Columns can be renamed when returned with `customName:columnName`
  *
  * @param options - Named parameters
  *
  * @param options.head - When set to `true`, `data` will not be returned.
  * Useful if you only need the count.
  *
  * @param options.count - Count algorithm to use to count rows in the table or view.
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @remarks
  * When using `count` with `.range()` or `.limit()`, the returned `count` is the total number of rows
  * that match your filters, not the number of rows in the current page. Use this to build pagination UI.
  
  * - By default, Supabase projects return a maximum of 1,000 rows. This setting can be changed in your project's [API settings](/dashboard/project/_/settings/api). It's recommended that you keep it low to limit the payload size of accidental or malicious requests. You can use `range()` queries to paginate through your data.
  * - `select()` can be combined with [Filters](/docs/reference/javascript/using-filters)
  * - `select()` can be combined with [Modifiers](/docs/reference/javascript/using-modifiers)
  * - `apikey` is a reserved keyword if you're using the [Supabase Platform](/docs/guides/platform) and [should be avoided as a column name](https://github.com/supabase/supabase/issues/5465). *
  * @category Database
  *
  * @example Getting your data
  * ```js
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select()
  * ```
  *
  * @exampleSql Getting your data
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Harry'),
  *   (2, 'Frodo'),
  *   (3, 'Katniss');
  * ```
  *
  * @exampleResponse Getting your data
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Harry"
  *     },
  *     {
  *       "id": 2,
  *       "name": "Frodo"
  *     },
  *     {
  *       "id": 3,
  *       "name": "Katniss"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Handling errors
  * The most useful field on a Postgres error is usually `hint` — when the database knows the fix, it puts the literal SQL there. For example, a permission-denied error (`code: '42501'`) arrives with a `hint` like `"Grant the required privileges to the current role with: GRANT SELECT ON public.characters TO anon;"`. Log the full `error` object so the hint isn't hidden behind `error.message`.
  *
  * @example Handling errors
  * ```js
  * const { data, error } = await supabase.from('characters').select()
  * if (error) {
  *   // Logs the full error: message, code, details, and hint.
  *   console.error(error)
  *   return
  * }
  * ```
  *
  * @exampleResponse Handling errors
  * ```json
  * {
  *   "error": {
  *     "code": "42501",
  *     "details": null,
  *     "hint": "Grant the required privileges to the current role with: GRANT SELECT ON public.characters TO anon;",
  *     "message": "permission denied for table characters"
  *   },
  *   "status": 401,
  *   "statusText": ""
  * }
  * ```
  *
  * @example Selecting specific columns
  * ```js
  * const { data, error } = await supabase
  *   .from('characters')
  *   .select('name')
  * ```
  *
  * @exampleSql Selecting specific columns
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Frodo'),
  *   (2, 'Harry'),
  *   (3, 'Katniss');
  * ```
  *
  * @exampleResponse Selecting specific columns
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "Frodo"
  *     },
  *     {
  *       "name": "Harry"
  *     },
  *     {
  *       "name": "Katniss"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Query referenced tables
  * If your database has foreign key relationships, you can query related tables too.
  *
  * @example Query referenced tables
  * ```js
  * const { data, error } = await supabase
  *   .from('orchestral_sections')
  *   .select(`
  *     name,
  *     instruments (
  *       name
  *     )
  *   `)
  * ```
  *
  * @exampleSql Query referenced tables
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 2, 'flute'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse Query referenced tables
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "strings",
  *       "instruments": [
  *         {
  *           "name": "violin"
  *         }
  *       ]
  *     },
  *     {
  *       "name": "woodwinds",
  *       "instruments": [
  *         {
  *           "name": "flute"
  *         }
  *       ]
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Query referenced tables with spaces in their names
  * If your table name contains spaces, you must use double quotes in the `select` statement to reference the table.
  *
  * @example Query referenced tables with spaces in their names
  * ```js
  * const { data, error } = await supabase
  *   .from('orchestral sections')
  *   .select(`
  *     name,
  *     "musical instruments" (
  *       name
  *     )
  *   `)
  * ```
  *
  * @exampleSql Query referenced tables with spaces in their names
  * ```sql
  * create table
  *   "orchestral sections" (id int8 primary key, name text);
  * create table
  *   "musical instruments" (
  *     id int8 primary key,
  *     section_id int8 not null references "orchestral sections",
  *     name text
  *   );
  *
  * insert into
  *   "orchestral sections" (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   "musical instruments" (id, section_id, name)
  * values
  *   (1, 2, 'flute'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse Query referenced tables with spaces in their names
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "strings",
  *       "musical instruments": [
  *         {
  *           "name": "violin"
  *         }
  *       ]
  *     },
  *     {
  *       "name": "woodwinds",
  *       "musical instruments": [
  *         {
  *           "name": "flute"
  *         }
  *       ]
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Query referenced tables through a join table
  * If you're in a situation where your tables are **NOT** directly
  * related, but instead are joined by a _join table_, you can still use
  * the `select()` method to query the related data. The join table needs
  * to have the foreign keys as part of its composite primary key.
  *
  * @example Query referenced tables through a join table
  * ```ts
  * const { data, error } = await supabase
  *   .from('users')
  *   .select(`
  *     name,
  *     teams (
  *       name
  *     )
  *   `)
  *   
  * ```
  *
  * @exampleSql Query referenced tables through a join table
  * ```sql
  * create table
  *   users (
  *     id int8 primary key,
  *     name text
  *   );
  * create table
  *   teams (
  *     id int8 primary key,
  *     name text
  *   );
  * -- join table
  * create table
  *   users_teams (
  *     user_id int8 not null references users,
  *     team_id int8 not null references teams,
  *     -- both foreign keys must be part of a composite primary key
  *     primary key (user_id, team_id)
  *   );
  *
  * insert into
  *   users (id, name)
  * values
  *   (1, 'Kiran'),
  *   (2, 'Evan');
  * insert into
  *   teams (id, name)
  * values
  *   (1, 'Green'),
  *   (2, 'Blue');
  * insert into
  *   users_teams (user_id, team_id)
  * values
  *   (1, 1),
  *   (1, 2),
  *   (2, 2);
  * ```
  *
  * @exampleResponse Query referenced tables through a join table
  * ```json
  *   {
  *     "data": [
  *       {
  *         "name": "Kiran",
  *         "teams": [
  *           {
  *             "name": "Green"
  *           },
  *           {
  *             "name": "Blue"
  *           }
  *         ]
  *       },
  *       {
  *         "name": "Evan",
  *         "teams": [
  *           {
  *             "name": "Blue"
  *           }
  *         ]
  *       }
  *     ],
  *     "status": 200,
  *     "statusText": "OK"
  *   }
  *   
  * ```
  *
  * @exampleDescription Query the same referenced table multiple times
  * If you need to query the same referenced table twice, use the name of the
  * joined column to identify which join to use. You can also give each
  * column an alias.
  *
  * @example Query the same referenced table multiple times
  * ```ts
  * const { data, error } = await supabase
  *   .from('messages')
  *   .select(`
  *     content,
  *     from:sender_id(name),
  *     to:receiver_id(name)
  *   `)
  *
  * // To infer types, use the name of the table (in this case `users`) and
  * // the name of the foreign key constraint.
  * const { data, error } = await supabase
  *   .from('messages')
  *   .select(`
  *     content,
  *     from:users!messages_sender_id_fkey(name),
  *     to:users!messages_receiver_id_fkey(name)
  *   `)
  * ```
  *
  * @exampleSql Query the same referenced table multiple times
  * ```sql
  *  create table
  *  users (id int8 primary key, name text);
  *
  *  create table
  *    messages (
  *      sender_id int8 not null references users,
  *      receiver_id int8 not null references users,
  *      content text
  *    );
  *
  *  insert into
  *    users (id, name)
  *  values
  *    (1, 'Kiran'),
  *    (2, 'Evan');
  *
  *  insert into
  *    messages (sender_id, receiver_id, content)
  *  values
  *    (1, 2, '👋');
  *  ```
  * ```
  *
  * @exampleResponse Query the same referenced table multiple times
  * ```json
  * {
  *   "data": [
  *     {
  *       "content": "👋",
  *       "from": {
  *         "name": "Kiran"
  *       },
  *       "to": {
  *         "name": "Evan"
  *       }
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Query nested foreign tables through a join table
  * You can use the result of a joined table to gather data in
  * another foreign table. With multiple references to the same foreign
  * table you must specify the column on which to conduct the join.
  *
  * @example Query nested foreign tables through a join table
  * ```ts
  *   const { data, error } = await supabase
  *     .from('games')
  *     .select(`
  *       game_id:id,
  *       away_team:teams!games_away_team_fkey (
  *         users (
  *           id,
  *           name
  *         )
  *       )
  *     `)
  *   
  * ```
  *
  * @exampleSql Query nested foreign tables through a join table
  * ```sql
  * ```sql
  * create table
  *   users (
  *     id int8 primary key,
  *     name text
  *   );
  * create table
  *   teams (
  *     id int8 primary key,
  *     name text
  *   );
  * -- join table
  * create table
  *   users_teams (
  *     user_id int8 not null references users,
  *     team_id int8 not null references teams,
  *
  *     primary key (user_id, team_id)
  *   );
  * create table
  *   games (
  *     id int8 primary key,
  *     home_team int8 not null references teams,
  *     away_team int8 not null references teams,
  *     name text
  *   );
  *
  * insert into users (id, name)
  * values
  *   (1, 'Kiran'),
  *   (2, 'Evan');
  * insert into
  *   teams (id, name)
  * values
  *   (1, 'Green'),
  *   (2, 'Blue');
  * insert into
  *   users_teams (user_id, team_id)
  * values
  *   (1, 1),
  *   (1, 2),
  *   (2, 2);
  * insert into
  *   games (id, home_team, away_team, name)
  * values
  *   (1, 1, 2, 'Green vs Blue'),
  *   (2, 2, 1, 'Blue vs Green');
  * ```
  *
  * @exampleResponse Query nested foreign tables through a join table
  * ```json
  *   {
  *     "data": [
  *       {
  *         "game_id": 1,
  *         "away_team": {
  *           "users": [
  *             {
  *               "id": 1,
  *               "name": "Kiran"
  *             },
  *             {
  *               "id": 2,
  *               "name": "Evan"
  *             }
  *           ]
  *         }
  *       },
  *       {
  *         "game_id": 2,
  *         "away_team": {
  *           "users": [
  *             {
  *               "id": 1,
  *               "name": "Kiran"
  *             }
  *           ]
  *         }
  *       }
  *     ],
  *     "status": 200,
  *     "statusText": "OK"
  *   }
  *   
  * ```
  *
  * @exampleDescription Filtering through referenced tables
  * If the filter on a referenced table's column is not satisfied, the referenced
  * table returns `[]` or `null` but the parent table is not filtered out.
  * If you want to filter out the parent table rows, use the `!inner` hint
  *
  * @example Filtering through referenced tables
  * ```ts
  * const { data, error } = await supabase
  *   .from('instruments')
  *   .select('name, orchestral_sections(*)')
  *   .eq('orchestral_sections.name', 'percussion')
  * ```
  *
  * @exampleSql Filtering through referenced tables
  * ```sql
  * create table
  *   orchestral_sections (id int8 primary key, name text);
  * create table
  *   instruments (
  *     id int8 primary key,
  *     section_id int8 not null references orchestral_sections,
  *     name text
  *   );
  *
  * insert into
  *   orchestral_sections (id, name)
  * values
  *   (1, 'strings'),
  *   (2, 'woodwinds');
  * insert into
  *   instruments (id, section_id, name)
  * values
  *   (1, 2, 'flute'),
  *   (2, 1, 'violin');
  * ```
  *
  * @exampleResponse Filtering through referenced tables
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "flute",
  *       "orchestral_sections": null
  *     },
  *     {
  *       "name": "violin",
  *       "orchestral_sections": null
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Querying referenced table with count
  * You can get the number of rows in a related table by using the
  * **count** property.
  *
  * @example Querying referenced table with count
  * ```ts
  * const { data, error } = await supabase
  *   .from('orchestral_sections')
  *   .select(`*, instruments(count)`)
  * ```
  *
  * @exampleSql Querying referenced table with count
  * ```sql
  * create table orchestral_sections (
  *   "id" "uuid" primary key default "extensions"."uuid_generate_v4"() not null,
  *   "name" text
  * );
  *
  * create table characters (
  *   "id" "uuid" primary key default "extensions"."uuid_generate_v4"() not null,
  *   "name" text,
  *   "section_id" "uuid" references public.orchestral_sections on delete cascade
  * );
  *
  * with section as (
  *   insert into orchestral_sections (name)
  *   values ('strings') returning id
  * )
  * insert into instruments (name, section_id) values
  * ('violin', (select id from section)),
  * ('viola', (select id from section)),
  * ('cello', (select id from section)),
  * ('double bass', (select id from section));
  * ```
  *
  * @exampleResponse Querying referenced table with count
  * ```json
  * [
  *   {
  *     "id": "693694e7-d993-4360-a6d7-6294e325d9b6",
  *     "name": "strings",
  *     "instruments": [
  *       {
  *         "count": 4
  *       }
  *     ]
  *   }
  * ]
  * ```
  *
  * @exampleDescription Querying with count option
  * You can get the number of rows by using the
  * [count](/docs/reference/javascript/select#parameters) option.
  *
  * @example Querying with count option
  * ```ts
  * const { count, error } = await supabase
  *   .from('characters')
  *   .select('*', { count: 'exact', head: true })
  * ```
  *
  * @exampleSql Querying with count option
  * ```sql
  * create table
  *   characters (id int8 primary key, name text);
  *
  * insert into
  *   characters (id, name)
  * values
  *   (1, 'Luke'),
  *   (2, 'Leia'),
  *   (3, 'Han');
  * ```
  *
  * @exampleResponse Querying with count option
  * ```json
  * {
  *   "count": 3,
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Querying JSON data
  * You can select and filter data inside of
  * [JSON](/docs/guides/database/json) columns. Postgres offers some
  * [operators](/docs/guides/database/json#query-the-jsonb-data) for
  * querying JSON data.
  *
  * @example Querying JSON data
  * ```ts
  * const { data, error } = await supabase
  *   .from('users')
  *   .select(`
  *     id, name,
  *     address->city
  *   `)
  * ```
  *
  * @exampleSql Querying JSON data
  * ```sql
  * create table
  *   users (
  *     id int8 primary key,
  *     name text,
  *     address jsonb
  *   );
  *
  * insert into
  *   users (id, name, address)
  * values
  *   (1, 'Frodo', '{"city":"Hobbiton"}');
  * ```
  *
  * @exampleResponse Querying JSON data
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Frodo",
  *       "city": "Hobbiton"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Querying referenced table with inner join
  * If you don't want to return the referenced table contents, you can leave the parenthesis empty.
  * Like `.select('name, orchestral_sections!inner()')`.
  *
  * @example Querying referenced table with inner join
  * ```ts
  * const { data, error } = await supabase
  *   .from('instruments')
  *   .select('name, orchestral_sections!inner(name)')
  *   .eq('orchestral_sections.name', 'woodwinds')
  *   .limit(1)
  * ```
  *
  * @exampleSql Querying referenced table with inner join
  * ```sql
  * create table orchestral_sections (
  *   "id" "uuid" primary key default "extensions"."uuid_generate_v4"() not null,
  *   "name" text
  * );
  *
  * create table instruments (
  *   "id" "uuid" primary key default "extensions"."uuid_generate_v4"() not null,
  *   "name" text,
  *   "section_id" "uuid" references public.orchestral_sections on delete cascade
  * );
  *
  * with section as (
  *   insert into orchestral_sections (name)
  *   values ('woodwinds') returning id
  * )
  * insert into instruments (name, section_id) values
  * ('flute', (select id from section)),
  * ('clarinet', (select id from section)),
  * ('bassoon', (select id from section)),
  * ('piccolo', (select id from section));
  * ```
  *
  * @exampleResponse Querying referenced table with inner join
  * ```json
  * {
  *   "data": [
  *     {
  *       "name": "flute",
  *       "orchestral_sections": {"name": "woodwinds"}
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Switching schemas per query
  * In addition to setting the schema during initialization, you can also switch schemas on a per-query basis.
  * Make sure you've set up your [database privileges and API settings](/docs/guides/api/using-custom-schemas).
  *
  * @example Switching schemas per query
  * ```ts
  * const { data, error } = await supabase
  *   .schema('myschema')
  *   .from('mytable')
  *   .select()
  * ```
  *
  * @exampleSql Switching schemas per query
  * ```sql
  * create schema myschema;
  *
  * create table myschema.mytable (
  *   id uuid primary key default gen_random_uuid(),
  *   data text
  * );
  *
  * insert into myschema.mytable (data) values ('mydata');
  * ```
  *
  * @exampleResponse Switching schemas per query
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": "4162e008-27b0-4c0f-82dc-ccaeee9a624d",
  *       "data": "mydata"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  select(columns, options) {
    const { head = false, count } = options !== null && options !== void 0 ? options : {};
    const method = head ? "HEAD" : "GET";
    let quoted = false;
    const cleanedColumns = (columns !== null && columns !== void 0 ? columns : "*").split("").map((c) => {
      if (/\s/.test(c) && !quoted) return "";
      if (c === '"') quoted = !quoted;
      return c;
    }).join("");
    const { url, headers } = this.cloneRequestState();
    url.searchParams.set("select", cleanedColumns);
    if (count) headers.append("Prefer", `count=${count}`);
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schema,
      fetch: this.fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
  /**
  * Perform an INSERT into the table or view.
  *
  * By default, inserted rows are not returned. To return it, chain the call
  * with `.select()`.
  *
  * @param values - The values to insert. Pass an object to insert a single row
  * or an array to insert multiple rows.
  *
  * @param options - Named parameters
  *
  * @param options.count - Count algorithm to use to count inserted rows.
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @param options.defaultToNull - Make missing fields default to `null`.
  * Otherwise, use the default value for the column. Only applies for bulk
  * inserts.
  *
  * @category Database
  *
  * @example Create a record
  * ```ts
  * const { error } = await supabase
  *   .from('countries')
  *   .insert({ id: 1, name: 'Mordor' })
  * ```
  *
  * @exampleSql Create a record
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  * ```
  *
  * @exampleResponse Create a record
  * ```json
  * {
  *   "status": 201,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Handling errors
  * `error.hint` from Postgres often contains the actionable fix (e.g. `"Grant the required privileges to the current role with: GRANT INSERT ON public.countries TO anon;"` for a `42501` permission-denied error). Log the full `error` object so it isn't hidden behind `error.message`.
  *
  * @example Handling errors
  * ```js
  * const { error } = await supabase.from('countries').insert({ id: 1, name: 'Mordor' })
  * if (error) console.error(error)
  * ```
  *
  * @example Create a record and return it
  * ```ts
  * const { data, error } = await supabase
  *   .from('countries')
  *   .insert({ id: 1, name: 'Mordor' })
  *   .select()
  * ```
  *
  * @exampleSql Create a record and return it
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  * ```
  *
  * @exampleResponse Create a record and return it
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Mordor"
  *     }
  *   ],
  *   "status": 201,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Bulk create
  * A bulk create operation is handled in a single transaction.
  * If any of the inserts fail, none of the rows are inserted.
  *
  * @example Bulk create
  * ```ts
  * const { error } = await supabase
  *   .from('countries')
  *   .insert([
  *     { id: 1, name: 'Mordor' },
  *     { id: 1, name: 'The Shire' },
  *   ])
  * ```
  *
  * @exampleSql Bulk create
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  * ```
  *
  * @exampleResponse Bulk create
  * ```json
  * {
  *   "error": {
  *     "code": "23505",
  *     "details": "Key (id)=(1) already exists.",
  *     "hint": null,
  *     "message": "duplicate key value violates unique constraint \"countries_pkey\""
  *   },
  *   "status": 409,
  *   "statusText": ""
  * }
  * ```
  */
  insert(values, { count, defaultToNull = true } = {}) {
    var _this$fetch;
    const method = "POST";
    const { url, headers } = this.cloneRequestState();
    if (count) headers.append("Prefer", `count=${count}`);
    if (!defaultToNull) headers.append("Prefer", `missing=default`);
    if (Array.isArray(values)) {
      const columns = values.reduce((acc, x) => acc.concat(Object.keys(x)), []);
      if (columns.length > 0) {
        const uniqueColumns = [
          ...new Set(columns)
        ].map((column) => `"${column}"`);
        url.searchParams.set("columns", uniqueColumns.join(","));
      }
    }
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schema,
      body: values,
      fetch: (_this$fetch = this.fetch) !== null && _this$fetch !== void 0 ? _this$fetch : fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
  /**
  * Perform an UPSERT on the table or view. Depending on the column(s) passed
  * to `onConflict`, `.upsert()` allows you to perform the equivalent of
  * `.insert()` if a row with the corresponding `onConflict` columns doesn't
  * exist, or if it does exist, perform an alternative action depending on
  * `ignoreDuplicates`.
  *
  * By default, upserted rows are not returned. To return it, chain the call
  * with `.select()`.
  *
  * @param values - The values to upsert with. Pass an object to upsert a
  * single row or an array to upsert multiple rows.
  *
  * @param options - Named parameters
  *
  * @param options.onConflict - Comma-separated UNIQUE column(s) to specify how
  * duplicate rows are determined. Two rows are duplicates if all the
  * `onConflict` columns are equal.
  *
  * @param options.ignoreDuplicates - If `true`, duplicate rows are ignored. If
  * `false`, duplicate rows are merged with existing rows.
  *
  * @param options.count - Count algorithm to use to count upserted rows.
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @param options.defaultToNull - Make missing fields default to `null`.
  * Otherwise, use the default value for the column. This only applies when
  * inserting new rows, not when merging with existing rows under
  * `ignoreDuplicates: false`. This also only applies when doing bulk upserts.
  *
  * @example Upsert a single row using a unique key
  * ```ts
  * // Upserting a single row, overwriting based on the 'username' unique column
  * const { data, error } = await supabase
  *   .from('users')
  *   .upsert({ username: 'supabot' }, { onConflict: 'username' })
  *
  * // Example response:
  * // {
  * //   data: [
  * //     { id: 4, message: 'bar', username: 'supabot' }
  * //   ],
  * //   error: null
  * // }
  * ```
  *
  * @example Upsert with conflict resolution and exact row counting
  * ```ts
  * // Upserting and returning exact count
  * const { data, error, count } = await supabase
  *   .from('users')
  *   .upsert(
  *     {
  *       id: 3,
  *       message: 'foo',
  *       username: 'supabot'
  *     },
  *     {
  *       onConflict: 'username',
  *       count: 'exact'
  *     }
  *   )
  *
  * // Example response:
  * // {
  * //   data: [
  * //     {
  * //       id: 42,
  * //       handle: "saoirse",
  * //       display_name: "Saoirse"
  * //     }
  * //   ],
  * //   count: 1,
  * //   error: null
  * // }
  * ```
  *
  * @category Database
  *
  * @remarks
  * - Primary keys must be included in `values` to use upsert.
  *
  * @example Upsert your data
  * ```ts
  * const { data, error } = await supabase
  *   .from('instruments')
  *   .upsert({ id: 1, name: 'piano' })
  *   .select()
  * ```
  *
  * @exampleSql Upsert your data
  * ```sql
  * create table
  *   instruments (id int8 primary key, name text);
  *
  * insert into
  *   instruments (id, name)
  * values
  *   (1, 'harpsichord');
  * ```
  *
  * @exampleResponse Upsert your data
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "piano"
  *     }
  *   ],
  *   "status": 201,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Handling errors
  * `error.hint` from Postgres often contains the actionable fix (e.g. `"Grant the required privileges to the current role with: GRANT INSERT, UPDATE ON public.instruments TO anon;"` for a `42501` permission-denied error). Log the full `error` object so it isn't hidden behind `error.message`.
  *
  * @example Handling errors
  * ```js
  * const { data, error } = await supabase.from('instruments').upsert({ id: 1, name: 'piano' }).select()
  * if (error) console.error(error)
  * ```
  *
  * @example Bulk Upsert your data
  * ```ts
  * const { data, error } = await supabase
  *   .from('instruments')
  *   .upsert([
  *     { id: 1, name: 'piano' },
  *     { id: 2, name: 'harp' },
  *   ])
  *   .select()
  * ```
  *
  * @exampleSql Bulk Upsert your data
  * ```sql
  * create table
  *   instruments (id int8 primary key, name text);
  *
  * insert into
  *   instruments (id, name)
  * values
  *   (1, 'harpsichord');
  * ```
  *
  * @exampleResponse Bulk Upsert your data
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "piano"
  *     },
  *     {
  *       "id": 2,
  *       "name": "harp"
  *     }
  *   ],
  *   "status": 201,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Upserting into tables with constraints
  * In the following query, `upsert()` implicitly uses the `id`
  * (primary key) column to determine conflicts. If there is no existing
  * row with the same `id`, `upsert()` inserts a new row, which
  * will fail in this case as there is already a row with `handle` `"saoirse"`.
  * Using the `onConflict` option, you can instruct `upsert()` to use
  * another column with a unique constraint to determine conflicts.
  *
  * @example Upserting into tables with constraints
  * ```ts
  * const { data, error } = await supabase
  *   .from('users')
  *   .upsert({ id: 42, handle: 'saoirse', display_name: 'Saoirse' })
  *   .select()
  * ```
  *
  * @exampleSql Upserting into tables with constraints
  * ```sql
  * create table
  *   users (
  *     id int8 generated by default as identity primary key,
  *     handle text not null unique,
  *     display_name text
  *   );
  *
  * insert into
  *   users (id, handle, display_name)
  * values
  *   (1, 'saoirse', null);
  * ```
  *
  * @exampleResponse Upserting into tables with constraints
  * ```json
  * {
  *   "error": {
  *     "code": "23505",
  *     "details": "Key (handle)=(saoirse) already exists.",
  *     "hint": null,
  *     "message": "duplicate key value violates unique constraint \"users_handle_key\""
  *   },
  *   "status": 409,
  *   "statusText": ""
  * }
  * ```
  */
  upsert(values, { onConflict, ignoreDuplicates = false, count, defaultToNull = true } = {}) {
    var _this$fetch2;
    const method = "POST";
    const { url, headers } = this.cloneRequestState();
    headers.append("Prefer", `resolution=${ignoreDuplicates ? "ignore" : "merge"}-duplicates`);
    if (onConflict !== void 0) url.searchParams.set("on_conflict", onConflict);
    if (count) headers.append("Prefer", `count=${count}`);
    if (!defaultToNull) headers.append("Prefer", "missing=default");
    if (Array.isArray(values)) {
      const columns = values.reduce((acc, x) => acc.concat(Object.keys(x)), []);
      if (columns.length > 0) {
        const uniqueColumns = [
          ...new Set(columns)
        ].map((column) => `"${column}"`);
        url.searchParams.set("columns", uniqueColumns.join(","));
      }
    }
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schema,
      body: values,
      fetch: (_this$fetch2 = this.fetch) !== null && _this$fetch2 !== void 0 ? _this$fetch2 : fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
  /**
  * Perform an UPDATE on the table or view.
  *
  * By default, updated rows are not returned. To return it, chain the call
  * with `.select()` after filters.
  *
  * @param values - The values to update with
  *
  * @param options - Named parameters
  *
  * @param options.count - Count algorithm to use to count updated rows.
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @category Database
  *
  * @remarks
  * - `update()` should always be combined with [Filters](/docs/reference/javascript/using-filters) to target the item(s) you wish to update.
  *
  * @example Updating your data
  * ```ts
  * const { error } = await supabase
  *   .from('instruments')
  *   .update({ name: 'piano' })
  *   .eq('id', 1)
  * ```
  *
  * @exampleSql Updating your data
  * ```sql
  * create table
  *   instruments (id int8 primary key, name text);
  *
  * insert into
  *   instruments (id, name)
  * values
  *   (1, 'harpsichord');
  * ```
  *
  * @exampleResponse Updating your data
  * ```json
  * {
  *   "status": 204,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Handling errors
  * `error.hint` from Postgres often contains the actionable fix (e.g. `"Grant the required privileges to the current role with: GRANT UPDATE ON public.instruments TO anon;"` for a `42501` permission-denied error). Log the full `error` object so it isn't hidden behind `error.message`.
  *
  * @example Handling errors
  * ```js
  * const { error } = await supabase.from('instruments').update({ name: 'piano' }).eq('id', 1)
  * if (error) console.error(error)
  * ```
  *
  * @example Update a record and return it
  * ```ts
  * const { data, error } = await supabase
  *   .from('instruments')
  *   .update({ name: 'piano' })
  *   .eq('id', 1)
  *   .select()
  * ```
  *
  * @exampleSql Update a record and return it
  * ```sql
  * create table
  *   instruments (id int8 primary key, name text);
  *
  * insert into
  *   instruments (id, name)
  * values
  *   (1, 'harpsichord');
  * ```
  *
  * @exampleResponse Update a record and return it
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "piano"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Updating JSON data
  * Postgres offers some
  * [operators](/docs/guides/database/json#query-the-jsonb-data) for
  * working with JSON data. Currently, it is only possible to update the entire JSON document.
  *
  * @example Updating JSON data
  * ```ts
  * const { data, error } = await supabase
  *   .from('users')
  *   .update({
  *     address: {
  *       street: 'Melrose Place',
  *       postcode: 90210
  *     }
  *   })
  *   .eq('address->postcode', 90210)
  *   .select()
  * ```
  *
  * @exampleSql Updating JSON data
  * ```sql
  * create table
  *   users (
  *     id int8 primary key,
  *     name text,
  *     address jsonb
  *   );
  *
  * insert into
  *   users (id, name, address)
  * values
  *   (1, 'Michael', '{ "postcode": 90210 }');
  * ```
  *
  * @exampleResponse Updating JSON data
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Michael",
  *       "address": {
  *         "street": "Melrose Place",
  *         "postcode": 90210
  *       }
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  update(values, { count } = {}) {
    var _this$fetch3;
    const method = "PATCH";
    const { url, headers } = this.cloneRequestState();
    if (count) headers.append("Prefer", `count=${count}`);
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schema,
      body: values,
      fetch: (_this$fetch3 = this.fetch) !== null && _this$fetch3 !== void 0 ? _this$fetch3 : fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
  /**
  * Perform a DELETE on the table or view.
  *
  * By default, deleted rows are not returned. To return it, chain the call
  * with `.select()` after filters.
  *
  * @param options - Named parameters
  *
  * @param options.count - Count algorithm to use to count deleted rows.
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @category Database
  *
  * @remarks
  * - `delete()` should always be combined with [filters](/docs/reference/javascript/using-filters) to target the item(s) you wish to delete.
  * - If you use `delete()` with filters and you have
  *   [RLS](/docs/learn/auth-deep-dive/auth-row-level-security) enabled, only
  *   rows visible through `SELECT` policies are deleted. Note that by default
  *   no rows are visible, so you need at least one `SELECT`/`ALL` policy that
  *   makes the rows visible.
  * - When using `delete().in()`, specify an array of values to target multiple rows with a single query. This is particularly useful for batch deleting entries that share common criteria, such as deleting users by their IDs. Ensure that the array you provide accurately represents all records you intend to delete to avoid unintended data removal.
  *
  * @example Delete a single record
  * ```ts
  * const response = await supabase
  *   .from('countries')
  *   .delete()
  *   .eq('id', 1)
  * ```
  *
  * @exampleSql Delete a single record
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  *
  * insert into
  *   countries (id, name)
  * values
  *   (1, 'Mordor');
  * ```
  *
  * @exampleResponse Delete a single record
  * ```json
  * {
  *   "status": 204,
  *   "statusText": ""
  * }
  * ```
  *
  * @exampleDescription Handling errors
  * `error.hint` from Postgres often contains the actionable fix (e.g. `"Grant the required privileges to the current role with: GRANT DELETE ON public.countries TO anon;"` for a `42501` permission-denied error). Log the full `error` object so it isn't hidden behind `error.message`.
  *
  * @example Handling errors
  * ```js
  * const { error } = await supabase.from('countries').delete().eq('id', 1)
  * if (error) console.error(error)
  * ```
  *
  * @example Delete a record and return it
  * ```ts
  * const { data, error } = await supabase
  *   .from('countries')
  *   .delete()
  *   .eq('id', 1)
  *   .select()
  * ```
  *
  * @exampleSql Delete a record and return it
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  *
  * insert into
  *   countries (id, name)
  * values
  *   (1, 'Mordor');
  * ```
  *
  * @exampleResponse Delete a record and return it
  * ```json
  * {
  *   "data": [
  *     {
  *       "id": 1,
  *       "name": "Mordor"
  *     }
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example Delete multiple records
  * ```ts
  * const response = await supabase
  *   .from('countries')
  *   .delete()
  *   .in('id', [1, 2, 3])
  * ```
  *
  * @exampleSql Delete multiple records
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  *
  * insert into
  *   countries (id, name)
  * values
  *   (1, 'Rohan'), (2, 'The Shire'), (3, 'Mordor');
  * ```
  *
  * @exampleResponse Delete multiple records
  * ```json
  * {
  *   "status": 204,
  *   "statusText": ""
  * }
  * ```
  */
  delete({ count } = {}) {
    var _this$fetch4;
    const method = "DELETE";
    const { url, headers } = this.cloneRequestState();
    if (count) headers.append("Prefer", `count=${count}`);
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schema,
      fetch: (_this$fetch4 = this.fetch) !== null && _this$fetch4 !== void 0 ? _this$fetch4 : fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
};
function toOpenApiError(body, statusText) {
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      var _parsed$message, _parsed$details, _parsed$hint, _parsed$code;
      return new PostgrestError({
        message: String((_parsed$message = parsed.message) !== null && _parsed$message !== void 0 ? _parsed$message : body),
        details: (_parsed$details = parsed.details) !== null && _parsed$details !== void 0 ? _parsed$details : "",
        hint: (_parsed$hint = parsed.hint) !== null && _parsed$hint !== void 0 ? _parsed$hint : "",
        code: (_parsed$code = parsed.code) !== null && _parsed$code !== void 0 ? _parsed$code : ""
      });
    }
  } catch (_unused) {
  }
  return new PostgrestError({
    message: body || statusText,
    details: "",
    hint: "",
    code: ""
  });
}
function toTransportFailure(cause, status, statusText) {
  var _err$name;
  const err = cause;
  return {
    success: false,
    error: new PostgrestError({
      message: `${(_err$name = err === null || err === void 0 ? void 0 : err.name) !== null && _err$name !== void 0 ? _err$name : "FetchError"}: ${err === null || err === void 0 ? void 0 : err.message}`,
      details: "",
      hint: "",
      code: ""
    }),
    data: null,
    count: null,
    status,
    statusText
  };
}
function withTimeout2(fetch$1, timeout) {
  if (timeout === void 0 || timeout <= 0) return fetch$1;
  return (input, init) => {
    const controller = new AbortController();
    const timeoutId = setTimeout(() => controller.abort(), timeout);
    const existingSignal = init === null || init === void 0 ? void 0 : init.signal;
    if (existingSignal) {
      if (existingSignal.aborted) {
        clearTimeout(timeoutId);
        return fetch$1(input, init);
      }
      const abortHandler = () => {
        clearTimeout(timeoutId);
        controller.abort();
      };
      existingSignal.addEventListener("abort", abortHandler, {
        once: true
      });
      return fetch$1(input, _objectSpread2(_objectSpread2({}, init), {}, {
        signal: controller.signal
      })).finally(() => {
        clearTimeout(timeoutId);
        existingSignal.removeEventListener("abort", abortHandler);
      });
    }
    return fetch$1(input, _objectSpread2(_objectSpread2({}, init), {}, {
      signal: controller.signal
    })).finally(() => clearTimeout(timeoutId));
  };
}
var PostgrestClient = class PostgrestClient2 {
  /**
  * Creates a PostgREST client.
  *
  * @param url - URL of the PostgREST endpoint
  * @param options - Named parameters
  * @param options.headers - Custom headers
  * @param options.schema - Postgres schema to switch to
  * @param options.fetch - Custom fetch
  * @param options.timeout - Optional timeout in milliseconds for all requests. When set, requests will automatically abort after this duration to prevent indefinite hangs.
  * @param options.urlLengthLimit - Maximum URL length in characters before warnings/errors are triggered. Defaults to 8000.
  * @param options.retry - Enable or disable automatic retries for transient errors.
  *   When enabled, idempotent requests (GET, HEAD, OPTIONS) that fail with network
  *   errors or HTTP 503/520 responses will be automatically retried up to 3 times
  *   with exponential backoff (1s, 2s, 4s). Defaults to `true`.
  * @param options.wrapFetch - Wraps every fetch this client uses, including a per-request
  *   `fetch` passed to `from()`, and is carried over to clients returned by `schema()`.
  *   Use it for headers or instrumentation that must reach every request regardless of
  *   which fetch performs it.
  * @example Using supabase-js (recommended)
  * ```ts
  * import { createClient } from '@supabase/supabase-js'
  *
  * const supabase = createClient('https://xyzcompany.supabase.co', 'your-publishable-key')
  * const { data, error } = await supabase.from('profiles').select('*')
  * ```
  *
  * @category Database
  *
  * @remarks
  * - A `timeout` option (in milliseconds) can be set to automatically abort requests that take too long.
  * - A `urlLengthLimit` option (default: 8000) can be set to control when URL length warnings are included in error messages for aborted requests.
  *
  * @example Standalone import for bundle-sensitive environments
  * ```ts
  * import { PostgrestClient } from '@supabase/postgrest-js'
  *
  * const postgrest = new PostgrestClient('https://xyzcompany.supabase.co/rest/v1', {
  *   headers: { apikey: 'your-publishable-key' },
  *   schema: 'public',
  *   timeout: 30000, // 30 second timeout
  * })
  * ```
  */
  constructor(url, { headers = {}, schema, fetch: fetch$1, timeout, urlLengthLimit = 8e3, retry, wrapFetch } = {}) {
    this.url = url;
    this.headers = new Headers(headers);
    this.schemaName = schema;
    this.urlLengthLimit = urlLengthLimit;
    this.timeout = timeout;
    this.wrapFetch = wrapFetch;
    this.baseFetch = fetch$1 !== null && fetch$1 !== void 0 ? fetch$1 : globalThis.fetch;
    this.fetch = this.baseFetch ? this.decorateFetch(this.baseFetch) : void 0;
    this.retry = retry;
  }
  /**
  * Applies the client's decorations to a fetch implementation: `wrapFetch`
  * first, then the timeout guard, so the timeout bounds the whole wrapped call.
  * The client-level fetch and every per-request `fetch` passed to `from()` go
  * through this.
  */
  decorateFetch(fetch$1) {
    return withTimeout2(this.wrapFetch ? this.wrapFetch(fetch$1) : fetch$1, this.timeout);
  }
  from(relation, options) {
    var _options$urlLengthLim, _options$retry;
    if (!relation || typeof relation !== "string" || relation.trim() === "") throw new Error("Invalid relation name: relation must be a non-empty string.");
    return new PostgrestQueryBuilder(new URL(`${this.url}/${relation}`), {
      headers: new Headers(this.headers),
      schema: this.schemaName,
      fetch: (options === null || options === void 0 ? void 0 : options.fetch) ? this.decorateFetch(options.fetch) : this.fetch,
      urlLengthLimit: (_options$urlLengthLim = options === null || options === void 0 ? void 0 : options.urlLengthLimit) !== null && _options$urlLengthLim !== void 0 ? _options$urlLengthLim : this.urlLengthLimit,
      retry: (_options$retry = options === null || options === void 0 ? void 0 : options.retry) !== null && _options$retry !== void 0 ? _options$retry : this.retry
    });
  }
  /**
  * Select a schema to query or perform an function (rpc) call.
  *
  * The schema needs to be on the list of exposed schemas inside Supabase.
  *
  * @param schema - The schema to query
  *
  * @category Database
  */
  schema(schema) {
    return new PostgrestClient2(this.url, {
      headers: this.headers,
      schema,
      fetch: this.baseFetch,
      timeout: this.timeout,
      wrapFetch: this.wrapFetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
  /**
  * Fetch the OpenAPI description PostgREST publishes for this client's schema.
  *
  * The document lists only the tables, views and functions the caller's role
  * holds privileges on; PostgREST applies that filtering server-side. The
  * schema is the one this client was created with, so call `.schema()` first
  * to describe a different one. Transient failures are retried according to
  * the client's `retry` option, like any other idempotent request.
  *
  * @example
  * ```ts
  * const { data, error } = await supabase.getOpenApiSpec()
  * ```
  *
  * @example Describe a schema other than the client default
  * ```ts
  * const { data, error } = await supabase.schema('billing').getOpenApiSpec()
  * ```
  *
  * @category Database
  */
  async getOpenApiSpec() {
    var _this = this;
    var _this$fetch;
    const headers = new Headers(_this.headers);
    headers.set("Accept", "application/openapi+json");
    if (_this.schemaName) headers.set("Accept-Profile", _this.schemaName);
    const requestHeaders = {};
    headers.forEach((value, key) => {
      requestHeaders[key] = value;
    });
    const fetchImpl = (_this$fetch = _this.fetch) !== null && _this$fetch !== void 0 ? _this$fetch : globalThis.fetch;
    let res;
    try {
      var _this$retry;
      res = await fetchWithRetry(fetchImpl, `${_this.url}/`, {
        method: "GET",
        headers: requestHeaders
      }, (_this$retry = _this.retry) !== null && _this$retry !== void 0 ? _this$retry : true);
    } catch (fetchError) {
      return toTransportFailure(fetchError, 0, "");
    }
    let body;
    try {
      body = await res.text();
    } catch (readError) {
      return toTransportFailure(readError, res.status, res.statusText);
    }
    if (res.ok) try {
      return {
        success: true,
        error: null,
        data: JSON.parse(body),
        count: null,
        status: res.status,
        statusText: res.statusText
      };
    } catch (_unused2) {
    }
    return {
      success: false,
      error: toOpenApiError(body, res.statusText),
      data: null,
      count: null,
      status: res.status,
      statusText: res.statusText
    };
  }
  /**
  * Perform a function call.
  *
  * @param fn - The function name to call
  * @param args - The arguments to pass to the function call
  * @param options - Named parameters
  * @param options.head - When set to `true`, `data` will not be returned.
  * Useful if you only need the count.
  * @param options.get - When set to `true`, the function will be called with
  * read-only access mode.
  * @param options.count - Count algorithm to use to count rows returned by the
  * function. Only applicable for [set-returning
  * functions](https://www.postgresql.org/docs/current/functions-srf.html).
  *
  * `"exact"`: Exact but slow count algorithm. Performs a `COUNT(*)` under the
  * hood.
  *
  * `"planned"`: Approximated but fast count algorithm. Uses the Postgres
  * statistics under the hood.
  *
  * `"estimated"`: Uses exact count for low numbers and planned count for high
  * numbers.
  *
  * @example
  * ```ts
  * // For cross-schema functions where type inference fails, use overrideTypes:
  * const { data } = await supabase
  *   .schema('schema_b')
  *   .rpc('function_a', {})
  *   .overrideTypes<{ id: string; user_id: string }[]>()
  * ```
  *
  * @category Database
  *
  * @example Call a Postgres function without arguments
  * ```ts
  * const { data, error } = await supabase.rpc('hello_world')
  * ```
  *
  * @exampleSql Call a Postgres function without arguments
  * ```sql
  * create function hello_world() returns text as $$
  *   select 'Hello world';
  * $$ language sql;
  * ```
  *
  * @exampleResponse Call a Postgres function without arguments
  * ```json
  * {
  *   "data": "Hello world",
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example Call a Postgres function with arguments
  * ```ts
  * const { data, error } = await supabase.rpc('echo', { say: '👋' })
  * ```
  *
  * @exampleSql Call a Postgres function with arguments
  * ```sql
  * create function echo(say text) returns text as $$
  *   select say;
  * $$ language sql;
  * ```
  *
  * @exampleResponse Call a Postgres function with arguments
  * ```json
  *   {
  *     "data": "👋",
  *     "status": 200,
  *     "statusText": "OK"
  *   }
  *
  * ```
  *
  * @exampleDescription Bulk processing
  * You can process large payloads by passing in an array as an argument.
  *
  * @example Bulk processing
  * ```ts
  * const { data, error } = await supabase.rpc('add_one_each', { arr: [1, 2, 3] })
  * ```
  *
  * @exampleSql Bulk processing
  * ```sql
  * create function add_one_each(arr int[]) returns int[] as $$
  *   select array_agg(n + 1) from unnest(arr) as n;
  * $$ language sql;
  * ```
  *
  * @exampleResponse Bulk processing
  * ```json
  * {
  *   "data": [
  *     2,
  *     3,
  *     4
  *   ],
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @exampleDescription Call a Postgres function with filters
  * Postgres functions that return tables can also be combined with [Filters](/docs/reference/javascript/using-filters) and [Modifiers](/docs/reference/javascript/using-modifiers).
  *
  * @example Call a Postgres function with filters
  * ```ts
  * const { data, error } = await supabase
  *   .rpc('list_stored_countries')
  *   .eq('id', 1)
  *   .single()
  * ```
  *
  * @exampleSql Call a Postgres function with filters
  * ```sql
  * create table
  *   countries (id int8 primary key, name text);
  *
  * insert into
  *   countries (id, name)
  * values
  *   (1, 'Rohan'),
  *   (2, 'The Shire');
  *
  * create function list_stored_countries() returns setof countries as $$
  *   select * from countries;
  * $$ language sql;
  * ```
  *
  * @exampleResponse Call a Postgres function with filters
  * ```json
  * {
  *   "data": {
  *     "id": 1,
  *     "name": "Rohan"
  *   },
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  *
  * @example Call a read-only Postgres function
  * ```ts
  * const { data, error } = await supabase.rpc('hello_world', undefined, { get: true })
  * ```
  *
  * @exampleSql Call a read-only Postgres function
  * ```sql
  * create function hello_world() returns text as $$
  *   select 'Hello world';
  * $$ language sql;
  * ```
  *
  * @exampleResponse Call a read-only Postgres function
  * ```json
  * {
  *   "data": "Hello world",
  *   "status": 200,
  *   "statusText": "OK"
  * }
  * ```
  */
  rpc(fn, args = {}, { head = false, get = false, count } = {}) {
    var _this$fetch2;
    let method;
    const url = new URL(`${this.url}/rpc/${fn}`);
    let body;
    const _isObject = (v) => v !== null && typeof v === "object" && (!Array.isArray(v) || v.some(_isObject));
    const _hasObjectArg = head && Object.values(args).some(_isObject);
    if (_hasObjectArg) {
      method = "POST";
      body = args;
    } else if (head || get) {
      method = head ? "HEAD" : "GET";
      Object.entries(args).filter(([_, value]) => value !== void 0).map(([name, value]) => [
        name,
        Array.isArray(value) ? `{${value.join(",")}}` : `${value}`
      ]).forEach(([name, value]) => {
        url.searchParams.append(name, value);
      });
    } else {
      method = "POST";
      body = args;
    }
    const headers = new Headers(this.headers);
    if (_hasObjectArg) headers.set("Prefer", count ? `count=${count},return=minimal` : "return=minimal");
    else if (count) headers.set("Prefer", `count=${count}`);
    return new PostgrestFilterBuilder({
      method,
      url,
      headers,
      schema: this.schemaName,
      body,
      fetch: (_this$fetch2 = this.fetch) !== null && _this$fetch2 !== void 0 ? _this$fetch2 : fetch,
      urlLengthLimit: this.urlLengthLimit,
      retry: this.retry
    });
  }
};

// db/client.ts
function databaseHeaders(keys) {
  return keys.databaseKeyKind === "secret_key" ? {
    apikey: keys.databaseKey
  } : {
    apikey: keys.databaseKey,
    authorization: `Bearer ${keys.databaseKey}`
  };
}
function createDatabaseClient(options) {
  const rest = new PostgrestClient(`${options.supabaseUrl.replace(/\/+$/, "")}/rest/v1`, {
    headers: databaseHeaders(options.keys),
    fetch: options.fetch
  });
  return {
    rpc: (fn, args) => rest.rpc(fn, args)
  };
}

// http/auth.ts
var SYNC_SECRET_HEADER = "x-balance-sync-secret";
var encoder3 = new TextEncoder();
function digestsEqual(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ (b[i] ?? 0);
  return diff === 0;
}
function bearerToken(header) {
  if (header === null) return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
async function createAuthenticator(secrets) {
  const key = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), {
    name: "HMAC",
    hash: "SHA-256"
  }, false, [
    "sign"
  ]);
  const mac = async (value) => new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder3.encode(value)));
  const macs = (values) => Promise.all(values.filter((v) => v.length > 0).map(mac));
  const legacy = secrets.serviceRoleKey && !secrets.refuseLegacyKeys ? [
    secrets.serviceRoleKey
  ] : [];
  const accepted = {
    bearer: await macs(legacy),
    apikey: await macs([
      ...legacy,
      ...secrets.secretKeys
    ]),
    sync: await macs(secrets.syncSecret ? [
      secrets.syncSecret
    ] : [])
  };
  const serviceRole = (await macs(legacy))[0];
  return async (headers) => {
    const presented = {
      bearer: bearerToken(headers.get("authorization")),
      apikey: headers.get("apikey")?.trim() || null,
      sync: headers.get(SYNC_SECRET_HEADER)?.trim() || null
    };
    const [bearer, apikey, sync] = await Promise.all([
      mac(presented.bearer ?? ""),
      mac(presented.apikey ?? ""),
      mac(presented.sync ?? "")
    ]);
    let viaBearer = false, viaApikey = false, viaSync = false, apikeyIsServiceRole = false;
    for (const a of accepted.bearer) viaBearer = digestsEqual(bearer, a) || viaBearer;
    for (const a of accepted.apikey) viaApikey = digestsEqual(apikey, a) || viaApikey;
    for (const a of accepted.sync) viaSync = digestsEqual(sync, a) || viaSync;
    if (serviceRole) apikeyIsServiceRole = digestsEqual(apikey, serviceRole);
    if (presented.bearer !== null && viaBearer) return "service_role";
    if (presented.apikey !== null && viaApikey) {
      return apikeyIsServiceRole ? "service_role" : "secret_key";
    }
    if (presented.sync !== null && viaSync) return "sync_secret";
    return null;
  };
}

// log.ts
var MAX_LINE_CHARS = 1e4;
var RANK = {
  debug: 10,
  info: 20,
  notice: 25,
  warn: 30,
  error: 40
};
var consoleSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};
function replacer(_key, value) {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return {
    name: value.name,
    message: value.message
  };
  return value;
}
function createLogger(options = {}, base = {}) {
  const level = options.level ?? "info";
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? (() => /* @__PURE__ */ new Date());
  const redact = [
    ...new Set((options.redact ?? []).filter((s) => s.length >= 8).flatMap((s) => [
      s,
      JSON.stringify(s).slice(1, -1)
    ]))
  ];
  const write = (lineLevel, msg, fields) => {
    if (RANK[lineLevel] < RANK[level]) return;
    let line = JSON.stringify({
      level: lineLevel,
      time: now().toISOString(),
      msg,
      ...base,
      ...fields
    }, replacer);
    for (const secret of redact) {
      if (line.includes(secret)) line = line.replaceAll(secret, "[redacted]");
    }
    if (line.length > MAX_LINE_CHARS) line = shortened(line, lineLevel, msg, base);
    sink(line, lineLevel);
  };
  return {
    level,
    enabled: (l) => RANK[l] >= RANK[level],
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    notice: (msg, fields) => write("notice", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(options, {
      ...base,
      ...fields
    })
  };
}
function shortened(line, level, msg, base) {
  const head = JSON.stringify({
    level,
    msg: msg.slice(0, 500),
    ...base,
    truncated_chars: line.length
  }, replacer);
  const room = MAX_LINE_CHARS - head.length - 64;
  const fields = JSON.stringify(line.slice(0, Math.max(0, room)));
  const preview = fields.length > room ? JSON.stringify(line.slice(0, Math.floor(room / 6))) : fields;
  return `${head.slice(0, -1)},"preview":${preview}}`;
}
var RowLineCap = class {
  log;
  max;
  #written;
  omitted;
  constructor(log, max) {
    this.log = log;
    this.max = max;
    this.#written = 0;
    this.omitted = 0;
  }
  warn(msg, fields) {
    this.#line("warn", msg, fields);
  }
  info(msg, fields) {
    this.#line("info", msg, fields);
  }
  #line(level, msg, fields) {
    if (!this.log.enabled(level)) return;
    if (this.#written >= this.max) {
      this.omitted++;
      return;
    }
    this.#written++;
    this.log[level](msg, fields);
  }
};

// http/request.ts
var TICK_AT_HEADER = "x-balance-sync-tick-at";
var ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$/;
function tickAtHeader(headers) {
  const value = headers.get(TICK_AT_HEADER)?.trim();
  if (value === void 0 || value === "") return null;
  if (!ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw new BadRequest(`${TICK_AT_HEADER} must be an ISO 8601 timestamp with its zone, got ${JSON.stringify(value.slice(0, 64))}`, TICK_AT_HEADER);
  }
  return value;
}
var BadRequest = class extends Error {
  field;
  name;
  constructor(message, field) {
    super(message), this.field = field, this.name = "BadRequest";
  }
};
var MAX_BODY_BYTES = 64 * 1024;
var bodyLimit = (maxIds) => Math.max(MAX_BODY_BYTES, maxIds * 40 + 1024);
var FILTER_KEYS = [
  "wallet_id",
  "wallet_balance_ids",
  "asset_on_chain_id",
  "chain_id"
];
var BODY_KEYS = [
  ...FILTER_KEYS,
  "scheduled",
  "webhooks"
];
var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
var describe = (value) => value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
async function readBody(request, maxBytes) {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await request.body?.cancel().catch(() => {
    });
    throw new BadRequest(`body is larger than ${maxBytes} bytes`);
  }
  if (request.body === null) return new Uint8Array();
  const chunks = [];
  let size3 = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size3 += value.byteLength;
    if (size3 > maxBytes) {
      await reader.cancel().catch(() => {
      });
      throw new BadRequest(`body is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size3);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
function uuidField(key, value) {
  if (typeof value !== "string") {
    throw new BadRequest(`${key} must be a uuid string, got ${describe(value)}`, key);
  }
  if (!UUID.test(value)) throw new BadRequest(`${key} is not a valid uuid`, key);
  return value.toLowerCase();
}
function idList(value, maxIds) {
  const key = "wallet_balance_ids";
  if (!Array.isArray(value)) {
    throw new BadRequest(`${key} must be an array of uuid strings, got ${describe(value)}`, key);
  }
  if (value.length === 0) throw new BadRequest(`${key} must not be empty`, key);
  if (value.length > maxIds) {
    throw new BadRequest(`${key} holds ${value.length} ids; at most ${maxIds} are allowed`, key);
  }
  const ids = /* @__PURE__ */ new Set();
  value.forEach((id, i) => {
    if (typeof id !== "string") {
      throw new BadRequest(`${key}[${i}] must be a uuid string, got ${describe(id)}`, key);
    }
    if (!UUID.test(id)) throw new BadRequest(`${key}[${i}] is not a valid uuid`, key);
    ids.add(id.toLowerCase());
  });
  return [
    ...ids
  ];
}
function scheduledBody(body, keys) {
  if (body.scheduled !== true) {
    throw new BadRequest(`scheduled must be true, got ${describe(body.scheduled)}; leave it out for a forced run`, "scheduled");
  }
  const others = keys.filter((k) => k !== "scheduled" && k !== "chain_id");
  if (others.length > 0) {
    throw new BadRequest(`a scheduled run takes only chain_id; got ${others.join(", ")}`, others[0]);
  }
  return "chain_id" in body ? {
    kind: "scheduled",
    chainId: uuidField("chain_id", body.chain_id)
  } : {
    kind: "scheduled"
  };
}
function interpretBody(body, options) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BadRequest(`body must be a JSON object, got ${describe(body)}`);
  }
  const keys = Object.keys(body);
  const unknown = keys.filter((k) => !BODY_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new BadRequest(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(", ")}; allowed: ${BODY_KEYS.join(", ")}`);
  }
  if (keys.length === 0) return {
    kind: "scheduled"
  };
  if (keys.includes("webhooks")) {
    if (keys.length > 1 || body.webhooks !== true) {
      throw new BadRequest('a webhook run is exactly {"webhooks": true}', "webhooks");
    }
    return {
      kind: "webhooks"
    };
  }
  if (keys.includes("scheduled")) return scheduledBody(body, keys);
  if (keys.length > 1) {
    throw new BadRequest(`give exactly one of ${FILTER_KEYS.join(", ")}; got ${keys.join(", ")}`);
  }
  const record = body;
  const key = keys[0];
  switch (key) {
    case "wallet_balance_ids":
      return {
        kind: "forced",
        filter: {
          wallet_balance_ids: idList(record.wallet_balance_ids, options.maxIds)
        }
      };
    case "wallet_id":
      return {
        kind: "forced",
        filter: {
          wallet_id: uuidField(key, record[key])
        }
      };
    case "asset_on_chain_id":
      return {
        kind: "forced",
        filter: {
          asset_on_chain_id: uuidField(key, record[key])
        }
      };
    case "chain_id":
      return {
        kind: "forced",
        filter: {
          chain_id: uuidField(key, record[key])
        }
      };
  }
}
async function parseRunRequest(request, options) {
  const parsed = await parseBody(request, options);
  if (parsed.kind !== "scheduled") return parsed;
  const tickAt = tickAtHeader(request.headers);
  return tickAt === null ? parsed : {
    ...parsed,
    tickAt
  };
}
async function parseBody(request, options) {
  const bytes = await readBody(request, options.maxBytes ?? bodyLimit(options.maxIds));
  let text2;
  try {
    text2 = new TextDecoder("utf-8", {
      fatal: true
    }).decode(bytes);
  } catch {
    throw new BadRequest("body is not valid UTF-8");
  }
  if (text2.trim() === "") return {
    kind: "scheduled"
  };
  let body;
  try {
    body = JSON.parse(text2);
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  return interpretBody(body, options);
}

// http/history.ts
async function finishRun(operations, log, runId, status, summary) {
  if (!operations) return;
  const { rows: _rows, ...figures } = summary;
  try {
    await operations.finishRun(runId, status, figures);
  } catch (error) {
    log.warn("Run history not written", {
      error: error?.message ?? String(error)
    });
  }
}

// run/cpu.ts
import process from "node:process";
var THREAD_SCHEDSTAT = "/proc/thread-self/schedstat";
function threadCpuMs() {
  try {
    const first = Deno.readTextFileSync(THREAD_SCHEDSTAT).split(" ", 1)[0];
    const ns = Number(first);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}
var threadClockReadable = null;
function isolateCpuMs() {
  if ("EdgeRuntime" in globalThis) return null;
  if (threadClockReadable !== false) {
    const ms = threadCpuMs();
    threadClockReadable = ms !== null;
    if (ms !== null) return ms;
  }
  return processCpuMs();
}
function processCpuMs() {
  if ("EdgeRuntime" in globalThis) return null;
  try {
    const used = process.cpuUsage();
    if (typeof used?.user !== "number" || typeof used?.system !== "number") return null;
    return (used.user + used.system) / 1e3;
  } catch {
    return null;
  }
}
function startCpuClock(read = isolateCpuMs) {
  const start = read();
  if (start === null) return () => null;
  return () => {
    const now = read();
    return now === null ? null : Math.round(now - start);
  };
}
var SharedCpuBudget = class {
  read;
  #inFlight;
  #windowStart;
  #windowRows;
  #reservations;
  constructor(read = isolateCpuMs) {
    this.read = read;
    this.#inFlight = 0;
    this.#windowStart = null;
    this.#windowRows = 0;
    this.#reservations = /* @__PURE__ */ new Set();
  }
  begin() {
    if (this.#inFlight++ === 0) {
      this.#windowStart = this.read();
      this.#windowRows = 0;
    }
    let ended = false;
    const own = {
      ms: () => 0
    };
    this.#reservations.add(own);
    return {
      used: () => {
        const start = this.#windowStart;
        if (start === null) return null;
        const now = this.read();
        if (now === null) return null;
        let reserved = 0;
        for (const r of this.#reservations) if (r !== own) reserved += Math.max(0, r.ms());
        return Math.round(now - start + reserved);
      },
      reserve: (ms) => {
        own.ms = ms;
      },
      rowsRead: (rows) => {
        this.#windowRows += rows;
      },
      cpuPerRow: () => {
        const start = this.#windowStart;
        const now = start === null || this.#windowRows === 0 ? null : this.read();
        return now === null ? null : (now - start) / this.#windowRows;
      },
      sharers: () => Math.max(1, this.#inFlight),
      end: () => {
        if (ended) return;
        ended = true;
        this.#reservations.delete(own);
        this.#inFlight--;
      }
    };
  }
  get inFlight() {
    return this.#inFlight;
  }
};
var isolateCpu = new SharedCpuBudget();

// db/store.ts
var StoreUnavailable = class extends Error {
  operation;
  code;
  status;
  name;
  constructor(operation, message, code = null, status = null) {
    super(`${operation}: ${message}`), this.operation = operation, this.code = code, this.status = status, this.name = "StoreUnavailable";
  }
};
var FilterNotFound = class extends Error {
  field;
  name;
  constructor(message, field) {
    super(message), this.field = field, this.name = "FilterNotFound";
  }
};
var FUNCTION_NOT_FOUND = "PGRST202";
var NO_DATA_FOUND = "P0002";
var isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function text(row, key, nullable = false) {
  const value = row[key];
  if (value === null || value === void 0) {
    if (nullable) return null;
    throw new TypeError(`missing ${key}`);
  }
  if (typeof value !== "string") throw new TypeError(`${key} is not a string`);
  return value;
}
function num(row, key) {
  const value = row[key];
  if (value === null || value === void 0) return null;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new TypeError(`${key} is not a number`);
  return n;
}
function toRow(raw) {
  if (!isObject(raw)) throw new TypeError("row is not an object");
  const row = {
    id: text(raw, "id"),
    walletId: text(raw, "wallet_id", true),
    assetOnChainId: text(raw, "asset_on_chain_id"),
    assetId: text(raw, "asset_id", true),
    chainId: text(raw, "chain_id"),
    address: text(raw, "address", true),
    contractAddress: text(raw, "contract_address", true),
    decimals: num(raw, "decimals"),
    isNative: raw.is_native === true,
    configError: text(raw, "config_error", true)
  };
  if (!row.configError) row.configError = brokenPromise(row);
  return row;
}
function brokenPromise(row) {
  if (row.address && (row.isNative || row.contractAddress) && Number.isInteger(row.decimals)) {
    return null;
  }
  const missing = [
    !row.address && "address",
    !row.isNative && !row.contractAddress && "contract_address",
    !Number.isInteger(row.decimals) && "decimals"
  ].filter(Boolean);
  return missing.length === 0 ? null : `claim answered a row without config_error and without ${missing.join(", ")}`;
}
function toChainConfig(raw) {
  if (!isObject(raw)) return "chain row is not an object";
  try {
    const family = text(raw, "family", true);
    const rpcUrl = text(raw, "rpc_url", true);
    if (family !== "evm" && family !== "tron" || !rpcUrl) return null;
    const fallback2 = raw.fallback_rpc_urls ?? [];
    if (!Array.isArray(fallback2) || fallback2.some((u) => typeof u !== "string")) {
      return "fallback_rpc_urls is not a list of URLs";
    }
    const confirmations = num(raw, "confirmations") ?? 0;
    const maxRps = num(raw, "max_rps");
    const maxConcurrency = num(raw, "max_concurrency");
    if (!Number.isInteger(confirmations) || confirmations < 0) {
      return `confirmations must be a whole number >= 0, got ${confirmations}`;
    }
    if (maxRps !== null && !(maxRps > 0)) {
      return `max_rps must be > 0 (null: default), got ${maxRps}`;
    }
    if (maxConcurrency !== null && !(Number.isInteger(maxConcurrency) && maxConcurrency > 0)) {
      return `max_concurrency must be a whole number > 0 (null: default), got ${maxConcurrency}`;
    }
    return {
      id: text(raw, "id"),
      name: text(raw, "name", true) ?? text(raw, "id"),
      family,
      rpcUrl,
      fallbackRpcUrls: fallback2,
      multicallAddress: text(raw, "multicall_address", true),
      confirmations,
      evmChainId: num(raw, "evm_chain_id"),
      apiKeyEnv: text(raw, "api_key_env", true),
      maxRps,
      maxConcurrency
    };
  } catch (error) {
    return `chain row is malformed: ${error.message}`;
  }
}
function parseClaim(data) {
  if (!isObject(data)) throw new TypeError("claim result is not an object");
  const rows = Array.isArray(data.rows) ? data.rows.map(toRow) : [];
  const chains = /* @__PURE__ */ new Map();
  const chainErrors = /* @__PURE__ */ new Map();
  if (isObject(data.chains)) {
    for (const [id, raw] of Object.entries(data.chains)) {
      const chain2 = toChainConfig(raw);
      if (typeof chain2 === "string") chainErrors.set(id, chain2);
      else if (chain2) chains.set(id, chain2);
    }
  }
  const busy = Array.isArray(data.busy) ? data.busy.map(String) : [];
  const unknownIds = Array.isArray(data.unknown_ids) ? data.unknown_ids.map(String) : [];
  const refused = Array.isArray(data.refused) ? data.refused.filter(isObject).map((e) => ({
    id: String(e.id),
    reason: String(e.reason)
  })) : [];
  const claim = {
    rows,
    chains,
    chainErrors,
    busy,
    unknownIds,
    refused
  };
  const chainLease = leaseState(data.chain_lease);
  if (chainLease) {
    claim.chainLease = chainLease;
    claim.chainLeaseHolder = text(data, "chain_lease_holder", true);
    claim.chainLeaseLockedUntil = text(data, "chain_lease_locked_until", true);
  }
  return claim;
}
var leaseState = (value) => value === "held" || value === "lost" ? value : void 0;
function parseRunSettings(data) {
  if (!isObject(data)) throw new TypeError("run settings are not an object");
  const whole2 = (key, min) => {
    const n = num(data, key);
    if (n === null || !Number.isInteger(n) || n < min) {
      throw new TypeError(`${key} must be a whole number >= ${min}, got ${JSON.stringify(data[key])}`);
    }
    return n;
  };
  return {
    minIntervalSeconds: whole2("min_interval_seconds", 0),
    rowsPerRun: whole2("rows_per_run", 1),
    pgNetTimeoutMs: whole2("pg_net_timeout_ms", 1)
  };
}
var indexed = (list) => Array.isArray(list) ? list.filter(isObject).map((e) => ({
  index: Number(e.index),
  id: e.id,
  reason: String(e.reason)
})) : [];
function parseRecordOutcome(data) {
  if (!isObject(data)) throw new TypeError("record result is not an object");
  const count = (key) => {
    const n = num(data, key);
    return n ?? 0;
  };
  return {
    applied: count("applied"),
    errored: count("errored"),
    staleRejected: count("stale_rejected"),
    lost: count("lost"),
    staleIds: Array.isArray(data.stale_ids) ? data.stale_ids.map(String) : [],
    lostIds: Array.isArray(data.lost_ids) ? data.lost_ids.map(String) : [],
    invalid: indexed(data.invalid),
    refused: indexed(data.refused),
    ...leaseState(data.chain_lease) ? {
      chainLease: leaseState(data.chain_lease)
    } : {},
    chainLeasesLost: Array.isArray(data.chain_leases_lost) ? data.chain_leases_lost.map(String) : []
  };
}
function parseDueChains(data) {
  if (!Array.isArray(data)) throw new TypeError("due chains is not an array");
  return data.map((raw) => {
    if (!isObject(raw)) throw new TypeError("due chain is not an object");
    return {
      chainId: text(raw, "chain_id"),
      name: text(raw, "name", true) ?? text(raw, "chain_id"),
      rateLimited: raw.rate_limited === true,
      due: num(raw, "due") ?? 0
    };
  });
}
function parseChainLease(data) {
  if (!isObject(data) || typeof data.acquired !== "boolean") {
    throw new TypeError("chain lease answer has no acquired flag");
  }
  if (data.acquired) {
    return {
      acquired: true,
      rateLimited: data.rate_limited === true,
      maxRps: num(data, "max_rps"),
      multicall: data.multicall === true
    };
  }
  if (data.unknown_chain === true) {
    return {
      acquired: false,
      rateLimited: false,
      unknownChain: true
    };
  }
  return {
    acquired: false,
    rateLimited: true,
    holder: text(data, "holder", true),
    lockedUntil: text(data, "locked_until", true)
  };
}
function rpcCaller(client, options) {
  return async (fn, args, parse, callOptions = {}) => {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, callOptions.timeoutMs ?? Infinity));
    let response;
    try {
      response = await client.rpc(fn, args).abortSignal(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw new StoreUnavailable(fn, error?.message ?? String(error));
    }
    if (response.error?.code === NO_DATA_FOUND && fn === "balance_sync_claim") {
      throw new FilterNotFound(response.error.message, response.error.details || null);
    }
    if (response.error) {
      throw new StoreUnavailable(fn, response.error.message || "request failed", response.error.code || null, response.status ?? null);
    }
    try {
      return parse(response.data);
    } catch (error) {
      throw new StoreUnavailable(fn, `unexpected response: ${error.message}`);
    }
  };
}
function createStore(client, options) {
  const call = rpcCaller(client, options);
  return {
    runSettings: (c) => call("balance_sync_run_settings", {}, parseRunSettings, c).catch((error) => {
      if (error instanceof StoreUnavailable && error.code === FUNCTION_NOT_FOUND) return null;
      throw error;
    }),
    claim: (o, c) => call("balance_sync_claim", {
      p_worker: o.runId,
      p_limit: o.limit,
      p_lease_seconds: o.leaseSeconds,
      p_filter: o.filter ?? null,
      p_min_interval_seconds: o.minIntervalSeconds ?? null
    }, parseClaim, c),
    record: (runId, results, c) => call("balance_sync_record", {
      p_worker: runId,
      p_results: results
    }, parseRecordOutcome, c),
    release: (runId, ids, c) => call("balance_sync_release", {
      p_worker: runId,
      p_ids: ids
    }, (data) => {
      const n = typeof data === "string" ? Number(data) : data;
      if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("not a count");
      return n;
    }, c),
    dueChains: (minIntervalSeconds, c) => call("balance_sync_due_chains", {
      p_min_interval_seconds: minIntervalSeconds
    }, parseDueChains, c),
    acquireChain: (runId, chainId, leaseSeconds, c) => call("balance_sync_chain_acquire", {
      p_worker: runId,
      p_chain_id: chainId,
      p_lease_seconds: leaseSeconds
    }, parseChainLease, c),
    releaseChain: (runId, chainId, c) => call("balance_sync_chain_release", {
      p_worker: runId,
      p_chain_id: chainId
    }, (data) => {
      if (typeof data !== "boolean") throw new TypeError("not a boolean");
      return data;
    }, c),
    readLimits: (chainId, c) => call("balance_sync_read_limits", {
      p_chain_id: chainId
    }, (data) => data ?? null, c),
    saveReadLimits: (chainId, limits, lowered, c) => call("balance_sync_save_read_limits", {
      p_chain_id: chainId,
      p_limits: limits,
      p_lowered: lowered
    }, (data) => {
      if (typeof data !== "boolean") throw new TypeError("not a boolean");
      return data;
    }, c),
    finishRun: (runId, status, summary) => call("balance_sync_run_finish", {
      p_worker: runId,
      p_status: status,
      p_summary: summary
    }, () => void 0, {
      timeoutMs: options.finishTimeoutMs ?? options.timeoutMs
    }),
    metrics: () => call("balance_sync_metrics", {}, (data) => {
      if (typeof data !== "string") throw new TypeError("metrics are not text");
      return data;
    })
  };
}

// run/book.ts
var STOP_ORDER = [
  "unload",
  // a run that overran its chain lease: rare, and the one to look into
  "chain_lease_lost",
  "budget",
  "cpu",
  "rows_cap",
  "max_batches",
  "chain_busy",
  "forced",
  "drained"
];
var assetType = (row) => row.isNative ? "native" : "token";
var RunBook = class {
  forced;
  summary;
  reports;
  #log;
  constructor(runId, forced, scope, log) {
    this.forced = forced;
    this.reports = [];
    this.#log = log;
    this.summary = {
      run_id: runId,
      kind: forced ? "forced" : "scheduled",
      claimed: 0,
      synced: 0,
      failed: 0,
      stale_rejected: 0,
      released: 0,
      lost: 0,
      invalid: 0,
      busy: 0,
      duration_ms: 0,
      batches: 0,
      stopped: "drained",
      cpu_ms: null,
      rows_cap: scope.rowsCap,
      log_lines_omitted: 0,
      chains: {}
    };
    if (scope.chainId) this.summary.chain_id = scope.chainId;
  }
  /** The chain's entry (created on first mention; a later mention with its config names it). */
  chain(chainId, chain2) {
    let entry = this.summary.chains[chainId];
    if (!entry) {
      entry = this.summary.chains[chainId] = {
        id: chainId,
        name: chain2?.name ?? chainId,
        family: chain2?.family ?? null,
        rows: 0,
        synced: 0,
        failed: 0,
        released: 0,
        block: null,
        rpc_requests: 0,
        mode: null,
        read_ms: 0,
        errors_by_class: {}
      };
    } else if (chain2 && entry.family === null) {
      entry.name = chain2.name;
      entry.family = chain2.family;
    }
    return entry;
  }
  /** The name due chains list a chain by (before its rows are claimed). */
  chainNamed(chainId, name) {
    this.chain(chainId).name = name;
  }
  /** Why the chain's figures look as they do (a read that did not end, an unknown chain, ...). */
  chainNote(chainId, note) {
    this.chain(chainId).note = note;
  }
  /** The chain's loop ended, for `reason`. */
  chainStopped(chainId, reason) {
    return this.chain(chainId).stopped = reason;
  }
  /** Another run holds the rate-limited chain's lease: this run reads none of its rows. */
  chainBusy(chain2, note) {
    const entry = this.chain(chain2.id, chain2.config);
    entry.lease = "busy";
    entry.note = note;
  }
  /** This run held the chain's lease to the end (a lease reported lost stays lost). */
  chainLeaseHeld(chainId) {
    const entry = this.chain(chainId);
    if (entry.lease !== "lost") entry.lease = "held";
  }
  /**
   * This run's lease of a rate-limited chain ran out while it read the chain (it overran: a
   * stalled worker, a slow database), as claim or record reported. Another run may read the chain
   * now, so this one reads no more of it: the chain's loop ends with `chain_lease_lost`. Noted and
   * said in the log once per chain.
   */
  chainLeaseLost(chainId, holder = null) {
    const entry = this.chain(chainId);
    if (entry.lease === "lost") return;
    entry.lease = "lost";
    entry.note = "this run's lease of the rate-limited chain ran out" + (holder?.by ? ` and run ${holder.by} holds it until ${holder.until ?? "unknown"}` : "") + "; this run stopped reading the chain (its rows already read were recorded)";
    this.#log.warn("Chain lease lost; this run stops reading the chain", {
      chain_id: chainId,
      holder: holder?.by ?? null,
      locked_until: holder?.until ?? null
    });
  }
  /** A claim handed these rows out: one more batch. */
  claimed(rows) {
    this.summary.batches++;
    this.summary.claimed += rows;
  }
  /** Rows the claim picked but the database refused to lease: failed in this run. */
  claimRefused(rows) {
    this.summary.failed += rows;
  }
  /** A forced run's rows that another run holds. */
  busy(ids) {
    this.summary.busy += ids.length;
    this.summary.busy_ids = [
      ...this.summary.busy_ids ?? [],
      ...ids
    ];
  }
  /** A forced run's ids that match no row. */
  unknown(ids) {
    this.summary.unknown_ids = ids;
  }
  /** A claimed row goes into a batch. */
  rowClaimed(row, claim) {
    this.chain(row.chainId, claim.chains.get(row.chainId)).rows++;
  }
  /** A row that could not be read (or converted): recorded as its error. */
  rowFailed(row, claim, errorClass, message) {
    const chain2 = this.chain(row.chainId, claim.chains.get(row.chainId));
    chain2.failed++;
    chain2.errors_by_class[errorClass] = (chain2.errors_by_class[errorClass] ?? 0) + 1;
    this.#report(row, claim, {
      status: "failed",
      error: message,
      error_class: errorClass
    });
  }
  /** A row left unread (the deadline): given back, to be read by a later run. */
  rowUnread(row, claim) {
    this.chain(row.chainId).released++;
    this.#report(row, claim, {
      status: "released"
    });
  }
  /** A balance read, to be recorded. */
  rowRead(row, claim, balance) {
    this.chain(row.chainId).synced++;
    this.#report(row, claim, {
      status: "synced",
      ...balance
    });
  }
  /** Time spent in the chain's reader. */
  readTime(chain2, ms) {
    this.chain(chain2.id, chain2).read_ms += ms;
  }
  /** What a read of the chain said of itself: its requests, mode, note and block. */
  chainRead(chain2, read) {
    const entry = this.chain(chain2.id, chain2);
    entry.rpc_requests += read.requests;
    entry.mode = read.mode;
    if (read.note) entry.note = read.note;
    if (read.block !== null) {
      const previous = entry.block === null ? null : BigInt(entry.block);
      if (previous === null || read.block > previous) entry.block = read.block.toString();
    }
  }
  /** What record did with the batch's results, in counts. */
  recorded(outcome) {
    const summary = this.summary;
    summary.synced += outcome.applied;
    summary.failed += outcome.errored;
    summary.stale_rejected += outcome.staleRejected;
    summary.lost += outcome.lost;
    summary.invalid += outcome.invalid.length;
  }
  /**
   * The database refused a result (and recorded the refusal as the row's error): failed, and
   * when the row had been read, no longer synced in its chain's figures.
   */
  recordRefused(row, claim, wasRead) {
    this.summary.failed++;
    if (!row || !wasRead) return;
    const chain2 = this.chain(row.chainId, claim.chains.get(row.chainId));
    chain2.synced--;
    chain2.failed++;
    chain2.errors_by_class.permanent = (chain2.errors_by_class.permanent ?? 0) + 1;
  }
  /** Rows given back to the queue. */
  released(rows) {
    this.summary.released += rows;
  }
  /** Why the run stopped claiming. */
  stop(reason) {
    this.summary.stopped = reason;
  }
  /** The run's end: its duration, the CPU it used and the row lines left out. */
  finish(end) {
    this.summary.duration_ms = end.durationMs;
    this.summary.cpu_ms = end.cpuMs;
    this.summary.log_lines_omitted = end.logLinesOmitted;
  }
  /** The run's answer: the summary, with a forced run's per-row report. */
  answer() {
    if (this.forced) this.summary.rows = this.reports;
    return this.summary;
  }
  #report(row, claim, rest) {
    if (!this.forced) return;
    this.reports.push({
      id: row.id,
      wallet_id: row.walletId,
      asset_on_chain_id: row.assetOnChainId,
      asset_id: row.assetId,
      chain_id: row.chainId,
      chain: claim.chains.get(row.chainId)?.name ?? row.chainId,
      asset_type: assetType(row),
      address: row.address,
      contract_address: row.contractAddress,
      ...rest
    });
  }
  /** Updates the report of rows whose recorded status differs from what the read found. */
  amend(changes) {
    if (!this.forced || changes.size === 0) return;
    for (const rowReport of this.reports) {
      const change = changes.get(rowReport.id);
      if (change) Object.assign(rowReport, change);
    }
  }
};
var rowFields = (row, claim) => ({
  wallet_balance_id: row.id,
  wallet_id: row.walletId,
  asset_type: assetType(row),
  asset_on_chain_id: row.assetOnChainId,
  asset_id: row.assetId,
  contract_address: row.contractAddress,
  chain: claim.chains.get(row.chainId)?.name ?? row.chainId,
  chain_id: row.chainId
});

// run/caps.ts
var MULTICALL_CLAIM_ROWS = 1e3;
function claimRowsFor(mode, batchSize) {
  return mode === "multicall" ? Math.max(batchSize, MULTICALL_CLAIM_ROWS) : batchSize;
}
var CPU_MS_PER_BALANCE = {
  "multicall": 0.04,
  "json-rpc-batch": 0.15,
  "per-call": 1
};
function estimatedCpuMs(mode, balances) {
  return balances * CPU_MS_PER_BALANCE[mode ?? "json-rpc-batch"];
}
var CPU_MS_PER_PACED_REQUEST = 0.5;
function pacedCpuMs(paceRps, remainingMs) {
  return Math.max(0, paceRps * (remainingMs / 1e3) * CPU_MS_PER_PACED_REQUEST);
}
var PACED_CLAIM_SECONDS = 10;
function pacedClaimRows(paceRps, requestsPerBalance, batchSize) {
  const perBalance = Math.max(1 / 1e3, requestsPerBalance);
  return Math.max(batchSize, Math.ceil(paceRps * PACED_CLAIM_SECONDS / perBalance));
}
var PACED_RATE_SHARE = 0.9;
function plannedRps(paceRps, run) {
  const observed = run.readMs >= 1e3 && run.requests > 0 ? run.requests / (run.readMs / 1e3) : Infinity;
  return Math.min(paceRps, observed) * PACED_RATE_SHARE;
}
function claimSize(input) {
  let limit = Math.min(input.batchRows, input.heldCap);
  if (input.paceRps !== null && input.paceRps > 0) {
    const perBalance = Math.max(1 / 1e3, input.requestsPerBalance);
    limit = Math.min(limit, Math.ceil(input.paceRps * input.remainingMs / 1e3 / perBalance));
  }
  if (input.cpuLeftMs !== null && input.cpuPerRowMs !== null && input.cpuPerRowMs > 0) {
    limit = Math.min(limit, Math.floor(input.cpuLeftMs / input.cpuPerRowMs));
  }
  return Math.max(1, Math.floor(limit));
}
var TICK_HANDOFF_MS = 500;
function runBudgetMs(input) {
  const tick = input.tickAt === null ? NaN : Date.parse(input.tickAt);
  if (!Number.isFinite(tick)) return input.budgetMs;
  const untilNextTick = tick + input.intervalMs - TICK_HANDOFF_MS - input.wallNow;
  const ceiling = Math.max(input.budgetMs, input.maxBudgetMs);
  return Math.round(Math.min(ceiling, Math.max(input.budgetMs, untilNextTick)));
}

// run/chain_lease.ts
var ChainLeases = class {
  ctx;
  #held;
  constructor(ctx) {
    this.ctx = ctx;
    this.#held = [];
  }
  /** Asks for the chain's lease; a rate-limited chain's lease, once taken, is given back later. */
  async take(chainId, timeoutMs) {
    const { deps, runId, settings } = this.ctx;
    const lease = await deps.store.acquireChain(runId, chainId, settings.leaseSeconds, {
      timeoutMs
    });
    if (lease.acquired && lease.rateLimited) this.#held.push(chainId);
    return lease;
  }
  /** The lease ran out (claim or record said so): it is no longer this run's to give back. */
  forget(chainId) {
    const at = this.#held.indexOf(chainId);
    if (at >= 0) this.#held.splice(at, 1);
  }
  /**
   * Gives back every lease still held, one after the other, each within its share of the time
   * left; the book says the lease was held. A lease that cannot be given back expires.
   */
  async giveBack() {
    const { deps, runId, book, clock, log } = this.ctx;
    for (const chainId of this.#held.splice(0)) {
      book.chainLeaseHeld(chainId);
      try {
        await deps.store.releaseChain(runId, chainId, {
          timeoutMs: clock.write(2)
        });
      } catch (error) {
        log.error("Could not release the chain lease; it will expire", {
          chain_id: chainId,
          error: error?.message ?? String(error)
        });
      }
    }
  }
};

// amount.ts
var UINT256_MAX = (1n << 256n) - 1n;
var MAX_DECIMALS = 77;
var AmountError = class extends Error {
  data;
  name;
  constructor(message, data) {
    super(message), this.data = data, this.name = "AmountError";
  }
};
function assertDecimals(decimals) {
  if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new AmountError(`decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${decimals}`, {
      decimals
    });
  }
}
function assertRawAmount(raw) {
  if (typeof raw !== "bigint") {
    throw new AmountError(`raw amount must be a bigint, got ${typeof raw}`, {});
  }
  if (raw < 0n || raw > UINT256_MAX) {
    throw new AmountError("raw amount must be within 0..2^256-1", {
      raw: raw.toString()
    });
  }
}
function rawDigits(raw) {
  assertRawAmount(raw);
  return raw.toString();
}
function humanFromDigits(digits, decimals) {
  assertDecimals(decimals);
  if (decimals === 0) return digits;
  const padded = digits.length > decimals ? digits : digits.padStart(decimals + 1, "0");
  const point = padded.length - decimals;
  let end = padded.length;
  while (end > point && padded.charCodeAt(end - 1) === 48) end--;
  const integer2 = padded.slice(0, point);
  return end === point ? integer2 : `${integer2}.${padded.slice(point, end)}`;
}

// run/clock.ts
var RunClock = class {
  now;
  started;
  storeTimeoutMs;
  #finishByMs;
  #budgetMs;
  constructor(now, started, budgetMs, pgNetTimeoutMs, storeTimeoutMs) {
    this.now = now;
    this.started = started;
    this.storeTimeoutMs = storeTimeoutMs;
    this.#budgetMs = budgetMs;
    this.#finishByMs = Math.max(budgetMs, finishByMs(pgNetTimeoutMs));
  }
  get budgetMs() {
    return this.#budgetMs;
  }
  get finishByMs() {
    return this.#finishByMs;
  }
  /**
   * The worker is about to end: no call starts against the deadline any more, and the writes
   * still to come (record what was read, release, the chain lease) share the next `ms`.
   */
  endWithin(ms) {
    const elapsed = this.elapsed();
    this.#budgetMs = Math.min(this.#budgetMs, elapsed);
    this.#finishByMs = Math.min(this.#finishByMs, elapsed + ms);
  }
  /** A longer budget (a paced chain reading until the next tick: caps.ts); never shorter. */
  extendBudget(ms) {
    this.#budgetMs = Math.max(this.#budgetMs, ms);
    this.#finishByMs = Math.max(this.#finishByMs, this.#budgetMs);
  }
  elapsed() {
    return this.now() - this.started;
  }
  /** Timeout of a call that must end by the deadline; null when there is no time left. */
  beforeDeadline() {
    const left = this.#budgetMs - this.elapsed();
    return left <= 0 ? null : Math.max(1, Math.min(this.storeTimeoutMs, Math.floor(left)));
  }
  /** Timeout of a write followed by `callsLeft - 1` more calls, all ending by finishBy. */
  write(callsLeft) {
    const left = (this.#finishByMs - this.elapsed()) / Math.max(1, callsLeft);
    return Math.max(1, Math.min(this.storeTimeoutMs, Math.floor(left)));
  }
};
var DEADLINE = Symbol("deadline");
var Deadline = class {
  #controller = new AbortController();
  reached;
  #timer;
  #endsAt;
  constructor(ms) {
    this.#endsAt = performance.now() + ms;
    this.reached = new Promise((resolve) => {
      this.#controller.signal.addEventListener("abort", () => resolve(DEADLINE), {
        once: true
      });
    });
    this.#timer = setTimeout(() => this.#controller.abort(new DOMException("run budget exhausted", "TimeoutError")), ms);
  }
  get signal() {
    return this.#controller.signal;
  }
  /** The deadline moves to `ms` from now, if that is later; a passed deadline stays passed. */
  extend(ms) {
    const endsAt = performance.now() + ms;
    if (this.passed || endsAt <= this.#endsAt) return;
    this.#endsAt = endsAt;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(new DOMException("run budget exhausted", "TimeoutError")), Math.max(0, ms));
  }
  /** Stops the run now, as the deadline would (the worker is ending: unload.ts). */
  stop(reason) {
    this.#controller.abort(new DOMException(reason, "AbortError"));
  }
  get passed() {
    return this.#controller.signal.aborted;
  }
  dispose() {
    clearTimeout(this.#timer);
  }
};

// run/chain_read.ts
var BatchResults = class {
  ctx;
  claim;
  results;
  successes;
  unread;
  constructor(ctx, claim) {
    this.ctx = ctx;
    this.claim = claim;
    this.results = [];
    this.successes = [];
    this.unread = [];
  }
  fail(row, errorClass, message) {
    this.results.push({
      id: row.id,
      error: message,
      error_class: errorClass
    });
    this.ctx.book.rowFailed(row, this.claim, errorClass, message);
    this.ctx.rowLog.warn("Wallet balance sync failed", {
      ...rowFields(row, this.claim),
      error_class: errorClass,
      error: message
    });
  }
  leaveUnread(row) {
    this.unread.push(row.id);
    this.ctx.book.rowUnread(row, this.claim);
  }
};
async function readBatch(ctx, claim) {
  const out = new BatchResults(ctx, claim);
  const groups = /* @__PURE__ */ new Map();
  for (const row of claim.rows) {
    ctx.book.rowClaimed(row, claim);
    const problem = configurationProblem(row, claim);
    if (problem) {
      out.fail(row, "configuration", problem);
      continue;
    }
    const group = groups.get(row.chainId);
    if (group) group.push(row);
    else groups.set(row.chainId, [
      row
    ]);
  }
  await Promise.all([
    ...groups
  ].map(([chainId, rows]) => readChainBatch(ctx, claim.chains.get(chainId), rows, out)));
  return out;
}
async function within(promise, ms) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((resolve) => timer = setTimeout(() => resolve(DEADLINE), ms))
    ]);
  } finally {
    clearTimeout(timer);
  }
}
function outcomeFinder(outcomes) {
  let byKey;
  return (i, key) => {
    const atPosition = outcomes[i];
    if (atPosition?.key === key) return atPosition;
    byKey ??= new Map(outcomes.map((o) => [
      o.key,
      o
    ]));
    return byKey.get(key);
  };
}
function configurationProblem(row, claim) {
  if (row.configError) return row.configError;
  const chainError = claim.chainErrors.get(row.chainId);
  if (chainError) return chainError;
  if (!claim.chains.has(row.chainId)) return `chain ${row.chainId} is missing from the claim`;
  return null;
}
async function readChainBatch(ctx, chain2, rows, out) {
  const { deps, book, deadline, now, log } = ctx;
  const claim = out.claim;
  const queries = rows.map((row) => ({
    key: row.id,
    address: row.address,
    token: row.isNative ? null : row.contractAddress
  }));
  const readStarted = now();
  let read = DEADLINE;
  try {
    if (!deadline.passed) {
      const timeoutMs = ctx.clock.beforeDeadline() ?? 1;
      const reading = ctx.readLimits.sizesFor(chain2, {
        timeoutMs
      }).then((sizes) => deps.readers(chain2.family).then((reader) => reader(chain2, queries, {
        signal: deadline.signal,
        env: deps.env,
        sizes
      })));
      reading.catch(() => {
      });
      read = await Promise.race([
        reading,
        deadline.reached
      ]);
      if (read === DEADLINE) read = await within(reading, ctx.settings.abortGraceMs);
    }
  } finally {
    book.readTime(chain2, Math.round(now() - readStarted));
  }
  if (read === DEADLINE) {
    book.chainNote(chain2.id, "run budget ran out before this chain's reader handed back its read");
    for (const row of rows) out.leaveUnread(row);
    return;
  }
  ctx.readLimits.afterRead(chain2, read);
  book.chainRead(chain2, read);
  const block = read.block === null ? null : read.block.toString();
  const blockless = "reader reported no block for this read; the balance is not recorded";
  const outcomeOf = outcomeFinder(read.outcomes);
  const aborted = deadline.passed;
  const debug = log.enabled("debug");
  const tickAt = ctx.tickAt;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const outcome = outcomeOf(i, row.id);
    if (!outcome.ok) {
      if (aborted) out.leaveUnread(row);
      else out.fail(row, outcome.error.errorClass, outcome.error.message);
      continue;
    }
    if (block === null) {
      out.fail(row, "transient", blockless);
      continue;
    }
    let raw;
    let human;
    try {
      raw = rawDigits(outcome.raw);
      human = humanFromDigits(raw, row.decimals);
    } catch (error) {
      out.fail(row, "configuration", `cannot convert balance: ${error.message}`);
      continue;
    }
    out.results.push(tickAt === null ? {
      id: row.id,
      raw,
      human,
      block
    } : {
      id: row.id,
      raw,
      human,
      block,
      tick_at: tickAt
    });
    out.successes.push(row);
    book.rowRead(row, claim, {
      raw,
      human,
      block
    });
    if (debug) {
      log.debug(row.isNative ? "Fetched native asset balance" : "Fetched token asset balance", {
        ...rowFields(row, claim),
        raw,
        human,
        block
      });
    }
  }
}

// run/claim_refused.ts
function noteClaimRefused(ctx, claim) {
  const refused = claim.refused ?? [];
  if (refused.length === 0) return 0;
  ctx.book.claimRefused(refused.length);
  ctx.log.warn("Wallet balances not claimed: the database refused their lease", {
    refused: refused.length,
    rows: refused.slice(0, 20).map((r) => ({
      wallet_balance_id: r.id,
      error: r.reason
    }))
  });
  return refused.length;
}

// run/record_outcome.ts
async function recordBatch(ctx, out) {
  const { deps, book, pending, runId, log, rowLog, clock } = ctx;
  const claim = out.claim;
  const unread = out.unread;
  if (out.results.length > 0) {
    const outcome = await deps.store.record(runId, out.results, {
      timeoutMs: clock.write(3)
    });
    const refused = new Set(outcome.invalid.map((entry) => out.results[entry.index]?.id));
    const lost = new Set(outcome.lostIds);
    for (const r of out.results) if (!refused.has(r.id) && !lost.has(r.id)) pending.delete(r.id);
    unread.push(...applyRecordOutcome(book, log, rowLog, claim, out, outcome), ...lost);
    for (const chainId of outcome.chainLeasesLost) book.chainLeaseLost(chainId);
  }
  if (unread.length > 0) {
    book.released(await deps.store.release(runId, unread, {
      timeoutMs: clock.write(2)
    }));
    for (const id of unread) pending.delete(id);
  }
}
function applyRecordOutcome(book, log, rowLog, claim, { results, successes }, outcome) {
  book.recorded(outcome);
  const notApplied = new Map([
    ...outcome.staleIds.map((id) => [
      id,
      {
        status: "stale_rejected"
      }
    ]),
    ...outcome.lostIds.map((id) => [
      id,
      {
        status: "lost"
      }
    ])
  ]);
  const refused = [];
  for (const entry of outcome.invalid) {
    const id = results[entry.index]?.id;
    if (!id) continue;
    refused.push(id);
    notApplied.set(id, {
      status: "released",
      error: `refused by the database: ${entry.reason}`
    });
  }
  for (const entry of outcome.refused) {
    const result = results[entry.index];
    if (!result) continue;
    notApplied.set(result.id, {
      status: "failed",
      error: entry.reason,
      error_class: "permanent",
      raw: void 0,
      human: void 0,
      block: void 0
    });
    book.recordRefused(claim.rows.find((r) => r.id === result.id), claim, "raw" in result);
  }
  for (const row of successes) {
    const status = notApplied.get(row.id)?.status;
    if (status === "failed") {
      rowLog.warn("Wallet balance not written: the database refused it", {
        ...rowFields(row, claim),
        error: notApplied.get(row.id)?.error
      });
    } else if (status === void 0) {
      log.debug("Wallet balance synced successfully", rowFields(row, claim));
    } else if (status !== "released") {
      rowLog.warn(status === "lost" ? "Wallet balance not written: another run holds it now" : "Wallet balance not written: a higher block was already recorded", rowFields(row, claim));
    }
  }
  if (notApplied.size > 0) {
    rowLog.warn("Not every result was applied", {
      applied: outcome.applied,
      errored: outcome.errored,
      stale_rejected: outcome.staleRejected,
      lost: outcome.lost,
      invalid: outcome.invalid,
      refused: outcome.refused
    });
  }
  book.amend(notApplied);
  return refused;
}

// run/chain_loop.ts
async function runChain(ctx, chainId, options) {
  const { deps, settings, runId, book, clock } = ctx;
  const entry = book.chain(chainId);
  const leaseLost = () => entry.lease === "lost";
  const stop = (reason) => book.chainStopped(chainId, ctx.unloading !== null && reason !== "drained" ? "unload" : reason);
  const leases = new ChainLeases(ctx);
  let pace = null;
  let cpuCeilingMs = settings.cpuBudgetMs;
  let requestsPerBalance = 1;
  let leaseMulticall = false;
  if (options.rateLimited !== false) {
    const timeoutMs = clock.beforeDeadline();
    if (timeoutMs === null) return stop("budget");
    const lease = await leases.take(chainId, timeoutMs);
    if (!lease.acquired && !lease.rateLimited) {
      book.chainNote(chainId, "no chain has this id; nothing to read");
      return stop("drained");
    }
    if (!lease.acquired) {
      book.chainBusy({
        id: chainId
      }, `another run (${lease.holder ?? "unknown"}) reads this rate-limited chain; its lease runs until ${lease.lockedUntil ?? "unknown"}, so this run claimed none of its rows`);
      return stop("chain_busy");
    }
    if (lease.rateLimited) {
      pace = lease.maxRps ?? null;
      if (lease.multicall) requestsPerBalance = 1 / 200;
      leaseMulticall = lease.multicall === true;
      if (pace !== null && options.pacedBudgetMs !== void 0 && ctx.unloading === null && options.pacedBudgetMs > clock.budgetMs) {
        clock.extendBudget(options.pacedBudgetMs);
        ctx.deadline.extend(options.pacedBudgetMs - clock.elapsed());
      }
      if (pace !== null && pace > 0 && !lease.multicall) {
        const rps = pace;
        ctx.cpuShare.reserve(() => pacedCpuMs(rps, clock.budgetMs - clock.elapsed()));
        cpuCeilingMs = settings.cpuBudgetMs + pacedCpuMs(rps, clock.budgetMs);
      }
    }
  }
  try {
    let slowestBatch = 0;
    let slowestOverhead = 0;
    const paced = pace !== null && pace > 0 ? pace : null;
    while (true) {
      if (book.summary.batches >= settings.maxBatches) return stop("max_batches");
      const read = entry.synced + entry.failed;
      const cpu = ctx.cpuShare.used() ?? estimatedCpuMs(entry.mode, read);
      if (cpu >= cpuCeilingMs) return stop("cpu");
      const remaining = clock.budgetMs - clock.elapsed();
      const timeoutMs = clock.beforeDeadline();
      const needed = paced === null ? slowestBatch : slowestOverhead + 1e3 / paced;
      if (ctx.deadline.passed || timeoutMs === null || remaining < needed) {
        return stop("budget");
      }
      const batchStarted = ctx.now();
      const readBefore = entry.read_ms;
      if (read > 0 && entry.rpc_requests > 0) {
        requestsPerBalance = Math.max(1 / 1e3, entry.rpc_requests / read);
      }
      const runRead = book.summary.synced + book.summary.failed;
      const mode = entry.mode ?? (leaseMulticall ? "multicall" : null);
      const limit = claimSize({
        batchRows: paced !== null && mode !== "multicall" ? pacedClaimRows(paced, requestsPerBalance, settings.batchSize) : claimRowsFor(mode, settings.batchSize),
        heldCap: options.heldCap,
        paceRps: paced === null ? null : plannedRps(paced, {
          requests: entry.rpc_requests,
          readMs: entry.read_ms
        }),
        requestsPerBalance,
        remainingMs: remaining - slowestOverhead,
        // The runs in flight may all claim at once: each plans on its share of the CPU left, at
        // the window's CPU per row (their last batches together went 50-140 ms past the budget).
        cpuLeftMs: (cpuCeilingMs - cpu) / ctx.cpuShare.sharers(),
        cpuPerRowMs: ctx.cpuShare.cpuPerRow() ?? (runRead > 0 ? cpu / runRead : null)
      });
      const claim = await deps.store.claim({
        runId,
        limit,
        leaseSeconds: settings.leaseSeconds,
        minIntervalSeconds: settings.minIntervalSeconds,
        filter: {
          chain_id: chainId,
          scheduled: true
        }
      }, {
        timeoutMs
      });
      for (const row of claim.rows) ctx.pending.add(row.id);
      if (claim.chainLease === "lost") {
        book.chainLeaseLost(chainId, {
          by: claim.chainLeaseHolder ?? null,
          until: claim.chainLeaseLockedUntil ?? null
        });
      }
      if (leaseLost()) {
        leases.forget(chainId);
        return stop("chain_lease_lost");
      }
      const picked = claim.rows.length + noteClaimRefused(ctx, claim);
      if (picked === 0) return stop("drained");
      if (claim.rows.length > 0) {
        book.claimed(claim.rows.length);
        await recordBatch(ctx, await readBatch(ctx, claim));
        ctx.cpuShare.rowsRead(claim.rows.length);
      }
      const took = ctx.now() - batchStarted;
      slowestBatch = Math.max(slowestBatch, took);
      slowestOverhead = Math.max(slowestOverhead, took - (entry.read_ms - readBefore));
      if (leaseLost()) {
        leases.forget(chainId);
        return stop("chain_lease_lost");
      }
      if (ctx.deadline.passed) return stop("budget");
      if (picked < limit) return stop("drained");
    }
  } finally {
    await leases.giveBack();
  }
}

// run/read_limits_book.ts
init_read_limits();
var MAXIMA = {
  evm: EVM_MAXIMA,
  tron: TRON_MAXIMA
};
var ReadLimitsBook = class {
  store;
  log;
  #chains;
  constructor(store, log) {
    this.store = store;
    this.log = log;
    this.#chains = /* @__PURE__ */ new Map();
  }
  /** The sizes for the next read of `chain`. */
  async sizesFor(chain2, call) {
    let entry = this.#chains.get(chain2.id);
    if (!entry) {
      const maxima = MAXIMA[chain2.family] ?? EVM_MAXIMA;
      entry = {
        maxima,
        loaded: this.#load(chain2.id, maxima, call),
        sizes: null,
        seen: void 0
      };
      this.#chains.set(chain2.id, entry);
    }
    const loaded = await entry.loaded;
    if (entry.sizes === null) entry.sizes = sizesOf(loaded ?? parseLimits(null, entry.maxima));
    return {
      ...entry.sizes
    };
  }
  /** Takes in what a read of `chain` saw. */
  afterRead(chain2, read) {
    const entry = this.#chains.get(chain2.id);
    if (!entry) return;
    if (read.sizes) {
      const now = entry.sizes ?? read.sizes;
      entry.sizes = {
        multicall: Math.min(now.multicall, read.sizes.multicall),
        batch: Math.min(now.batch, read.sizes.batch),
        response: Math.min(now.response, read.sizes.response)
      };
    }
    entry.seen = mergeObservations(entry.seen, read.seen);
  }
  /** Saves every chain this run read and learned about: one call per chain. */
  async saveAll(call) {
    const save = this.store.saveReadLimits?.bind(this.store);
    if (!save) return;
    await Promise.all([
      ...this.#chains
    ].map(async ([chainId, entry]) => {
      const loaded = await entry.loaded;
      if (loaded === null || entry.seen === void 0) return;
      const next = afterReadAll(loaded, entry.seen, entry.maxima);
      const lowered = Object.values(entry.seen).some((o) => o?.failedAt !== null);
      const steps = (l) => JSON.stringify(Object.values(l).map((x) => [
        x.size,
        x.ceiling,
        x.clean,
        x.sinceFailure
      ]));
      if (steps(next) === steps(loaded)) return;
      try {
        await save(chainId, serializeLimits(next), lowered, call);
      } catch (error) {
        this.log.warn("Could not save the chain's learned request sizes", {
          chain_id: chainId,
          error: error?.message ?? String(error)
        });
      }
    }));
  }
  async #load(chainId, maxima, call) {
    const load = this.store.readLimits?.bind(this.store);
    if (!load) return null;
    try {
      return parseLimits(await load(chainId, call), maxima);
    } catch (error) {
      this.log.warn("Could not load the chain's learned request sizes; reading with defaults", {
        chain_id: chainId,
        error: error?.message ?? String(error)
      });
      return null;
    }
  }
};

// run/settings.ts
var budgetWithinPgNet = (budgetMs, pgNetTimeoutMs, storeTimeoutMs) => Math.min(budgetMs, Math.max(100, pgNetTimeoutMs - storeTimeoutMs));
function settingsOfRun(own, db) {
  return {
    batchSize: own.batchSize,
    leaseSeconds: own.leaseSeconds,
    budgetMs: budgetWithinPgNet(own.budgetMs, db.pgNetTimeoutMs, own.storeTimeoutMs),
    maxBatches: own.maxBatches,
    maxForcedIds: own.maxForcedIds,
    cpuBudgetMs: own.cpuBudgetMs,
    storeTimeoutMs: own.storeTimeoutMs,
    abortGraceMs: own.abortGraceMs,
    maxRowLogLines: own.maxRowLogLines,
    minIntervalSeconds: db.minIntervalSeconds,
    maxRowsPerRun: db.rowsPerRun,
    pgNetTimeoutMs: db.pgNetTimeoutMs
  };
}

// run/unload.ts
var UNLOAD_RELEASE_MS = 1500;
var InFlightRuns = class {
  #runs = /* @__PURE__ */ new Set();
  #unloading = null;
  /** Adds a run; the returned function removes it. A run added while unloading is stopped. */
  add(run) {
    this.#runs.add(run);
    if (this.#unloading !== null) run.stop(this.#unloading);
    return () => this.#runs.delete(run);
  }
  get size() {
    return this.#runs.size;
  }
  get unloading() {
    return this.#unloading;
  }
  /** Stops every run; settles once they have all ended (each within its bounded writes). */
  stopAll(reason) {
    this.#unloading ??= reason;
    const runs = [
      ...this.#runs
    ];
    for (const run of runs) run.stop(reason);
    return Promise.allSettled(runs.map((run) => run.ended)).then(() => {
    });
  }
};
function runtimeWaitUntil() {
  const runtime = globalThis.EdgeRuntime;
  return typeof runtime?.waitUntil === "function" ? runtime.waitUntil.bind(runtime) : null;
}
function stopRunsOnUnload(runs, onStop = () => {
}, target = globalThis, waitUntil = runtimeWaitUntil()) {
  const listener = (event) => {
    const detail = event.detail;
    const reason = typeof detail?.reason === "string" ? detail.reason : "unload";
    if (runs.size > 0) onStop(reason, runs.size);
    const ended = runs.stopAll(reason);
    waitUntil?.(ended);
  };
  target.addEventListener("beforeunload", listener);
  return () => target.removeEventListener("beforeunload", listener);
}

// run/run.ts
async function runSync(deps, ownSettings, input) {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const fromDatabase = await deps.store.runSettings({
    timeoutMs: Math.max(1, Math.min(ownSettings.storeTimeoutMs, ownSettings.budgetMs))
  });
  if (fromDatabase === null) {
    deps.log.warn("balance_sync_run_settings is missing: apply the migrations (supabase db push); until then runs follow the settings' defaults", {
      ...SETTING_DEFAULTS
    });
  }
  const settings = settingsOfRun(ownSettings, fromDatabase ?? SETTING_DEFAULTS);
  const forced = Boolean(input.filter);
  const book = new RunBook(input.runId, forced, {
    chainId: forced ? null : input.chainId ?? null,
    rowsCap: forced ? settings.maxForcedIds : settings.maxRowsPerRun
  }, deps.log);
  const summary = book.summary;
  const cpuBudget = deps.cpuBudget ?? isolateCpu;
  const ctx = {
    deps,
    settings,
    runId: input.runId,
    forced,
    log: deps.log,
    now,
    book,
    pending: /* @__PURE__ */ new Set(),
    deadline: new Deadline(Math.max(1, settings.budgetMs - (now() - started))),
    clock: new RunClock(now, started, settings.budgetMs, settings.pgNetTimeoutMs, settings.storeTimeoutMs),
    cpu: startCpuClock(cpuBudget.read),
    cpuShare: cpuBudget.begin(),
    unloading: null,
    tickAt: forced ? null : input.tickAt ?? null,
    rowLog: new RowLineCap(deps.log, settings.maxRowLogLines),
    readLimits: new ReadLimitsBook(deps.store, deps.log)
  };
  const { log, pending, runId } = ctx;
  let ended;
  const endedPromise = new Promise((resolve) => ended = resolve);
  const leave = deps.inFlight?.add({
    stop: (reason) => {
      if (ctx.unloading !== null) return;
      ctx.unloading = reason;
      ctx.clock.endWithin(UNLOAD_RELEASE_MS);
      ctx.deadline.stop(`the worker is ending (${reason})`);
    },
    ended: endedPromise
  });
  log.info("Balance sync run started", {
    kind: summary.kind,
    filter: input.filter ?? null,
    chain_id: summary.chain_id ?? null,
    budget_ms: settings.budgetMs,
    batch_size: settings.batchSize,
    // balance_sync.settings, as this run follows them
    rows_per_run: settings.maxRowsPerRun,
    pg_net_timeout_ms: settings.pgNetTimeoutMs,
    min_interval_seconds: settings.minIntervalSeconds
  });
  try {
    if (ctx.unloading !== null) book.stop("unload");
    else if (forced) book.stop(await runForced(ctx, input));
    else if (input.chainId) {
      book.stop(await runChain(ctx, input.chainId, {
        heldCap: settings.maxRowsPerRun,
        pacedBudgetMs: runBudgetMs({
          budgetMs: settings.budgetMs,
          maxBudgetMs: settings.pgNetTimeoutMs - settings.storeTimeoutMs,
          tickAt: ctx.tickAt,
          intervalMs: settings.minIntervalSeconds * 1e3,
          wallNow: Date.now()
        })
      }));
    } else book.stop(await runEveryChain(ctx));
  } finally {
    ctx.deadline.dispose();
    if (pending.size > 0) {
      const ids = [
        ...pending
      ];
      try {
        book.released(await deps.store.release(runId, ids, {
          timeoutMs: ctx.clock.write(1)
        }));
        pending.clear();
      } catch (error) {
        log.error("Could not release claimed rows; their lease will expire", {
          rows: ids.length,
          error: error?.message ?? String(error)
        });
      }
    }
    await ctx.readLimits.saveAll({
      timeoutMs: ctx.clock.write(1)
    });
    book.finish({
      durationMs: Math.round(now() - started),
      cpuMs: ctx.cpu(),
      logLinesOmitted: ctx.rowLog.omitted
    });
    ctx.cpuShare.end();
    leave?.();
    ended();
  }
  if (ctx.unloading !== null) book.stop("unload");
  const answer = book.answer();
  log.notice("Balance sync run finished", summaryLine(answer));
  return answer;
}
var SUMMARY_LINE_CHARS = 8e3;
function summaryLine(summary) {
  const { rows: _rows, busy_ids: _busyIds, unknown_ids: _unknownIds, ...line } = summary;
  if (JSON.stringify(line).length <= SUMMARY_LINE_CHARS) return line;
  const chains = Object.fromEntries(Object.values(summary.chains).map((c) => [
    c.id,
    {
      name: c.name.slice(0, 40),
      synced: c.synced,
      failed: c.failed,
      released: c.released,
      ...c.stopped ? {
        stopped: c.stopped
      } : {}
    }
  ]));
  return {
    ...line,
    chains,
    chains_in_short: true
  };
}
async function runEveryChain(ctx) {
  const timeoutMs = ctx.clock.beforeDeadline();
  if (timeoutMs === null) return "budget";
  const due = await ctx.deps.store.dueChains(ctx.settings.minIntervalSeconds, {
    timeoutMs
  });
  if (due.length === 0) return "drained";
  const share = Math.max(1, Math.floor(ctx.settings.maxRowsPerRun / due.length));
  const settled = await Promise.allSettled(due.map((chain2) => {
    ctx.book.chainNamed(chain2.chainId, chain2.name);
    return runChain(ctx, chain2.chainId, {
      heldCap: share,
      rateLimited: chain2.rateLimited
    });
  }));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const reasons = settled.map((s) => s.value);
  return STOP_ORDER.find((reason) => reasons.includes(reason)) ?? "drained";
}
async function runForced(ctx, input) {
  const { deps, settings, book, runId } = ctx;
  const timeoutMs = ctx.clock.beforeDeadline();
  if (timeoutMs === null) return "budget";
  const claim = await deps.store.claim({
    runId,
    limit: settings.maxForcedIds,
    leaseSeconds: settings.leaseSeconds,
    minIntervalSeconds: settings.minIntervalSeconds,
    filter: input.filter ?? null
  }, {
    timeoutMs
  });
  for (const row of claim.rows) ctx.pending.add(row.id);
  const busy = [
    ...claim.busy
  ];
  const leases = new ChainLeases(ctx);
  try {
    for (const chain2 of claim.chains.values()) {
      if (chain2.maxRps === null) continue;
      const lease = await leases.take(chain2.id, ctx.clock.beforeDeadline() ?? 1);
      if (lease.acquired || !lease.rateLimited) continue;
      book.chainBusy({
        id: chain2.id,
        config: chain2
      }, `another run (${lease.holder ?? "unknown"}) reads this rate-limited chain`);
      const ids = claim.rows.filter((r) => r.chainId === chain2.id).map((r) => r.id);
      claim.rows = claim.rows.filter((r) => r.chainId !== chain2.id);
      await deps.store.release(runId, ids, {
        timeoutMs: ctx.clock.write(2)
      });
      for (const id of ids) ctx.pending.delete(id);
      busy.push(...ids);
    }
    book.busy(busy);
    for (const id of busy) {
      ctx.rowLog.info("Wallet balance is busy in another run", {
        wallet_balance_id: id
      });
    }
    if (claim.unknownIds?.length) {
      book.unknown(claim.unknownIds);
      ctx.log.warn("Force-sync named ids that match no row", {
        unknown: claim.unknownIds.length,
        unknown_ids: claim.unknownIds.slice(0, 20)
      });
    }
    noteClaimRefused(ctx, claim);
    if (claim.rows.length === 0) return "forced";
    book.claimed(claim.rows.length);
    await recordBatch(ctx, await readBatch(ctx, claim));
    return ctx.deadline.passed ? "budget" : "forced";
  } finally {
    await leases.giveBack();
  }
}

// webhooks/delivery.ts
var import_standardwebhooks = __toESM(require_dist());

// webhooks/address.ts
var V4_BLOCKED = [
  [
    "0.0.0.0",
    8
  ],
  [
    "10.0.0.0",
    8
  ],
  [
    "100.64.0.0",
    10
  ],
  [
    "127.0.0.0",
    8
  ],
  [
    "169.254.0.0",
    16
  ],
  [
    "172.16.0.0",
    12
  ],
  [
    "192.0.0.0",
    24
  ],
  [
    "192.0.2.0",
    24
  ],
  [
    "192.168.0.0",
    16
  ],
  [
    "198.18.0.0",
    15
  ],
  [
    "198.51.100.0",
    24
  ],
  [
    "203.0.113.0",
    24
  ],
  [
    "224.0.0.0",
    4
  ],
  [
    "240.0.0.0",
    4
  ]
];
function v4ToInt(address) {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}
function v4Blocked(value) {
  return V4_BLOCKED.some(([base, bits]) => {
    const size3 = 2 ** (32 - bits);
    const start = v4ToInt(base);
    return value >= start && value < start + size3;
  });
}
function v6Groups(address) {
  let text2 = address.toLowerCase().split("%")[0];
  const v4Tail = text2.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4Tail) {
    const n = v4ToInt(v4Tail[1]);
    if (n === null) return null;
    text2 = text2.slice(0, -v4Tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 65535).toString(16)}`;
  }
  const halves = text2.split("::");
  if (halves.length > 2) return null;
  const parse = (s) => s === "" ? [] : s.split(":");
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [
    ...head,
    ...Array(halves.length === 2 ? missing : 0).fill("0"),
    ...tail
  ];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}
function v6Blocked(g) {
  const zeroUntil = (n) => g.slice(0, n).every((x) => x === 0);
  if (zeroUntil(8)) return true;
  if (zeroUntil(7) && g[7] === 1) return true;
  if (zeroUntil(5) && g[5] === 65535) return true;
  if (g[0] === 100 && g[1] === 65435) return true;
  if ((g[0] & 65024) === 64512) return true;
  if ((g[0] & 65472) === 65152) return true;
  if ((g[0] & 65280) === 65280) return true;
  if (g[0] === 8193 && g[1] === 3512) return true;
  if (g[0] === 256 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true;
  return false;
}
function isBlockedAddress(address) {
  const v4 = v4ToInt(address);
  if (v4 !== null) return v4Blocked(v4);
  const v6 = v6Groups(address.replace(/^\[|\]$/g, ""));
  return v6 === null ? true : v6Blocked(v6);
}
var LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain)$/;
function defaultResolver() {
  const resolveDns = Deno.resolveDns;
  if (typeof resolveDns !== "function") return null;
  return async (host) => {
    const results = await Promise.allSettled([
      resolveDns(host, "A"),
      resolveDns(host, "AAAA")
    ]);
    const found = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
    if (found.length === 0) {
      const failed = results.find((r) => r.status === "rejected");
      throw failed?.reason ?? new Error("no A or AAAA record");
    }
    return found;
  };
}
async function addressProblem(url, policy) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "the URL cannot be parsed";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `the scheme ${parsed.protocol} is not allowed`;
  }
  if (parsed.protocol === "http:" && !policy.allowHttp) {
    return "http:// is refused (setting webhook_allow_http)";
  }
  if (parsed.username || parsed.password) return "credentials in the URL are refused";
  if (policy.allowPrivate) return null;
  const host = parsed.hostname.replace(/\.$/, "").toLowerCase();
  const literal = host.startsWith("[") || v4ToInt(host) !== null;
  if (literal) {
    return isBlockedAddress(host) ? `the address ${host} is loopback, private, link-local, metadata or reserved` : null;
  }
  if (LOCAL_NAME.test(host) || !host.includes(".")) return `the host ${host} is a local name`;
  const resolve = policy.resolve === void 0 ? defaultResolver() : policy.resolve;
  if (!resolve) return null;
  let addresses;
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `the host ${host} could not be resolved: ${error?.message ?? error}`;
  }
  const blocked = addresses.find(isBlockedAddress);
  return blocked === void 0 ? null : `the host ${host} resolves to ${blocked}, a loopback, private, link-local, metadata or reserved address`;
}

// webhooks/delivery.ts
var USER_AGENT = "balance-sync-webhooks";
async function sendBatch(batch, deps, now = /* @__PURE__ */ new Date()) {
  const problem = await addressProblem(batch.url, {
    allowHttp: batch.allowHttp,
    allowPrivate: batch.allowPrivate,
    ...deps.resolve !== void 0 ? {
      resolve: deps.resolve
    } : {}
  });
  if (problem) return {
    status: null,
    error: `not sent: ${problem}`,
    result: "refused"
  };
  let signature;
  try {
    if (!batch.secret) throw new Error("missing");
    signature = new import_standardwebhooks.Webhook(batch.secret).sign(batch.webhookId, now, batch.body);
  } catch {
    return {
      status: null,
      error: `not sent: Vault secret ${batch.secretName} is missing or not whsec_<base64>`,
      result: "refused"
    };
  }
  try {
    const response = await (deps.fetch ?? fetch)(batch.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": batch.webhookId,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1e3)),
        "webhook-signature": signature
      },
      body: batch.body,
      // a redirect could lead anywhere (an internal address): it counts as a failed delivery
      redirect: "manual",
      signal: AbortSignal.timeout(batch.timeoutMs)
    });
    await response.body?.cancel().catch(() => {
    });
    const ok = response.status >= 200 && response.status <= 299;
    return ok ? {
      status: response.status,
      error: null,
      result: "success"
    } : response.status === 0 ? {
      status: null,
      error: "redirect not followed",
      result: "http_error"
    } : {
      status: response.status,
      error: `HTTP ${response.status}`,
      result: "http_error"
    };
  } catch (error) {
    const message = error?.name === "TimeoutError" ? `no answer within ${batch.timeoutMs} ms` : String(error?.message ?? error).slice(0, 300);
    return {
      status: null,
      error: message,
      result: "no_answer"
    };
  }
}
async function runWebhooks(deps, options) {
  const now = deps.now ?? Date.now;
  const started = now();
  const deadline = started + options.budgetMs;
  const summary = {
    run_id: options.runId,
    kind: "webhooks",
    endpoints: 0,
    batches_delivered: 0,
    changes_delivered: 0,
    failed: 0,
    duration_ms: 0
  };
  const ids = await deps.store.webhookClaim(options.runId, options.leaseSeconds, options.maxEndpoints ?? 20);
  summary.endpoints = ids.length;
  const serve = async (endpointId) => {
    for (; ; ) {
      const answer = await deps.store.webhookBatch(endpointId, options.runId);
      if (!answer.held || answer.done) return;
      if (answer.batch === null) continue;
      const batch = {
        ...answer.batch,
        timeoutMs: Math.min(answer.batch.timeoutMs, options.budgetMs)
      };
      if (now() + batch.timeoutMs > deadline) {
        await deps.store.webhookRelease(endpointId, options.runId);
        return;
      }
      const delivery = await sendBatch(batch, deps);
      const recorded = await deps.store.webhookResult(endpointId, options.runId, batch.webhookId, delivery);
      if (delivery.result === "success" && recorded.advanced) {
        summary.batches_delivered += 1;
        summary.changes_delivered += batch.count;
        continue;
      }
      summary.failed += 1;
      deps.log.warn("Webhook delivery failed", {
        endpoint_id: endpointId,
        webhook_id: batch.webhookId,
        status: delivery.status,
        error: delivery.error,
        disabled: recorded.disabled
      });
      return;
    }
  };
  const results = await Promise.allSettled(ids.map(serve));
  for (const [i, r] of results.entries()) {
    if (r.status === "rejected") {
      summary.failed += 1;
      deps.log.error("Webhook endpoint run failed", {
        endpoint_id: ids[i],
        error: r.reason?.message ?? String(r.reason)
      });
    }
  }
  summary.duration_ms = now() - started;
  deps.log.notice("Webhook run finished", {
    ...summary
  });
  return summary;
}

// http/handler.ts
var json = (status, body, headers = {}) => new Response(JSON.stringify(body), {
  status,
  headers: {
    "content-type": "application/json",
    "cache-control": "no-store",
    ...headers
  }
});
function createHandler(deps) {
  const { config } = deps;
  const rootLog = createLogger({
    level: config.logLevel,
    sink: deps.logSink,
    redact: [
      ...config.serviceRoleKey ? [
        config.serviceRoleKey
      ] : [],
      ...config.secretKeys,
      ...config.syncSecret ? [
        config.syncSecret
      ] : []
    ]
  });
  for (const { variable, setting } of config.retiredVariables ?? []) {
    rootLog.warn(`${variable} is set but no longer read: the setting ${setting} in balance_sync.settings decides. Change it there (update balance_sync.settings set value = '\u2026' where key = '${setting}') and remove the secret (supabase secrets unset ${variable})`, {
      variable,
      setting
    });
  }
  const authenticate = deps.authenticate ? Promise.resolve(deps.authenticate) : createAuthenticator({
    serviceRoleKey: config.serviceRoleKey,
    refuseLegacyKeys: config.refuseLegacyKeys,
    secretKeys: config.secretKeys,
    syncSecret: config.syncSecret
  });
  const newRunId = deps.newRunId ?? (() => crypto.randomUUID());
  const waitUntil = deps.waitUntil === void 0 ? runtimeWaitUntil() : deps.waitUntil;
  const writeHistory = async (history) => {
    if (waitUntil) waitUntil(history);
    else await history;
  };
  return async (request) => {
    if (request.method === "GET" && new URL(request.url).pathname.endsWith("/metrics")) {
      return await serveMetrics(request, await authenticate, deps.operations, rootLog);
    }
    if (request.method !== "POST") {
      await request.body?.cancel().catch(() => {
      });
      return json(405, {
        error: `method ${request.method} not allowed; use POST`
      }, {
        allow: "POST"
      });
    }
    const credential = await (await authenticate)(request.headers);
    if (credential === null) {
      await request.body?.cancel().catch(() => {
      });
      rootLog.warn("Rejected a request without a valid credential");
      return json(401, {
        error: "unauthorized"
      }, {
        "www-authenticate": "Bearer"
      });
    }
    const runId = newRunId();
    const log = rootLog.child({
      run_id: runId
    });
    let runRequest;
    try {
      runRequest = await parseRunRequest(request, {
        maxIds: config.maxForcedIds
      });
    } catch (error) {
      if (error instanceof BadRequest) {
        log.warn("Rejected a malformed request", {
          error: error.message
        });
        return json(400, {
          error: error.message,
          ...error.field ? {
            field: error.field
          } : {},
          run_id: runId
        });
      }
      throw error;
    }
    if (runRequest.kind === "webhooks") {
      return await serveWebhooks(deps, log, runId);
    }
    const cpuMs = startCpuClock();
    try {
      const ran = await runSync({
        store: deps.store,
        readers: deps.readers,
        env: deps.env,
        log,
        inFlight: deps.inFlight
      }, config, {
        runId,
        filter: runRequest.kind === "forced" ? runRequest.filter : null,
        chainId: runRequest.kind === "scheduled" ? runRequest.chainId ?? null : null,
        tickAt: runRequest.kind === "scheduled" ? runRequest.tickAt ?? null : null
      });
      await writeHistory(finishRun(deps.operations, log, runId, "finished", {
        ...ran
      }));
      return json(200, ran);
    } catch (error) {
      if (error instanceof FilterNotFound) {
        log.warn("Rejected a force-sync of something that does not exist", {
          error: error.message,
          field: error.field
        });
        return json(404, {
          error: error.message,
          ...error.field ? {
            field: error.field
          } : {},
          run_id: runId
        });
      }
      await writeHistory(finishRun(deps.operations, log, runId, "failed", {
        run_id: runId,
        kind: runRequest.kind,
        cpu_ms: cpuMs(),
        error: error instanceof StoreUnavailable ? "database unavailable" : "internal error"
      }));
      if (error instanceof StoreUnavailable) return databaseUnavailable(log, error, runId);
      log.error("Run failed", {
        error: error?.message ?? String(error)
      });
      return json(500, {
        error: "internal error",
        run_id: runId
      });
    }
  };
}
function databaseUnavailable(log, error, runId) {
  log.error("Database unavailable", {
    operation: error.operation,
    code: error.code,
    status: error.status,
    error: error.message
  });
  return json(503, {
    error: "database unavailable",
    run_id: runId
  });
}
async function serveWebhooks(deps, log, runId) {
  if (!deps.webhooks) {
    return json(404, {
      error: "webhooks are not available",
      run_id: runId
    });
  }
  try {
    const summary = await runWebhooks({
      store: deps.webhooks,
      log,
      ...deps.webhookDeps
    }, {
      runId,
      budgetMs: deps.config.budgetMs,
      leaseSeconds: deps.config.leaseSeconds
    });
    return json(200, summary);
  } catch (error) {
    if (error instanceof StoreUnavailable) return databaseUnavailable(log, error, runId);
    log.error("Webhook run failed", {
      error: error?.message ?? String(error)
    });
    return json(500, {
      error: "internal error",
      run_id: runId
    });
  }
}
async function serveMetrics(request, authenticate, operations, log) {
  if (await authenticate(request.headers) === null) {
    log.warn("Rejected a request without a valid credential");
    return json(401, {
      error: "unauthorized"
    }, {
      "www-authenticate": "Bearer"
    });
  }
  if (!operations) return json(404, {
    error: "metrics are not available"
  });
  try {
    return new Response(await operations.metrics(), {
      status: 200,
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store"
      }
    });
  } catch (error) {
    log.error("Database unavailable", {
      operation: "balance_sync_metrics",
      error: error?.message ?? String(error)
    });
    return json(503, {
      error: "database unavailable"
    });
  }
}

// webhooks/store.ts
var isObject2 = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
function parseBatchAnswer(data) {
  if (!isObject2(data)) throw new TypeError("batch answer is not an object");
  if (data.held !== true) return {
    held: false
  };
  if (data.done === true) return {
    held: true,
    done: true
  };
  if (data.webhook_id === null || data.webhook_id === void 0) {
    return {
      held: true,
      done: false,
      batch: null
    };
  }
  const str = (key) => {
    if (typeof data[key] !== "string") throw new TypeError(`${key} is not a string`);
    return data[key];
  };
  if (!isObject2(data.payload)) throw new TypeError("payload is not an object");
  return {
    held: true,
    done: false,
    batch: {
      webhookId: str("webhook_id"),
      url: str("url"),
      secret: typeof data.secret === "string" ? data.secret : null,
      secretName: str("secret_name"),
      count: Number(data.count),
      // re-serialised from the parsed answer: the same rows give the same text on every retry
      body: JSON.stringify(data.payload),
      allowHttp: data.allow_http === true,
      allowPrivate: data.allow_private === true,
      timeoutMs: Number(data.timeout_ms) || 1e4
    }
  };
}
function createWebhookStore(client, options) {
  const call = rpcCaller(client, options);
  return {
    webhookClaim: (runId, leaseSeconds, limit) => call("balance_sync_webhook_claim", {
      p_worker: runId,
      p_lease_seconds: leaseSeconds,
      p_limit: limit
    }, (data) => {
      if (!Array.isArray(data)) throw new TypeError("not a list of ids");
      return data.map(String);
    }),
    webhookBatch: (endpointId, runId) => call("balance_sync_webhook_batch", {
      p_endpoint: endpointId,
      p_worker: runId
    }, parseBatchAnswer),
    webhookResult: (endpointId, runId, webhookId, answer) => call("balance_sync_webhook_result", {
      p_endpoint: endpointId,
      p_worker: runId,
      p_webhook_id: webhookId,
      p_status: answer.status,
      p_error: answer.error,
      p_result: answer.result
    }, (data) => {
      if (!isObject2(data)) throw new TypeError("result answer is not an object");
      return {
        accepted: data.accepted === true,
        advanced: data.advanced === true,
        disabled: data.disabled === true
      };
    }),
    webhookRelease: (endpointId, runId) => call("balance_sync_webhook_release", {
      p_endpoint: endpointId,
      p_worker: runId
    }, (data) => data === true)
  };
}

// index.ts
var FINISH_TIMEOUT_MS = 3e3;
var inFlight = new InFlightRuns();
function handlerFromEnv() {
  const env = (name) => Deno.env.get(name);
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const line = JSON.stringify({
      level: "error",
      time: (/* @__PURE__ */ new Date()).toISOString(),
      msg: "Invalid configuration",
      variable: error.variable,
      error: error.message
    });
    consoleSink(line, "error");
    return () => {
      consoleSink(line, "error");
      return Promise.resolve(Response.json({
        error: "function is misconfigured"
      }, {
        status: 500
      }));
    };
  }
  const client = createDatabaseClient({
    supabaseUrl: config.supabaseUrl,
    keys: config
  });
  const store = createStore(client, {
    timeoutMs: config.storeTimeoutMs,
    finishTimeoutMs: FINISH_TIMEOUT_MS
  });
  stopRunsOnUnload(inFlight, (reason, runs) => consoleSink(JSON.stringify({
    level: "warn",
    time: (/* @__PURE__ */ new Date()).toISOString(),
    msg: "Worker ending: runs stop and give back their rows",
    reason,
    runs
  }), "warn"));
  const webhooks = createWebhookStore(client, {
    timeoutMs: config.storeTimeoutMs
  });
  return createHandler({
    config,
    store,
    readers,
    env,
    operations: store,
    inFlight,
    webhooks
  });
}
var handler = handlerFromEnv();
var port = Deno.env.get("BALANCE_SYNC_PORT");
if (port) {
  Deno.addSignalListener("SIGTERM", () => {
    globalThis.dispatchEvent(new CustomEvent("beforeunload", {
      cancelable: true,
      detail: {
        reason: "termination"
      }
    }));
    const exit = () => Deno.exit(0);
    setTimeout(exit, UNLOAD_RELEASE_MS + 1e3);
    inFlight.stopAll("termination").then(exit, exit);
  });
  Deno.serve({
    port: Number(port),
    hostname: "127.0.0.1",
    onListen: ({ hostname, port: port2 }) => console.log(JSON.stringify({
      level: "info",
      time: (/* @__PURE__ */ new Date()).toISOString(),
      msg: "Listening",
      hostname,
      port: port2
    }))
  }, handler);
} else {
  Deno.serve(handler);
}
/*! Bundled license information:

@noble/hashes/esm/utils.js:
  (*! noble-hashes - MIT License (c) 2022 Paul Miller (paulmillr.com) *)

@scure/base/lib/esm/index.js:
  (*! scure-base - MIT License (c) 2022 Paul Miller (paulmillr.com) *)
*/
