// The one module that owns the realtime socket: HELLO → IDENTIFY (or RESUME), heartbeats,
// reconnect with backoff, RESUME after a drop (no event lost or seen twice: dispatches are
// numbered and anything at or below the last seen number is dropped), INVALID_SESSION →
// IDENTIFY again and let the app refetch, a revoked session → `revoked` at once.

import { accessToken, refresh } from "./api.js";

const OP = { DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, RESUME: 6, RECONNECT: 7, INVALID: 9, HELLO: 10, ACK: 11 };
const REVOKED = 4011;
const AUTH_FAILED = 4004;
const NOT_RESUMABLE = new Set([4003, 4004, 4011, 4012]);

export class Gateway {
  constructor() {
    this.handlers = new Map();
    this.socket = null;
    this.sessionId = null;
    this.seq = 0;
    this.state = "idle"; // idle | connecting | ready | waiting | closed
    this.attempt = 0;
    this.heartbeat = null;
    this.retryTimer = null;
    this.acked = true;
    this.stopped = true;
    this.onOnline = () => this.connectNow();
    this.onOffline = () => this.drop("offline");
  }

  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(fn);
    return () => this.handlers.get(name).delete(fn);
  }

  emit(name, data) {
    for (const fn of this.handlers.get(name) || []) fn(data);
  }

  setState(state) {
    this.state = state;
    this.emit("state", state);
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.open();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.teardown(1000);
    this.sessionId = null;
    this.seq = 0;
    this.setState("closed");
  }

  connectNow() {
    if (this.stopped || this.state === "ready" || this.state === "connecting") return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  }

  drop(reason) {
    // The browser says the network is gone: do not wait for TCP to notice.
    if (this.stopped || !this.socket) return;
    this.teardown(4000);
    this.schedule(reason);
  }

  teardown(code) {
    clearInterval(this.heartbeat);
    this.heartbeat = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onerror = null;
      try {
        socket.close(code);
      } catch {
        /* already closed */
      }
    }
  }

  open() {
    if (this.stopped) return;
    this.setState("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/v1/gateway`);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => this.closed(event.code);
  }

  async receive(frame) {
    switch (frame.op) {
      case OP.HELLO:
        this.startHeartbeat(frame.d.heartbeat_interval);
        await this.authenticate();
        break;
      case OP.ACK:
        this.acked = true;
        break;
      case OP.INVALID:
        this.sessionId = null;
        this.seq = 0;
        await this.authenticate();
        break;
      case OP.RECONNECT:
        break; // the close (1012) that follows reconnects and resumes
      case OP.DISPATCH:
        this.dispatch(frame);
        break;
      default:
        break;
    }
  }

  dispatch(frame) {
    if (frame.t === "READY") {
      this.sessionId = frame.d.session_id;
      this.seq = 0;
      this.attempt = 0;
      this.setState("ready");
      this.emit("READY", frame.d);
      return;
    }
    if (frame.t === "RESUMED") {
      this.attempt = 0;
      this.setState("ready");
      this.emit("RESUMED", frame.d);
      return;
    }
    if (typeof frame.s === "number") {
      if (frame.s <= this.seq) return; // seen already
      this.seq = frame.s;
    }
    this.emit(frame.t, frame.d);
    this.emit("*", frame);
  }

  async authenticate() {
    const token = await accessToken();
    if (!token) {
      this.stop();
      this.emit("revoked", "signed_out");
      return;
    }
    if (this.sessionId) {
      this.send(OP.RESUME, { token, session_id: this.sessionId, seq: this.seq });
    } else {
      this.send(OP.IDENTIFY, { token });
    }
  }

  startHeartbeat(interval) {
    clearInterval(this.heartbeat);
    this.acked = true;
    this.heartbeat = setInterval(() => {
      if (!this.acked) {
        this.drop("no_ack");
        return;
      }
      this.acked = false;
      this.send(OP.HEARTBEAT, this.seq || null);
    }, interval);
  }

  send(op, d) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ op, d }));
    }
  }

  async closed(code) {
    this.teardown(1000);
    if (this.stopped) return;
    if (code === REVOKED) {
      this.stop();
      this.emit("revoked", "revoked");
      return;
    }
    if (code === AUTH_FAILED) {
      // The access token may just have expired: one refresh, else the session is gone.
      if (!(await refresh())) {
        this.stop();
        this.emit("revoked", "revoked");
        return;
      }
    }
    if (NOT_RESUMABLE.has(code)) {
      this.sessionId = null;
      this.seq = 0;
    }
    this.schedule(`close ${code}`);
  }

  schedule() {
    if (this.stopped) return;
    this.setState("waiting");
    const base = Math.min(10_000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }
}

export const gateway = new Gateway();
