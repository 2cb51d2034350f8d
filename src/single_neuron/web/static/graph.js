// The graph: GET /api/graph computes both passes in the library's engine; this page only draws.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const INPUTS = {
    notes: { a: 5, b: 3, c: 2 },
    logistic: { x1: 1, x2: 2, w1: 0.5, w2: -0.25, b: 0.1, y: 1 },
  };
  const form = document.getElementById("inputs");
  const svg = document.getElementById("graph");
  let example = "notes", timer = null, asked = 0;

  function fields() {
    form.replaceChildren();
    for (const [name, value] of Object.entries(INPUTS[example])) {
      const label = document.createElement("label");
      label.textContent = name;
      let input;
      if (name === "y") {
        input = document.createElement("select");
        for (const v of ["0", "1"]) input.append(new Option(v, v, false, String(value) === v));
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

  async function compute() {
    const query = new URLSearchParams({ example });
    for (const input of form.elements) query.set(input.name, input.value);
    const mine = ++asked;
    try {
      const answer = await SN.api(`/api/graph?${query}`);
      if (mine !== asked) return;          // a later edit has already asked again
      SN.showError("");
      draw(answer);
    } catch (e) {
      if (mine === asked) SN.showError(e.message);
    }
  }

  function number(x) {
    return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, "").replace(/\.?0+e/, "e");
  }

  function draw(answer) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const defs = SN.el("defs", {}, svg);
    const marker = SN.el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                     markerHeight: 7, orient: "auto-start-reverse" }, defs);
    SN.el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a94a8" }, marker);
    // Columns by depth: inputs at the left, the output at the right.
    // An input sits just left of the first node that uses it, so that no edge crosses a box.
    const depth = {};
    for (const node of answer.nodes) {
      depth[node.name] = node.inputs.length ? 1 + Math.max(...node.inputs.map((n) => depth[n])) : 0;
    }
    for (const node of answer.nodes.filter((n) => !n.inputs.length)) {
      const users = answer.nodes.filter((n) => n.inputs.includes(node.name)).map((n) => depth[n.name]);
      if (users.length) depth[node.name] = Math.min(...users) - 1;
    }
    const columns = [];
    for (const node of answer.nodes) (columns[depth[node.name]] ||= []).push(node);
    const longest = Math.max(...answer.nodes.map((n) => n.formula.length));
    const [boxW, boxH, gapY] = [Math.max(190, 20 + 7.4 * longest), 66, 16];
    const tallest = Math.max(...columns.map((c) => c.length));
    const height = Math.max(360, tallest * (boxH + gapY) + 30);
    const width = Math.max(900, columns.length * (boxW + 50));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const stepX = (width - boxW - 40) / Math.max(1, columns.length - 1);
    const at = {};
    columns.forEach((column, d) => {
      const top = (height - column.length * (boxH + gapY) + gapY) / 2;
      column.forEach((node, k) => { at[node.name] = { x: 20 + d * stepX, y: top + k * (boxH + gapY) }; });
    });
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
      SN.el("text", { x: x + 10, y: y + 20 }, group, node.formula);
      SN.el("text", { x: x + 10, y: y + 38, class: "value", "data-value": node.value }, group,
            `${node.name} = ${number(node.value)}`);
      SN.el("text", { x: x + 10, y: y + 56, class: "grad", "data-grad": node.grad }, group,
            `\u2202${out}/\u2202${node.name} = ${number(node.grad)}`);
    }
    SN.show("formulas", answer.nodes.filter((n) => n.inputs.length).map((n) => n.formula).join(";   "));
    document.body.dataset.state = "drawn";
  }

  function choose(name) {
    example = name;
    document.getElementById("tab-notes").className = name === "notes" ? "" : "secondary";
    document.getElementById("tab-logistic").className = name === "logistic" ? "" : "secondary";
    fields();
    compute();
  }

  document.getElementById("tab-notes").addEventListener("click", () => choose("notes"));
  document.getElementById("tab-logistic").addEventListener("click", () => choose("logistic"));
  form.addEventListener("submit", (event) => event.preventDefault());
  choose("notes");
});
