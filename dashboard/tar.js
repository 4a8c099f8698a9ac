/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal ustar writer for build contexts made in the browser: regular
 * files only, names up to 100 bytes (longer ones are refused), mode 0644.
 * Browser-side only; berthd reads tar with libarchive.
 */
'use strict';

const tar = (() => {
  const enc = new TextEncoder();

  function field(block, off, len, str) {
    const b = enc.encode(str);
    block.set(b.subarray(0, len), off);
  }

  function octal(n, len) {
    return n.toString(8).padStart(len - 1, '0') + '\0';
  }

  function header(name, size, mtime) {
    const h = new Uint8Array(512);
    const nb = enc.encode(name);
    if (nb.length > 100) throw new Error('file name too long for the context: ' + name);
    h.set(nb, 0);
    field(h, 100, 8, octal(0o644, 8));
    field(h, 108, 8, octal(0, 8));
    field(h, 116, 8, octal(0, 8));
    field(h, 124, 12, octal(size, 12));
    field(h, 136, 12, octal(mtime, 12));
    field(h, 148, 8, '        '); /* checksum counted as spaces */
    h[156] = 0x30; /* '0': regular file */
    field(h, 257, 6, 'ustar\0');
    field(h, 263, 2, '00');
    let sum = 0;
    for (const b of h) sum += b;
    field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    return h;
  }

  /* files: [{name, data: Uint8Array}] -> Blob (application/x-tar) */
  function make(files) {
    const parts = [];
    const mtime = Math.floor(Date.now() / 1000);
    for (const f of files) {
      parts.push(header(f.name, f.data.length, mtime), f.data);
      const pad = (512 - (f.data.length % 512)) % 512;
      if (pad) parts.push(new Uint8Array(pad));
    }
    parts.push(new Uint8Array(1024)); /* two zero blocks end the archive */
    return new Blob(parts, { type: 'application/x-tar' });
  }

  return { make, encode: (s) => enc.encode(s) };
})();
