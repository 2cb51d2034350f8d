// The graph: GET /api/graph computes both passes in the library's engine and says what to draw:
// the inputs and their defaults, each box's formula and where it sits (column, row). This page
// holds no table of its own: it builds its form from the answer and draws the answer.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("inputs");
  const svg = document.getElementById("graph");
  let example = "notes", timer = null, asked = 0;

  // The form for the answer's inputs, each holding the value the answer used (its default at first).
  function fields(answer) {
    form.replaceChildren();
    for (const [name, value] of Object.entries(answer.inputs)) {
      const label = document.createElement("label");
      label.textContent = name;
      let input;
      if (answer.choices[name]) {
        input = document.createElement("select");
        for (const v of answer.choices[name]) input.append(new Option(String(v), String(v), false, v === value));
      } else {
        input = document.createElement("input");
        input.type = "number";
        input.step = "any";
        input.value = value;
      }
      input.id = `input-${name}`;
      input.name = name;
      input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(compute, 150); });
      label.appendChild(input);
      form.appendChild(label);
    }
  }

  // Ask for the graph with the form's inputs; a new example asks with none (its defaults).
  async function compute(fresh = false) {
    const query = new URLSearchParams({ example });
    if (!fresh) for (const input of form.elements) query.set(input.name, input.value);
    const mine = ++asked;
    try {
      const answer = await SN.api(`/api/graph?${query}`);
      if (mine !== asked) return;          // a later edit has already asked again
      SN.showError("");
      if (fresh) fields(answer);
      draw(answer);
    } catch (e) {
      if (mine === asked) SN.showError(e.message);
    }
  }

  function number(x) {
    return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, "").replace(/\.?0+e/, "e");
  }

  // What a box says first: a computed value's formula, an input's role.
  function head(node) {
    return node.formula ? `${node.name} = ${node.formula}` : node.role;
  }

  // Where each box goes: its column from the left, its row from the top, each column centred.
  function place(nodes, boxW, boxH, gapY) {
    const columns = 1 + Math.max(...nodes.map((n) => n.column));
    const rows = new Array(columns).fill(0);
    for (const node of nodes) rows[node.column] = Math.max(rows[node.column], node.row + 1);
    const height = Math.max(360, Math.max(...rows) * (boxH + gapY) + 30);
    const width = Math.max(900, columns * (boxW + 50));
    const stepX = (width - boxW - 40) / Math.max(1, columns - 1);
    const at = {};
    for (const node of nodes) {
      const top = (height - rows[node.column] * (boxH + gapY) + gapY) / 2;
      at[node.name] = { x: 20 + node.column * stepX, y: top + node.row * (boxH + gapY) };
    }
    return { at, width, height };
  }

  function draw(answer) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const defs = SN.el("defs", {}, svg);
    const marker = SN.el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                     markerHeight: 7, orient: "auto-start-reverse" }, defs);
    SN.el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a94a8" }, marker);
    const longest = Math.max(...answer.nodes.map((n) => head(n).length));
    const [boxW, boxH, gapY] = [Math.max(190, 20 + 7.4 * longest), 66, 16];
    const { at, width, height } = place(answer.nodes, boxW, boxH, gapY);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("aria-label", `computation graph: ${answer.title}`);
    for (const node of answer.nodes) {
      for (const input of node.inputs) {
        const [a, b] = [at[input], at[node.name]];
        const [x1, y1, x2, y2] = [a.x + boxW, a.y + boxH / 2, b.x, b.y + boxH / 2];
        SN.el("path", { class: "edge", d: `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`,
                        "marker-end": "url(#arrow)" }, svg);
      }
    }
    const out = answer.output;
    for (const node of answer.nodes) {
      const { x, y } = at[node.name];
      const group = SN.el("g", { "data-node": node.name }, svg);
      SN.el("rect", { x, y, width: boxW, height: boxH, class: node.name === out ? "output" : "" }, group);
      SN.el("text", { x: x + 10, y: y + 20, class: "head" }, group, head(node));
      SN.el("text", { x: x + 10, y: y + 38, class: "value", "data-value": node.value }, group,
            `${node.name} = ${number(node.value)}`);
      SN.el("text", { x: x + 10, y: y + 56, class: "grad", "data-grad": node.grad }, group,
            `\u2202${out}/\u2202${node.name} = ${number(node.grad)}`);
    }
    const formulas = answer.nodes.filter((n) => n.formula).map(head);
    const definitions = Object.entries(answer.definitions).map(([call, text]) => `${call} = ${text}`);
    SN.show("formulas", [...formulas, ...definitions].join(";   "));
    document.body.dataset.state = "drawn";
  }

  function choose(name) {
    example = name;
    document.getElementById("tab-notes").className = name === "notes" ? "" : "secondary";
    document.getElementById("tab-logistic").className = name === "logistic" ? "" : "secondary";
    clearTimeout(timer);
    form.replaceChildren();                // the other example's inputs go at once
    compute(true);
  }

  document.getElementById("tab-notes").addEventListener("click", () => choose("notes"));
  document.getElementById("tab-logistic").addEventListener("click", () => choose("logistic"));
  form.addEventListener("submit", (event) => event.preventDefault());
  choose("notes");
});
