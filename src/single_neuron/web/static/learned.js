// What it learned: GET /api/model, drawn. Numbers are rounded for reading; hovering one shows it exactly.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  let model;
  try {
    model = await SN.api("/api/model");
  } catch (e) {
    SN.showError(e.message);
    return;
  }
  const [zero, one] = model.classes;
  SN.show("source", model.source);
  SN.show("class-0", zero);
  SN.show("class-1", one);
  if (model.w) {
    SN.drawStretched(document.getElementById("w-image"), Float64Array.from(model.w.values), model.w.shape);
    const largest = SN.drawMap(document.getElementById("w-map"), Float64Array.from(model.weights_map.values),
                               model.weights_map.shape);
    SN.colourScale(document.getElementById("w-scale"), largest, `towards ${zero}`, `towards ${one}`);
  } else {
    SN.showError(`w has ${model.n_x} values, too many to draw here`);
  }
  SN.showExact("b", SN.format(model.b, 4), model.b);
  const percent = (id, value) => SN.showExact(id, SN.percent(value), value);
  percent("train-accuracy", model.train_accuracy);
  percent("test-accuracy", model.test_accuracy);
  SN.show("classes", `0: ${zero}, 1: ${one}`);
  SN.show("input-shape", `${model.input_shape.join(" x ")} (n_x = ${model.n_x.toLocaleString("en-US")})`);
  SN.show("pixel-scale", String(model.pixel_scale));
  SN.showExact("learning-rate", model.learning_rate === null ? "not recorded" : SN.format(model.learning_rate, 4),
               model.learning_rate);
  SN.show("iterations", model.n_iter === null ? "not recorded" : String(model.n_iter));
  SN.show("solver", model.solver || "not recorded");
  SN.showExact("final-cost", model.final_cost === null ? "not recorded" : SN.costText(model.final_cost),
               model.final_cost);
  const curve = model.curve.iterations.map((i, k) => [i, model.curve.costs[k]]);
  const label = model.learning_rate === null ? "cost" : `learning rate ${SN.format(model.learning_rate, 4)}`;
  const chart = new SN.Chart(document.getElementById("costs"));
  const axis = document.getElementById("axis");
  const draw = () => chart.draw([{ label, colour: SN.COLOURS[0], points: curve }],
                                { xMax: model.n_iter, log: axis.value === "log" });
  axis.addEventListener("change", draw);
  draw();
  requestAnimationFrame(() => requestAnimationFrame(() => { document.body.dataset.state = "drawn"; }));
});
