/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The terminal: xterm.js (vendored from npm at build time) on the attach
 * WebSocket of a container, or, when the build could not vendor it, a plain
 * <pre> with a line input. Output is also kept as text (term.text) so tests
 * and copy/paste see exactly what the container wrote.
 */
'use strict';

class Term {
  constructor(el) {
    this.el = el;
    this.text = '';
    this.ws = null;
    this.dec = new TextDecoder();
    this.enc = new TextEncoder();
    el.textContent = '';
    if (window.Terminal) {
      this.xterm = new window.Terminal({ convertEol: false, cursorBlink: true, rows: 16, cols: 100 });
      this.xterm.open(el);
      this.xterm.onData((d) => this.send(d));
      el.dataset.kind = 'xterm';
    } else {
      this.pre = document.createElement('pre');
      this.input = document.createElement('input');
      this.input.size = 60;
      this.input.placeholder = 'type a line, Enter sends it';
      this.input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') { this.send(this.input.value + '\n'); this.input.value = ''; }
      });
      el.append(this.pre, this.input);
      el.dataset.kind = 'pre';
    }
  }

  send(s) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(this.enc.encode(s));
  }

  write(bytes) {
    const s = this.dec.decode(bytes, { stream: true });
    this.text += s;
    if (this.xterm) this.xterm.write(bytes);
    else this.pre.textContent = this.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  }

  /* Attaches to container @id: resolves once the socket is open. */
  attach(id) {
    this.close();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/containers/${encodeURIComponent(id)}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onmessage = (ev) => this.write(typeof ev.data === 'string' ? this.enc.encode(ev.data) : new Uint8Array(ev.data));
    ws.onclose = () => { this.el.dataset.state = 'closed'; };
    return new Promise((resolve, reject) => {
      ws.onopen = () => { this.el.dataset.state = 'open'; if (this.xterm) this.xterm.focus(); else this.input.focus(); resolve(); };
      ws.onerror = () => reject(new Error('the attach WebSocket failed'));
    });
  }

  close() {
    if (this.ws) this.ws.close();
    this.ws = null;
  }

  dispose() {
    this.close();
    if (this.xterm) this.xterm.dispose();
  }
}
