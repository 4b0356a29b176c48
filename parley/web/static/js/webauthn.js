// WebAuthn in the browser: the API's options (binary fields base64url) to
// navigator.credentials.create()/get(), and the credential back as JSON. Uses the browser's
// parse…FromJSON()/toJSON() where it has them, else converts by hand.
import { ApiError } from "./api.js";

export const passkeysSupported = () => typeof window.PublicKeyCredential === "function";

const fromB64 = (text) => {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(plain + "=".repeat((4 - (plain.length % 4)) % 4)), (c) => c.charCodeAt(0)).buffer;
};

const toB64 = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: fromB64(item.id) }));

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromB64(json.challenge),
    user: { ...json.user, id: fromB64(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: fromB64(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

function credentialJson(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: toB64(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64(r.authenticatorData);
    response.signature = toB64(r.signature);
    if (r.userHandle) response.userHandle = toB64(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toB64(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

// A refusal by the browser or the person (cancelled, timed out, not allowed here) as an error
// the screens can name.
async function ceremony(run) {
  if (!passkeysSupported()) throw new ApiError(0, { error: { code: "passkey_unsupported" } });
  try {
    return credentialJson(await run());
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = err && err.name === "InvalidStateError" ? "passkey_exists" : "passkey_cancelled";
    throw new ApiError(0, { error: { code, message: String(err && err.message) } });
  }
}

/** The authenticator's answer to the API's registration options. */
export const createPasskey = (options) =>
  ceremony(() => navigator.credentials.create({ publicKey: creationOptions(options) }));

/** The authenticator's answer to the API's request options (sign-in or second factor). */
export const signWithPasskey = (options) =>
  ceremony(() => navigator.credentials.get({ publicKey: requestOptions(options) }));
