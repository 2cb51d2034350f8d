// Watch it learn: POST /api/train starts a job, GET /api/train/events streams it (server-sent events),
// POST /api/train/pause, play, step and speed control it while it runs.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const $ = (id) => document.getElementById(id);
  const chart = new SN.Chart($("chart"));
  const runsBox = $("runs");
  let runs = [], iterations = 0, stream = null, job = null, served = null;

  function status(text) {
    SN.show("status", text);
  }

  function state(name) {
    document.body.dataset.state = name;
  }

  // The buttons as the job is: running or not, paused or playing.
  function controls() {
    const running = job !== null && job.running;
    $("start").disabled = running;
    $("stop").disabled = !running;
    $("play").textContent = running && !job.paused ? "Pause" : "Play";
    $("play").setAttribute("aria-pressed", String(running && !job.paused));
  }

  function redraw() {
    chart.draw(runs.map((r, k) => ({ label: `learning rate ${r.rate}`, colour: SN.COLOURS[k % 8], points: r.points,
                                     marked: served === k })),
               { xMax: iterations, log: $("axis").value === "log" });
  }

  function card(k, rate) {
    const box = document.createElement("div");
    box.className = "run";
    box.dataset.run = k;
    box.style.color = SN.COLOURS[k % 8];
    const title = document.createElement("strong");
    title.textContent = `learning rate ${rate}`;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "served";
    badge.hidden = true;
    const canvas = document.createElement("canvas");
    canvas.className = "pixels small";
    const caption = document.createElement("div");
    caption.className = "caption";
    caption.textContent = "w: not computed yet";
    const scale = document.createElement("div");
    const cost = document.createElement("div");
    cost.className = "numbers";
    const result = document.createElement("div");
    result.className = "numbers";
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Serve this model";
    keep.hidden = true;
    keep.addEventListener("click", () => keepRun(k));
    box.append(title, badge, canvas, caption, scale, cost, result, keep);
    runsBox.appendChild(box);
    return { rate, points: [], canvas, caption, scale, cost, result, keep, box, badge };
  }

  function markServed(k) {
    served = k;
    document.body.dataset.kept = String(k);
    runs.forEach((r, j) => {
      r.box.dataset.served = String(j === k);
      r.badge.hidden = j !== k;
    });
    redraw();
  }

  async function keepRun(k) {
    try {
      const answer = await SN.post("/api/train/keep", { run: k });
      status(`Served from now on: ${answer.source}.`);
      markServed(k);
    } catch (e) {
      SN.showError(e.message);
    }
  }

  function settings(paused) {
    const rates = $("rates").value.split(/[\s,;]+/).filter((t) => t).map((t) => (t === "auto" ? t : Number(t)));
    const speed = $("speed").value;
    return { rates, iterations: Number($("iterations").value), print_every: Number($("print-every").value),
             paused, speed: speed === "" ? null : Number(speed) };
  }

  async function start(paused = false) {
    SN.showError("");
    if (stream) {                       // the last job's events, if they are still coming, are not this one's
      stream.close();
      stream = null;
    }
    state("starting");
    await SN.post("/api/train", settings(paused));
    status("Starting…");
    attach();
  }

  function attach() {
    if (stream) stream.close();
    stream = new EventSource("/api/train/events");
    const on = (kind, handle) => stream.addEventListener(kind, (event) => handle(JSON.parse(event.data)));
    on("start", (e) => {
      runsBox.replaceChildren();
      served = null;
      delete document.body.dataset.kept;
      delete document.body.dataset.heldAt;
      runs = e.rates.map((rate, k) => card(k, rate));
      iterations = e.iterations;
      job = { id: e.job, running: true, paused: e.paused, speed: e.speed };
      $("speed").value = e.speed === null ? "" : String(e.speed);
      SN.show("data", `${e.m_train} training images (${e.classes.join(" / ")})`);
      state(e.paused ? "paused" : "running");
      controls();
      redraw();
    });
    on("run", (e) => status(`Learning rate ${e.rate}: training…`));
    on("costs", (e) => {
      const r = runs[e.run];
      for (let k = 0; k < e.i.length; k++) r.points.push([e.i[k], e.cost[k]]);
      const [i, cost] = r.points[r.points.length - 1];
      SN.showExact(r.cost, `cost ${SN.costText(cost)} at iteration ${i}`, cost);
      redraw();
    });
    on("weights", (e) => {
      const r = runs[e.run];
      const largest = SN.drawMap(r.canvas, SN.floats(e.map), e.map.shape);
      r.caption.textContent = largest ? `w at iteration ${e.i}, mean of the colours` : `w at iteration ${e.i}: all 0`;
      SN.colourScale(r.scale, largest, "", "");
      r.box.dataset.weightsAt = String(e.i);
    });
    on("held", (e) => {
      document.body.dataset.heldAt = `${e.run}:${e.next}`;
      status(`Paused before iteration ${e.next} (learning rate ${runs[e.run].rate}). Step, or play.`);
      state("paused");
    });
    on("control", (e) => {
      job = { ...job, paused: e.paused, speed: e.speed };
      $("speed").value = e.speed === null ? "" : String(e.speed);
      if (!e.paused) {
        delete document.body.dataset.heldAt;
        state("running");
        status("Playing…");
      }
      controls();
    });
    on("run-end", (e) => {
      const r = runs[e.run];
      SN.showExact(r.cost, `final cost ${SN.costText(e.final_cost)} after ${e.n_iter} iterations`, e.final_cost);
      r.cost.classList.add("final");
      r.result.textContent = `train ${SN.percent(e.train_accuracy)}, test ${SN.percent(e.test_accuracy)}` +
                             (e.stopped === "requested" ? ` (stopped after ${e.n_iter} iterations)` : "") +
                             (e.learning_rate_used ? `; auto's step 1/L = ${SN.format(e.learning_rate_used)}` : "");
      if (e.warning) r.result.title = e.warning;
      r.keep.hidden = false;
      r.keep.disabled = true;
      r.box.dataset.done = "true";
      redraw();
    });
    on("run-error", (e) => {
      runs[e.run].result.textContent = e.message;
      runs[e.run].result.classList.add("warn");
    });
    on("end", async (e) => {
      stream.close();
      stream = null;
      job = { ...job, running: false };
      for (const r of runs) r.keep.disabled = false;
      state(e.stopped ? "stopped" : "done");
      controls();
      status(e.stopped ? `Stopped: ${e.stopped}.` : "Done. Keep a run's model with its button.");
      try {
        const now = await SN.api("/api/train");
        if (now.job === e.job && now.served_run !== null) markServed(now.served_run);
      } catch (error) {
        // the mark is a convenience: the runs are drawn
      }
    });
    stream.onerror = () => {
      if (stream && stream.readyState === EventSource.CLOSED) {
        status("Lost the connection to the server.");
        job = job && { ...job, running: false };
        controls();
      }
    };
  }

  async function act(what) {
    try {
      await what();
    } catch (e) {
      SN.showError(e.message);
    }
  }

  $("settings").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => start(false));
  });
  $("play").addEventListener("click", () => act(async () => {
    if (!(job && job.running)) return start(false);
    await SN.post(job.paused ? "/api/train/play" : "/api/train/pause");
  }));
  for (const n of [1, 10, 100]) {
    $(`step-${n}`).addEventListener("click", () => act(async () => {
      if (!(job && job.running)) await start(true);
      await SN.post("/api/train/step", { iterations: n });
    }));
  }
  $("speed").addEventListener("change", () => act(async () => {
    if (job && job.running) await SN.post("/api/train/speed", { speed: $("speed").value === "" ? null : Number($("speed").value) });
  }));
  $("axis").addEventListener("change", redraw);
  // "Stopping…" before the request: the run's end may arrive before the answer, and its word stays.
  $("stop").addEventListener("click", () => act(async () => {
    status("Stopping…");
    await SN.post("/api/train/stop");
  }));

  controls();
  redraw();
  try {
    const last = await SN.api("/api/train");
    if (last.job !== null) {            // the last job, running or not: its runs drawn again
      $("rates").value = last.rates.join(" ");
      $("iterations").value = String(last.iterations);
      $("print-every").value = String(last.print_every);
      attach();
    }
  } catch (e) {
    // no job yet: nothing to show
  }
});
