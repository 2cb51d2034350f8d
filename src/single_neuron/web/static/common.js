// What every page uses: the API, arrays sent as base64, images and maps on canvases, curves in SVG.
// Everything a server sends is shown with textContent, never parsed as HTML.
"use strict";

const SN = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = ["#2b59c3", "#c0392b", "#1e7b4a", "#a15c00", "#7b3fa0", "#00838f", "#5d4037", "#546e7a"];

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

  // Any values (h, w, c), each channel's range stretched to 0..255: w "as a picture".
  function drawStretched(canvas, values, shape) {
    const [h, w, c] = shape;
    const low = new Array(c).fill(Infinity), high = new Array(c).fill(-Infinity);
    for (let i = 0; i < values.length; i++) {
      low[i % c] = Math.min(low[i % c], values[i]);
      high[i % c] = Math.max(high[i % c], values[i]);
    }
    const scaled = (i) => 255 * (values[i] - low[i % c]) / ((high[i % c] - low[i % c]) || 1);
    put(canvas, h, w, (p) => c >= 3 ? [scaled(c * p), scaled(c * p + 1), scaled(c * p + 2)]
                                    : [scaled(p), scaled(p), scaled(p)]);
  }

  // Values (h, w, c) summed over the channels, red above 0 and blue below, full colour at the
  // largest magnitude. Returns that magnitude.
  function drawDiverging(canvas, values, shape) {
    const [h, w, c] = shape;
    const sums = new Float64Array(h * w);
    for (let i = 0; i < values.length; i++) sums[Math.floor(i / c)] += values[i];
    let largest = 0;
    for (const s of sums) largest = Math.max(largest, Math.abs(s));
    put(canvas, h, w, (p) => {
      const t = largest ? sums[p] / largest : 0;
      const fade = Math.round(255 * (1 - Math.abs(t)));
      return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
    });
    return largest;
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

  // A line chart: series [{label, colour, points: [[x, y], ...]}], axes fitted to every point.
  // Each polyline carries data-points (its number of points) and data-label.
  function chart(svg, series, { xLabel = "iteration", yLabel = "cost J", xMax = null } = {}) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const [W, H] = [760, Number(svg.getAttribute("viewBox").split(" ")[3])];
    const m = { left: 62, right: 16, top: 14, bottom: 42 };
    const all = series.flatMap((s) => s.points);
    let x1 = Math.max(xMax || 0, ...all.map((p) => p[0]), 1);
    let [y0, y1] = all.length ? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))] : [0, 1];
    if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
    y0 = Math.min(y0, 0);
    const X = (x) => m.left + (W - m.left - m.right) * x / x1;
    const Y = (y) => H - m.bottom - (H - m.top - m.bottom) * (y - y0) / (y1 - y0);
    for (const t of niceTicks(y0, y1, 6)) {
      el("line", { class: "grid", x1: m.left, x2: W - m.right, y1: Y(t), y2: Y(t) }, svg);
      el("text", { x: m.left - 6, y: Y(t) + 4, "text-anchor": "end" }, svg, String(t));
    }
    for (const t of niceTicks(0, x1, 8)) {
      el("line", { class: "grid", x1: X(t), x2: X(t), y1: m.top, y2: H - m.bottom }, svg);
      el("text", { x: X(t), y: H - m.bottom + 16, "text-anchor": "middle" }, svg, String(t));
    }
    el("line", { class: "axis", x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom }, svg);
    el("line", { class: "axis", x1: m.left, x2: m.left, y1: m.top, y2: H - m.bottom }, svg);
    el("text", { x: (m.left + W - m.right) / 2, y: H - 6, "text-anchor": "middle" }, svg, xLabel);
    el("text", { x: 14, y: (m.top + H - m.bottom) / 2, "text-anchor": "middle",
                 transform: `rotate(-90 14 ${(m.top + H - m.bottom) / 2})` }, svg, yLabel);
    for (const s of series) {
      el("polyline", { points: s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" "),
                       stroke: s.colour, "data-points": s.points.length, "data-label": s.label }, svg);
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

  return { api, floats, bytes, drawPixels, drawStretched, drawDiverging, chart, el, show, showError, percent, COLOURS };
})();
