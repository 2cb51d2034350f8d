// Watch it learn: POST /api/train starts a job, GET /api/train/events streams it (server-sent events).
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const chartSvg = document.getElementById("chart");
  const runsBox = document.getElementById("runs");
  let runs = [], iterations = 0, stream = null, pending = false;

  function status(text) {
    SN.show("status", text);
  }

  function running(yes) {
    startButton.disabled = yes;
    stopButton.disabled = !yes;
    document.body.dataset.state = yes ? "running" : document.body.dataset.state;
  }

  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      SN.chart(chartSvg, runs.map((r, k) => ({ label: `learning rate ${r.rate}`, colour: SN.COLOURS[k % 8],
                                               points: r.points })), { xMax: iterations });
      for (const r of runs) {
        const last = r.points[r.points.length - 1];
        if (last) r.cost.textContent = `cost ${last[1].toFixed(6)} at iteration ${last[0]}`;
      }
    });
  }

  function card(k, rate) {
    const box = document.createElement("div");
    box.className = "run";
    box.dataset.run = k;
    box.style.color = SN.COLOURS[k % 8];
    const title = document.createElement("strong");
    title.textContent = `learning rate ${rate}`;
    const canvas = document.createElement("canvas");
    canvas.className = "pixels small";
    const cost = document.createElement("div");
    cost.className = "numbers";
    const result = document.createElement("div");
    result.className = "numbers";
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Serve this model";
    keep.hidden = true;
    keep.addEventListener("click", () => keepRun(k));
    box.append(title, document.createElement("br"), canvas, cost, result, keep);
    runsBox.appendChild(box);
    return { rate, points: [], canvas, cost, result, keep, box };
  }

  async function keepRun(k) {
    try {
      const answer = await SN.api("/api/train/keep", { method: "POST", headers: { "content-type": "application/json" },
                                                       body: JSON.stringify({ run: k }) });
      status(`Served from now on: ${answer.source}.`);
      document.body.dataset.kept = String(k);
    } catch (e) {
      SN.showError(e.message);
    }
  }

  function attach() {
    if (stream) stream.close();
    stream = new EventSource("/api/train/events");
    const on = (kind, handle) => stream.addEventListener(kind, (event) => handle(JSON.parse(event.data)));
    on("start", (e) => {
      runsBox.replaceChildren();
      runs = e.rates.map((rate, k) => card(k, rate));
      iterations = e.iterations;
      SN.show("data", `${e.m_train} training images (${e.classes.join(" / ")})`);
      running(true);
      redraw();
    });
    on("run", (e) => status(`Learning rate ${e.rate}: training…`));
    on("record", (e) => {
      runs[e.run].points.push([e.i, e.cost]);
      redraw();
    });
    on("weights", (e) => {
      SN.drawStretched(runs[e.run].canvas, SN.floats(e.w), e.w.shape);
      runs[e.run].box.dataset.weightsAt = String(e.i);
    });
    on("run-end", (e) => {
      const r = runs[e.run];
      r.result.textContent = `train ${SN.percent(e.train_accuracy)}, test ${SN.percent(e.test_accuracy)}` +
                             (e.stopped === "requested" ? ` (stopped after ${e.n_iter} iterations)` : "");
      if (e.warning) r.result.title = e.warning;
      r.keep.hidden = false;
      r.keep.disabled = true;
      r.box.dataset.done = "true";
    });
    on("run-error", (e) => {
      runs[e.run].result.textContent = e.message;
      runs[e.run].result.classList.add("warn");
    });
    on("end", (e) => {
      stream.close();
      stream = null;
      for (const r of runs) r.keep.disabled = false;
      document.body.dataset.state = e.stopped ? "stopped" : "done";
      running(false);
      status(e.stopped ? `Stopped: ${e.stopped}.` : "Done. Keep a run's model with its button.");
    });
    stream.onerror = () => {
      if (stream && stream.readyState === EventSource.CLOSED) {
        status("Lost the connection to the server.");
        running(false);
      }
    };
  }

  document.getElementById("settings").addEventListener("submit", async (event) => {
    event.preventDefault();
    SN.showError("");
    const rates = document.getElementById("rates").value.split(/[\s,;]+/).filter((t) => t).map(Number);
    const body = { rates, iterations: Number(document.getElementById("iterations").value),
                   print_every: Number(document.getElementById("print-every").value) };
    try {
      await SN.api("/api/train", { method: "POST", headers: { "content-type": "application/json" },
                                   body: JSON.stringify(body) });
      status("Starting…");
      attach();
    } catch (e) {
      SN.showError(e.message);
    }
  });

  stopButton.addEventListener("click", async () => {
    try {
      await SN.api("/api/train/stop", { method: "POST" });
      status("Stopping…");
    } catch (e) {
      SN.showError(e.message);
    }
  });

  redraw();
  try {
    const job = await SN.api("/api/train");
    if (job.running) attach();           // a job started by this page before a reload
  } catch (e) {
    // no job yet: nothing to show
  }
});
