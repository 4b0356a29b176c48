// End-to-end encryption in WebCrypto, in the Whisper app's scheme (seed 003; the reference
// Dart client uses pointycastle), so both clients read each other's channels:
// - the public key is base64 of the DER PKCS#1 RSAPublicKey (SEQUENCE { n, e }), RSA 2048;
// - a channel key is 32 random bytes (AES-256) plus a 16-byte IV; each member gets
//   base64(RSA-OAEP-SHA1(key ‖ iv)) under their public key;
// - a message is base64(AES-256-CBC with PKCS#7 padding, under the channel key and IV);
// - the private key (PKCS#8) is stored encrypted under the PIN: base64(1 ‖ salt16 ‖ iv12 ‖
//   AES-256-GCM(PBKDF2-SHA256(PIN, salt, 200,000))). The server also checks the PIN before
//   handing this blob out, counting tries.

const RSA = { name: "RSA-OAEP", hash: "SHA-1" };
const PBKDF2_ROUNDS = 200_000;
const RSA_OID_HEADER = Uint8Array.from([
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
]);

export function toBase64(bytes) {
  let binary = "";
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) {
    binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function derLength(length) {
  if (length < 0x80) return [length];
  const bytes = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function readHeader(bytes, offset) {
  // -> [content start, content length]
  let length = bytes[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | bytes[start + i];
    start += count;
  }
  return [start, length];
}

function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function pkcs1ToSpki(pkcs1) {
  const bitString = concat(Uint8Array.from([0x03, ...derLength(pkcs1.length + 1), 0x00]), pkcs1);
  const body = concat(RSA_OID_HEADER, bitString);
  return concat(Uint8Array.from([0x30, ...derLength(body.length)]), body);
}

function spkiToPkcs1(spki) {
  const [outer] = readHeader(spki, 0);
  const [algStart, algLength] = readHeader(spki, outer);
  const bitAt = algStart + algLength;
  const [bitStart, bitLength] = readHeader(spki, bitAt);
  return spki.subarray(bitStart + 1, bitStart + bitLength); // skip the unused-bits byte
}

export async function generateKeyPair() {
  return crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: Uint8Array.from([1, 0, 1]) },
    true,
    ["encrypt", "decrypt"],
  );
}

export async function exportPublicKey(key) {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", key));
  return toBase64(spkiToPkcs1(spki));
}

export async function importPublicKey(base64) {
  return crypto.subtle.importKey("spki", pkcs1ToSpki(fromBase64(base64)), RSA, false, ["encrypt"]);
}

async function pinKey(pin, salt) {
  const material = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(pin),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations: PBKDF2_ROUNDS, hash: "SHA-256" },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealPrivateKey(privateKey, pin) {
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", privateKey);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await pinKey(pin, salt), pkcs8);
  return toBase64(concat(Uint8Array.from([1]), salt, iv, new Uint8Array(sealed)));
}

/** The private key, or throws when the PIN does not open this blob. */
export async function openPrivateKey(base64, pin) {
  const bytes = fromBase64(base64);
  if (bytes[0] !== 1) throw new Error("unknown private key format");
  const salt = bytes.subarray(1, 17);
  const iv = bytes.subarray(17, 29);
  const pkcs8 = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv },
    await pinKey(pin, salt),
    bytes.subarray(29),
  );
  return crypto.subtle.importKey("pkcs8", pkcs8, RSA, false, ["decrypt"]);
}

/** 48 random bytes: the AES-256 key and the CBC IV of a new channel. */
export function newChannelSecret() {
  return crypto.getRandomValues(new Uint8Array(48));
}

export async function encryptChannelSecret(publicKeyBase64, secret) {
  const key = await importPublicKey(publicKeyBase64);
  return toBase64(await crypto.subtle.encrypt(RSA, key, secret));
}

export async function openChannelSecret(privateKey, base64) {
  const secret = new Uint8Array(await crypto.subtle.decrypt(RSA, privateKey, fromBase64(base64)));
  return channelKeyFrom(secret);
}

export async function channelKeyFrom(secret) {
  const key = await crypto.subtle.importKey("raw", secret.subarray(0, 32), "AES-CBC", false, [
    "encrypt",
    "decrypt",
  ]);
  // The raw secret stays with it (in memory only) to hand the key to a new group member.
  return { key, iv: secret.slice(32, 48), secret };
}

export async function encryptText(channelKey, text) {
  const data = new TextEncoder().encode(text);
  const sealed = await crypto.subtle.encrypt({ name: "AES-CBC", iv: channelKey.iv }, channelKey.key, data);
  return toBase64(sealed);
}

export async function decryptText(channelKey, base64) {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-CBC", iv: channelKey.iv },
    channelKey.key,
    fromBase64(base64),
  );
  return new TextDecoder().decode(plain);
}
