// Is it a cat? An image goes to POST /api/view; the page shows what comes back.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const drop = document.getElementById("drop");
  const file = document.getElementById("file");
  let classes = ["class 0", "class 1"];

  try {
    const model = await SN.api("/api/model");
    classes = model.classes;
    SN.show("input-shape", model.input_shape.join(" x "));
    SN.show("class-1", classes[1]);
  } catch (e) {
    SN.showError(e.message);
  }

  async function classify(chosen) {
    if (!chosen) return;
    SN.showError("");
    const form = new FormData();
    form.append("image", chosen, chosen.name);
    document.body.dataset.state = "classifying";
    try {
      const seen = await SN.api("/api/view", { method: "POST", body: form });
      SN.show("class-name", seen.class);
      SN.show("label", `label ${seen.label}`);
      SN.show("class-1-again", seen.classes[1]);
      SN.show("class-1-map", seen.classes[1]);
      SN.show("class-0-map", seen.classes[0]);
      SN.show("probability-short", seen.probability.toFixed(4));
      SN.show("probability", String(seen.probability));
      SN.show("z", seen.z.toFixed(4));
      document.getElementById("bar").style.width = `${(100 * seen.probability).toFixed(1)}%`;
      SN.drawPixels(document.getElementById("seen"), SN.bytes(seen.pixels.uint8), seen.pixels.shape);
      SN.show("seen-caption", `The photo resized to ${seen.pixels.shape[0]} x ${seen.pixels.shape[1]}, as the model gets it`);
      if (seen.contribution_map) {
        const largest = SN.drawMap(document.getElementById("contributions"), SN.floats(seen.contribution_map),
                                   seen.contribution_map.shape);
        SN.showExact("largest", SN.format(largest, 3), largest);
        SN.colourScale(document.getElementById("contributions-scale"), largest, `towards ${seen.classes[0]}`,
                       `towards ${seen.classes[1]}`);
      }
      const photo = document.getElementById("photo");
      if (photo.src) URL.revokeObjectURL(photo.src);
      photo.src = URL.createObjectURL(chosen);
      document.getElementById("result").hidden = false;
      document.body.dataset.state = "classified";
    } catch (e) {
      document.getElementById("result").hidden = true;
      SN.showError(e.message);
      document.body.dataset.state = "failed";
    }
  }

  file.addEventListener("change", () => classify(file.files[0]));
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    classify(event.dataTransfer.files[0]);
  });
});
