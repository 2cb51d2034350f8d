// What every page uses: the API, arrays sent as base64, images and maps on canvases, curves in SVG.
// Everything a server sends is shown with textContent, never parsed as HTML.
"use strict";

const SN = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2b59c3", "#c0392b", "#1e7b4a", "#a15c00", "#7b3fa0", "#00838f", "#5d4037", "#546e7a"];
  // ColorBrewer's RdBu, reversed: matplotlib's "RdBu_r", the command line's maps (app/weight_figures.py).
  // Blue below zero, near-white at zero, red above.
  const MARKED_AT_MOST = 50;         // app/run_plots.py's: a curve of more points is a line without markers
  const RDBU_R = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
                  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];

  async function api(path, options = {}) {
    const response = await fetch(path, options);
    let body;
    try {
      body = await response.json();
    } catch (e) {
      throw new Error(`${path}: the server answered ${response.status} without JSON`);
    }
    if (!response.ok) throw new Error(body.error || `${path}: the server answered ${response.status}`);
    return body;
  }

  function post(path, body = null) {
    const options = { method: "POST" };
    if (body !== null) Object.assign(options, { headers: { "content-type": "application/json" },
                                                body: JSON.stringify(body) });
    return api(path, options);
  }

  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  // {"shape", "float32": base64 little-endian} -> Float32Array
  function floats(packed) {
    return new Float32Array(bytes(packed.float32).buffer);
  }

  function put(canvas, h, w, rgbAt) {
    canvas.width = w;
    canvas.height = h;
    const context = canvas.getContext("2d");
    const image = context.createImageData(w, h);
    for (let p = 0; p < h * w; p++) {
      const [r, g, b] = rgbAt(p);
      image.data.set([r, g, b, 255], 4 * p);
    }
    context.putImageData(image, 0, 0);
  }

  // uint8 pixels (h, w, c) as they are.
  function drawPixels(canvas, values, shape) {
    const [h, w, c] = shape;
    put(canvas, h, w, (p) => c >= 3 ? [values[c * p], values[c * p + 1], values[c * p + 2]]
                                    : [values[p], values[p], values[p]]);
  }

  // Any values (h, w, c), each channel's range stretched to 0..255: w "as a picture". A channel
  // whose values are all equal (w = 0 before the first step) is mid-grey, not black.
  function drawStretched(canvas, values, shape) {
    const [h, w, c] = shape;
    const low = new Array(c).fill(Infinity), high = new Array(c).fill(-Infinity);
    for (let i = 0; i < values.length; i++) {
      low[i % c] = Math.min(low[i % c], values[i]);
      high[i % c] = Math.max(high[i % c], values[i]);
    }
    const scaled = (i) => high[i % c] > low[i % c] ? 255 * (values[i] - low[i % c]) / (high[i % c] - low[i % c]) : 128;
    put(canvas, h, w, (p) => c >= 3 ? [scaled(c * p), scaled(c * p + 1), scaled(c * p + 2)]
                                    : [scaled(p), scaled(p), scaled(p)]);
  }

  // t in [-1, 1] -> [r, g, b] of RdBu_r, quantised to 256 levels as matplotlib's colour maps are.
  function diverging(t) {
    const u = Math.min(255, Math.max(0, Math.floor((Math.max(-1, Math.min(1, t)) + 1) / 2 * 256))) / 255;
    const x = u * (RDBU_R.length - 1), k = Math.min(RDBU_R.length - 2, Math.floor(x)), f = x - k;
    return RDBU_R[k].map((a, j) => Math.round(a + f * (RDBU_R[k + 1][j] - a)));
  }

  // A map (h, w) as the server defines it (app/weight_maps.py), on a colour scale centred on zero: full
  // colour at the largest magnitude, which it returns.
  function drawMap(canvas, values, shape) {
    const [h, w] = shape;
    let largest = 0;
    for (const v of values) largest = Math.max(largest, Math.abs(v));
    put(canvas, h, w, (p) => diverging(largest ? values[p] / largest : 0));
    return largest;
  }

  // A colour scale under a map: the bar from -largest to +largest, its numbers, what each end means.
  function colourScale(box, largest, below, above) {
    box.replaceChildren();
    box.classList.add("scale");
    const bar = document.createElement("canvas");
    bar.className = "scale-bar";
    put(bar, 1, 256, (p) => diverging(2 * p / 255 - 1));
    const numbers = document.createElement("div");
    numbers.className = "scale-numbers";
    for (const value of [-largest, 0, largest]) {
      const tick = document.createElement("span");
      tick.textContent = value === 0 ? "0" : format(value, 3);
      tick.title = String(value);
      numbers.appendChild(tick);
    }
    box.append(bar, numbers);
    if (below || above) {
      const words = document.createElement("div");
      words.className = "scale-words";
      for (const text of [below, above]) {
        const word = document.createElement("span");
        word.textContent = text;
        words.appendChild(word);
      }
      box.appendChild(words);
    }
    box.dataset.largest = String(largest);
  }

  // A number rounded for reading: `digits` significant digits (fixed below 1e6), never "1e-5" style
  // for ordinary sizes.
  function format(value, digits = 4) {
    if (value === null || value === undefined) return "not recorded";
    if (value === 0) return "0";
    const size = Math.abs(value);
    if (size >= 1e6 || size < 1e-4) return value.toPrecision(digits);
    return String(Number(value.toPrecision(digits)));
  }

  // A cost as the command line prints one beside another: six decimals, four significant digits from 1e4.
  function costText(value) {
    return value < 1e4 ? value.toFixed(6) : value.toPrecision(4);
  }

  // Fill element `id` with `text`, the exact value on hover (its title) and in data-exact.
  function showExact(id, text, exact) {
    const node = typeof id === "string" ? document.getElementById(id) : id;
    node.textContent = text;
    if (exact === null || exact === undefined) {
      node.removeAttribute("title");
      delete node.dataset.exact;
    } else {
      node.title = `exactly ${exact}`;
      node.dataset.exact = String(exact);
    }
    return node;
  }

  function el(name, attributes = {}, parent = null, text = null) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
    if (text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceTicks(low, high, count) {
    const span = high - low || Math.abs(high) || 1;
    const step0 = span / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) || 10 * magnitude;
    const ticks = [];
    for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }

  function logTicks(high) {
    const ticks = [0];
    for (let t = 1; t <= high; t *= 10) ticks.push(t);
    if (ticks.length <= 3) {           // under a decade or two: the 2s and 5s too
      for (let t = 2; t <= high; t *= 10) ticks.push(t);
      for (let t = 5; t <= high; t *= 10) ticks.push(t);
    }
    return ticks.sort((a, b) => a - b);
  }

  function count(value) {
    return Math.abs(value) >= 1e4 ? value.toLocaleString("en-US") : String(value);
  }

  // The index of the point of `points` ([[x, y], ...], x increasing) nearest to x.
  function nearest(points, x) {
    let low = 0, high = points.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if (points[middle][0] < x) low = middle; else high = middle;
    }
    return Math.abs(points[low][0] - x) <= Math.abs(points[high][0] - x) ? low : high;
  }

  // A line chart of cost curves, drawn to the width it is given: series [{label, colour, points:
  // [[iteration, cost], ...], marked}], a legend above the plot, a linear or a log iteration axis,
  // the values of each curve's nearest point under the pointer. Each polyline carries data-points
  // (its number of points) and data-label; nothing it draws leaves its box.
  class Chart {
    constructor(svg, { xLabel = "iteration", yLabel = "cost J" } = {}) {
      this.svg = svg;
      this.xLabel = xLabel;
      this.yLabel = yLabel;
      this.series = [];
      this.options = {};
      this.pending = false;
      svg.addEventListener("pointermove", (event) => this.hover(event));
      svg.addEventListener("pointerleave", () => this.unhover());
      window.addEventListener("resize", () => this.draw());
    }

    // Draw `series` with `options` {xMax, log}, once per frame however often it is asked.
    draw(series = this.series, options = this.options) {
      this.series = series;
      this.options = options;
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.render();
      });
    }

    render() {
      const svg = this.svg, series = this.series, { xMax = null, log = false } = this.options;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      const W = Math.max(280, Math.round(svg.getBoundingClientRect().width || 760));
      const H = W < 560 ? 300 : 360;
      svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
      svg.dataset.axis = log ? "log" : "linear";
      const m = { left: 0, right: 14, top: 0, bottom: 42 };

      // the legend, in rows above the plot
      const legend = el("g", { class: "legend" }, svg);
      let lx = 10, row = 0;
      for (const s of series) {
        const item = el("g", { class: s.marked ? "legend-item marked" : "legend-item", "data-label": s.label }, legend);
        const text = el("text", { x: 0, y: 0 }, item, s.marked ? `${s.label} (served)` : s.label);
        const width = 24 + text.getComputedTextLength();
        if (lx + width > W - 10 && lx > 10) { lx = 10; row += 1; }
        const y = 16 + 18 * row;
        el("line", { x1: lx, x2: lx + 18, y1: y - 4, y2: y - 4, stroke: s.colour,
                     "stroke-width": s.marked ? 4 : 2.5 }, item);
        text.setAttribute("x", lx + 24);
        text.setAttribute("y", y);
        lx += width + 16;
      }
      m.top = series.length ? 16 + 18 * row + 14 : 12;

      // the scales
      const all = series.flatMap((s) => s.points);
      const x1 = Math.max(xMax || 0, ...all.map((p) => p[0]), 1);
      let [y0, y1] = all.length ? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))] : [0, 1];
      if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
      y0 = Math.min(y0, 0);
      const yTicks = niceTicks(y0, y1, H < 330 ? 5 : 6);
      const yTexts = yTicks.map((t) => el("text", { class: "tick", y: 0, "text-anchor": "end" }, svg, String(t)));
      m.left = 30 + Math.max(20, ...yTexts.map((t) => t.getComputedTextLength()));
      const plotW = W - m.left - m.right, plotH = H - m.top - m.bottom;
      const fx = log ? (x) => Math.log10(1 + x) / Math.log10(1 + x1) : (x) => x / x1;
      const X = (x) => m.left + plotW * fx(x);
      const Y = (y) => H - m.bottom - plotH * (y - y0) / (y1 - y0);
      this.scale = { X, Y, m, W, H, x1, log, inverse: (px) => {
        const u = (px - m.left) / plotW;
        return log ? Math.pow(1 + x1, u) - 1 : u * x1;
      } };

      yTicks.forEach((t, k) => {
        el("line", { class: "grid", x1: m.left, x2: W - m.right, y1: Y(t), y2: Y(t) }, svg);
        yTexts[k].setAttribute("x", m.left - 6);
        yTexts[k].setAttribute("y", Y(t) + 4);
      });
      const xTicks = log ? logTicks(x1) : niceTicks(0, x1, Math.max(3, Math.floor(plotW / 90)));
      let nextStart = Infinity;
      for (const t of xTicks.slice().reverse()) {        // from the end of the axis, which always keeps its label
        el("line", { class: "grid", x1: X(t), x2: X(t), y1: m.top, y2: H - m.bottom }, svg);
        const label = el("text", { class: "tick", x: X(t), y: H - m.bottom + 16, "text-anchor": "middle" }, svg, count(t));
        const half = label.getComputedTextLength() / 2;
        if (X(t) + half > W - 2) {                     // the last label ends at the edge, not past it
          label.setAttribute("text-anchor", "end");
          label.setAttribute("x", W - 2);
        }
        const start = Math.min(X(t), W - 2 - half) - half;
        if (start + 2 * half > nextStart - 4) label.remove();    // crowded by the one to its right: skipped
        else nextStart = start;
      }
      el("line", { class: "axis", x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom }, svg);
      el("line", { class: "axis", x1: m.left, x2: m.left, y1: m.top, y2: H - m.bottom }, svg);
      el("text", { class: "title", x: (m.left + W - m.right) / 2, y: H - 6, "text-anchor": "middle" }, svg,
         log ? `${this.xLabel} (log scale)` : this.xLabel);
      const middle = (m.top + H - m.bottom) / 2;
      el("text", { class: "title", x: 14, y: middle, "text-anchor": "middle", transform: `rotate(-90 14 ${middle})` },
         svg, this.yLabel);
      for (const s of series) {
        if (s.points.length <= MARKED_AT_MOST) {        // sparse records: each one marked, as the command line does
          for (const [x, y] of s.points) el("circle", { class: "record", cx: X(x), cy: Y(y), r: 2.5, fill: s.colour }, svg);
        }
        el("polyline", { points: s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" "),
                         stroke: s.colour, "stroke-width": s.marked ? 3 : 1.6, "data-points": s.points.length,
                         "data-label": s.label, class: s.marked ? "marked" : "" }, svg);
      }
      this.hoverLayer = el("g", { class: "hover", visibility: "hidden" }, svg);
      if (this.lastPointer) this.show(this.lastPointer);
    }

    hover(event) {
      const box = this.svg.getBoundingClientRect();
      if (!this.scale || !box.width) return;
      this.lastPointer = (event.clientX - box.left) * this.scale.W / box.width;
      this.show(this.lastPointer);
    }

    unhover() {
      this.lastPointer = null;
      if (this.hoverLayer) this.hoverLayer.setAttribute("visibility", "hidden");
    }

    // The nearest point of each curve to the iteration under the pointer at x (in the chart's units).
    show(px) {
      const { X, Y, m, W, inverse } = this.scale, layer = this.hoverLayer;
      const shown = this.series.filter((s) => s.points.length);
      if (!layer || !shown.length || px < m.left || px > W - m.right) return this.unhover();
      while (layer.firstChild) layer.removeChild(layer.firstChild);
      const at = inverse(px);
      el("line", { class: "cursor", x1: px, x2: px, y1: m.top, y2: this.scale.H - m.bottom }, layer);
      const rows = shown.map((s) => ({ s, point: s.points[nearest(s.points, at)] }));
      for (const { s, point } of rows) {
        el("circle", { cx: X(point[0]), cy: Y(point[1]), r: 4, fill: "#fff", stroke: s.colour, "stroke-width": 2 }, layer);
      }
      const box = el("g", { class: "tooltip" }, layer);
      const back = el("rect", { rx: 4 }, box);
      let width = 0;
      rows.forEach(({ s, point }, k) => {
        const text = el("text", { class: "hover-row", x: 8, y: 16 + 16 * k, fill: s.colour, "data-label": s.label,
                                  "data-iteration": point[0], "data-cost": point[1] }, box,
                        `${s.label}: iteration ${count(point[0])}, cost ${costText(point[1])}`);
        width = Math.max(width, text.getComputedTextLength());
      });
      const w = width + 16, h = 8 + 16 * rows.length;
      back.setAttribute("width", w);
      back.setAttribute("height", h);
      const left = px + 12 + w <= W - 2 ? px + 12 : Math.max(2, px - 12 - w);
      box.setAttribute("transform", `translate(${left.toFixed(1)} ${m.top + 4})`);
      layer.setAttribute("visibility", "visible");
    }
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  function showError(message) {
    const box = document.getElementById("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function percent(value) {
    return value === null || value === undefined ? "not measured" : `${Number(value).toFixed(2)} %`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const link of document.querySelectorAll("header nav a")) {
      if (link.getAttribute("href") === location.pathname) link.classList.add("current");
    }
  });

  return { api, post, floats, bytes, drawPixels, drawStretched, drawMap, diverging, colourScale, format, costText,
           showExact, Chart, el, show, showError, percent, COLOURS };
})();
