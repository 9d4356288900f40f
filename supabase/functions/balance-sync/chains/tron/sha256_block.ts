/**
 * SHA-256 (FIPS 180-4) of a message of at most 55 bytes, which pads to exactly one 64-byte
 * block. A TRON address checksum is two such hashes (21 bytes, then 32); the general-purpose
 * hasher builds an object and buffers per call and took about 4 us per address, the largest
 * part of checking a holder seen for the first time (every holder, in a new isolate).
 * tests/unit/chains/sha256_block.test.ts checks it against WebCrypto for every length 0..55.
 */

/** The initial hash value: first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const H = Int32Array.from([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/** Round constants: first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
// deno-fmt-ignore
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The longest message that fits one block with its 0x80 byte and 8-byte length. */
export const MAX_ONE_BLOCK_BYTES = 55;

// Scratch space, reused: the function is synchronous, so no two calls share it at once.
const w = new Int32Array(64);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * The 32-byte SHA-256 digest of `data` (at most 55 bytes; longer throws RangeError), written to
 * `out` when given (it may be `data` itself) and returned.
 */
export function sha256Block(data: Uint8Array, out = new Uint8Array(32)): Uint8Array {
  const length = data.length;
  if (length > MAX_ONE_BLOCK_BYTES) {
    throw new RangeError(`sha256Block hashes at most 55 bytes, got ${length}`);
  }
  // The padded block, read straight into the schedule: the message, 0x80, zeros, and the
  // message length in bits (at most 440) in the last word.
  for (let i = 0; i < 14; i++) {
    let word = 0;
    for (let k = 0; k < 4; k++) {
      const at = i * 4 + k;
      const byte = at < length ? data[at] : at === length ? 0x80 : 0;
      word = (word << 8) | byte;
    }
    w[i] = word;
  }
  w[14] = 0;
  w[15] = length * 8;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }

  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let i = 0; i < 64; i++) {
    const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + K[i] + w[i]) | 0;
    const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
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

/** The low 32 bits of `value`, big-endian, at out[at..at+3]. */
function put(out: Uint8Array, at: number, value: number) {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}
