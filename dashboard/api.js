/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Docker Engine API of the origin that served this page, through fetch:
 * JSON calls, newline-delimited JSON streams (events, pull, build, stats)
 * and the 8-byte frames of non-TTY logs (stdcopy), all read with streaming
 * bodies, never by polling.
 */
'use strict';

const api = (() => {
  async function fail(resp) {
    let msg = resp.status + ' ' + resp.statusText;
    try {
      const j = await resp.json();
      if (j && j.message) msg = j.message;
    } catch (e) { /* not JSON */ }
    const err = new Error(msg);
    err.status = resp.status;
    throw err;
  }

  async function call(method, path, opts = {}) {
    const resp = await fetch(path, { method, headers: opts.headers || {}, body: opts.body, signal: opts.signal });
    if (!resp.ok) await fail(resp);
    return resp;
  }

  async function json(path) {
    return (await call('GET', path)).json();
  }

  /* Calls onItem(obj) for each JSON line of the body until it ends. */
  async function lines(resp, onItem) {
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onItem(JSON.parse(line));
      }
    }
    if (buf.trim()) onItem(JSON.parse(buf));
  }

  /*
   * Log output: with a TTY the raw bytes; without, frames of
   * [stream, 0, 0, 0, size (4 bytes big-endian)] + payload. onData(stream, bytes)
   * with stream 1 (stdout) or 2 (stderr).
   */
  async function frames(resp, tty, onData) {
    const reader = resp.body.getReader();
    let pending = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (tty) { onData(1, value); continue; }
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      let off = 0;
      while (joined.length - off >= 8) {
        const size = new DataView(joined.buffer, off + 4, 4).getUint32(0, false);
        if (joined.length - off - 8 < size) break;
        onData(joined[off], joined.subarray(off + 8, off + 8 + size));
        off += 8 + size;
      }
      pending = joined.slice(off);
    }
  }

  /*
   * A read-only listener (--read-only-host) answers every method but GET
   * and HEAD with 403 before routing; an OPTIONS (the CORS pre-flight,
   * answered 200 by a writable listener) tells the two apart with no side
   * effect.
   */
  async function isReadOnly() {
    const resp = await fetch('/_ping', { method: 'OPTIONS' });
    if (resp.status !== 403) return false;
    try { return /read-only/.test((await resp.json()).message); } catch (e) { return true; }
  }

  return { call, json, lines, frames, isReadOnly };
})();
