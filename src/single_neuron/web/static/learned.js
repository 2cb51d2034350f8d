// What it learned: GET /api/model, drawn.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  let model;
  try {
    model = await SN.api("/api/model");
  } catch (e) {
    SN.showError(e.message);
    return;
  }
  SN.show("source", model.source);
  SN.show("class-1", model.classes[1]);
  if (model.w) {
    const w = Float64Array.from(model.w.values);
    SN.drawStretched(document.getElementById("w-image"), w, model.w.shape);
    SN.drawDiverging(document.getElementById("w-map"), w, model.w.shape);
  } else {
    SN.showError(`w has ${model.n_x} values, too many to draw here`);
  }
  SN.show("b", String(model.b));
  SN.show("train-accuracy", SN.percent(model.train_accuracy));
  SN.show("test-accuracy", SN.percent(model.test_accuracy));
  SN.show("classes", `0: ${model.classes[0]}, 1: ${model.classes[1]}`);
  SN.show("input-shape", `${model.input_shape.join(" x ")} (n_x = ${model.n_x})`);
  SN.show("learning-rate", model.learning_rate === null ? "not recorded" : String(model.learning_rate));
  SN.show("iterations", model.n_iter === null ? "not recorded" : String(model.n_iter));
  SN.show("solver", model.solver || "not recorded");
  const every = model.print_every || 1;
  const points = model.costs.map((c, k) => [k * every, c]).filter(([, c]) => c !== null);
  SN.chart(document.getElementById("costs"), [{ label: "cost", colour: SN.COLOURS[0], points }],
           { xMax: model.n_iter || null });
  document.body.dataset.state = "drawn";
});
