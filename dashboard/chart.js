/* SPDX-License-Identifier: Apache-2.0 */
/* A small line chart on a canvas: the last 60 samples, scaled to their maximum. */
'use strict';

class LineChart {
  constructor(canvas, color) {
    this.canvas = canvas;
    this.color = color;
    this.values = [];
  }

  push(v) {
    this.values.push(v);
    if (this.values.length > 60) this.values.shift();
    this.draw();
  }

  draw() {
    const c = this.canvas, g = c.getContext('2d');
    const max = Math.max(1e-9, ...this.values);
    g.clearRect(0, 0, c.width, c.height);
    g.fillStyle = '#8a96a3';
    g.font = '11px monospace';
    g.fillText(max.toFixed(max < 10 ? 2 : 0), 4, 12);
    g.strokeStyle = this.color;
    g.lineWidth = 2;
    g.beginPath();
    this.values.forEach((v, i) => {
      const x = (i / 59) * (c.width - 8) + 4;
      const y = c.height - 4 - (v / max) * (c.height - 20);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
  }
}
