// PersonaVlog studio: plain JavaScript over the REST API; no build step.
"use strict";

const STAGES = ["persona", "story", "storyboard", "visual", "monologue", "music_brief", "voice", "clip", "music", "compose"];
const LABELS = { music_brief: "music brief" };
const $ = (id) => document.getElementById(id);

let current = null; // id of the job on screen
let stream = null; // its EventSource
let lastEventId = 0;
let refreshTimer = null;
let renderedBoard = ""; // what the storyboard on screen shows, to rebuild it only when it changed

// ---- small helpers ------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

function setError(node, message) {
  node.textContent = message || "";
  show(node, Boolean(message));
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401 && askToken()) return api(path, options);
  let body = null;
  if (response.status !== 204) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const error = new Error((body && body.detail) || `request failed (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return body;
}

// A server reachable from other machines asks for its token; a cookie carries it to videos and event streams.
function askToken() {
  const token = window.prompt("This studio needs its API token (PERSONAVLOG_TOKEN):");
  if (!token) return false;
  document.cookie = `personavlog_token=${encodeURIComponent(token.trim())}; path=/; SameSite=Strict`;
  return true;
}

// ---- the form -----------------------------------------------------------------------------------

function setupForm() {
  const form = $("job-form");
  const input = $("reference");
  const drop = $("drop");
  const preview = $("preview");

  const showPreview = () => {
    const file = input.files && input.files[0];
    if (!file) {
      show(preview, false);
      show($("drop-hint"), true);
      return;
    }
    preview.src = URL.createObjectURL(file);
    preview.alt = "reference photo preview";
    show(preview, true);
    show($("drop-hint"), false);
  };
  input.addEventListener("change", showPreview);
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showPreview();
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setError($("form-error"), "");
    if (!$("theme").value.trim()) return setError($("form-error"), "Write a theme for your vlog.");
    if (!input.files || !input.files[0]) return setError($("form-error"), "Choose a photo of the protagonist.");
    const data = new FormData(form);
    if (!$("persona").value.trim()) data.delete("persona");
    $("submit").disabled = true;
    try {
      const job = await api("/api/jobs", { method: "POST", body: data });
      location.hash = `job=${job.id}`;
      await loadJobs();
    } catch (error) {
      setError($("form-error"), error.message);
    } finally {
      $("submit").disabled = false;
    }
  });
}

// ---- the job list -------------------------------------------------------------------------------

async function loadJobs() {
  let body;
  try {
    body = await api("/api/jobs");
  } catch {
    return;
  }
  const list = $("jobs");
  list.replaceChildren(
    ...body.jobs.map((job) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: `#job=${job.id}` },
          el("span", {}, job.title || job.request.theme || job.id),
          el("span", { class: "badge", "data-status": job.status }, job.status),
        ),
      ),
    ),
  );
  if (!body.jobs.length) list.append(el("li", { class: "muted small" }, "Nothing yet."));
}

// ---- one job ------------------------------------------------------------------------------------

function openFromHash() {
  const match = location.hash.match(/job=([0-9a-f]+)/);
  const id = match ? match[1] : null;
  if (id === current) return;
  closeStream();
  current = id;
  lastEventId = 0;
  show($("job"), Boolean(id));
  $("storyboard").replaceChildren();
  renderedBoard = "";
  if (id) {
    refresh();
    follow();
  }
}

function closeStream() {
  if (stream) stream.close();
  stream = null;
}

function follow() {
  closeStream();
  const id = current;
  stream = new EventSource(`/api/jobs/${id}/events?after=${lastEventId}`);
  stream.onmessage = (message) => {
    lastEventId = Number(message.lastEventId) || lastEventId;
    try {
      showEvent(JSON.parse(message.data));
    } catch {
      /* a keep-alive or a partial line */
    }
    scheduleRefresh();
  };
  stream.addEventListener("status", (message) => {
    lastEventId = Number(message.lastEventId) || lastEventId;
    closeStream();
    refresh();
    loadJobs();
  });
}

function showEvent(event) {
  const where = [event.stage && (LABELS[event.stage] || event.stage).replaceAll("_", " "), event.shot && `shot ${event.shot}`]
    .filter(Boolean)
    .join(" · ");
  const what = event.kind.replaceAll("_", " ");
  $("last-event").textContent = [what, where, event.message].filter(Boolean).join(" — ");
}

function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, 700);
}

async function refresh() {
  const id = current;
  if (!id) return;
  let job;
  try {
    job = await api(`/api/jobs/${id}`);
  } catch (error) {
    if (id !== current) return;
    setError($("job-error"), error.status === 404 ? "This vlog no longer exists." : error.message);
    return;
  }
  if (id !== current) return;
  renderJob(job);
}

function renderJob(job) {
  $("job-title").textContent = job.title || "Your vlog";
  $("job-theme").textContent = [job.request.theme, job.request.style, job.request.duration_s && `${job.request.duration_s} s`]
    .filter(Boolean)
    .join(" · ");
  const status = $("job-status");
  let label = job.status;
  if (job.status === "queued" && job.queue_position) label = `queued (#${job.queue_position})`;
  if (job.action === "redo" && (job.status === "queued" || job.status === "running")) label += ` · redo shot ${job.redo_shot}`;
  status.textContent = label;
  status.dataset.status = job.status;
  setError($("job-error"), job.status === "failed" || job.status === "cancelled" ? job.error : "");
  const active = job.status === "queued" || job.status === "running";
  show($("cancel"), active);
  if (active && !stream) follow();
  renderProgress(job);
  renderResult(job);
  renderStoryboard(job);
}

function renderProgress(job) {
  const stages = job.progress.stages || {};
  const names = [...STAGES, ...Object.keys(stages).filter((name) => !STAGES.includes(name))];
  $("stages").replaceChildren(
    ...names.map((name) => {
      const state = stages[name] ? stages[name].state : "waiting";
      return el("li", { class: state, title: state, "data-stage": name }, (LABELS[name] || name).replaceAll("_", " "));
    }),
  );
  const finished = names.filter((name) => stages[name] && stages[name].state !== "running").length;
  const fraction = job.status === "done" ? 1 : finished / names.length;
  $("bar-fill").style.width = `${Math.round(fraction * 100)}%`;

  const shots = job.progress.shots || {};
  $("shot-progress").replaceChildren(
    ...Object.keys(shots)
      .sort((a, b) => Number(a) - Number(b))
      .map((shot) => {
        const parts = Object.entries(shots[shot]);
        const running = parts.find(([, s]) => s.state === "running");
        const [stage, state] = running || parts[parts.length - 1];
        const share = state.state !== "running" ? 1 : state.total ? state.done / state.total : 0;
        return el(
          "div",
          { "data-shot": shot },
          `Shot ${shot}: ${stage} ${state.state === "running" ? "…" : "✓"}`,
          el("div", { class: "mini" }, el("i", { style: `width:${Math.round(share * 100)}%` })),
        );
      }),
  );
}

function renderResult(job) {
  const links = job.links || {};
  const has = Boolean(links.video) && job.status !== "running";
  show($("result"), Boolean(links.video));
  if (!links.video) return;
  const version = job.finished || job.started || "";
  const src = `${links.video}?v=${version}`;
  const player = $("player");
  if (has && player.dataset.src !== src) {
    player.dataset.src = src;
    player.src = src;
  }
  $("dl-video").href = links.video;
  $("dl-video").setAttribute("download", `vlog-${job.id}.mp4`);
  show($("dl-srt"), Boolean(links.subtitles));
  if (links.subtitles) {
    $("dl-srt").href = links.subtitles;
    $("dl-srt").setAttribute("download", `vlog-${job.id}.srt`);
  }
  show($("dl-zip"), Boolean(links.project) && job.status !== "running");
  if (links.project) $("dl-zip").href = links.project;
}

function critiqueList(critiques) {
  // The latest round of each check is what counts; earlier rounds are the trace of a rollback.
  const latest = new Map();
  for (const c of critiques) latest.set(c.target, c);
  return el(
    "ul",
    { class: "critiques" },
    ...[...latest.values()].map((c) => {
      const name = c.target.replace(/^shot \d+ /, "");
      if (c.measured === false) {
        // The check itself failed: a warning with its reason, neither a pass nor a failure.
        return el(
          "li",
          { class: "warn", "data-measured": "false", title: "not measured" },
          `${name} not measured`,
          c.reason ? el("span", { class: "fb" }, c.reason) : null,
        );
      }
      return el(
        "li",
        { class: c.passed ? "pass" : "fail", "data-passed": String(c.passed) },
        `${name} ${c.score.toFixed(2)} / ${c.threshold.toFixed(2)}`,
        !c.passed && c.feedback ? el("span", { class: "fb" }, c.feedback) : null,
      );
    }),
  );
}

function renderStoryboard(job) {
  const board = job.storyboard || [];
  show($("storyboard-title"), board.length > 0);
  const busy = job.status === "queued" || job.status === "running";
  const version = job.finished || job.started || "";
  const focused = document.activeElement;
  const keepNote = focused && focused.classList.contains("redo-note") ? focused.dataset.shot : null;
  const key = JSON.stringify([board, job.critiques, busy, version, job.status]);
  if (key === renderedBoard) return;
  if (keepNote) {
    // Do not rebuild the card the user is typing in; just refresh the buttons' state.
    for (const button of document.querySelectorAll(".redo-button")) button.disabled = busy;
    return;
  }
  renderedBoard = key;
  $("storyboard").replaceChildren(
    ...board.map((shot) => {
      const note = el("input", {
        class: "redo-note",
        "data-shot": shot.id,
        placeholder: "what to change, e.g. make it night",
        maxlength: 500,
        "aria-label": `note for shot ${shot.id}`,
      });
      const button = el(
        "button",
        { type: "button", class: "redo-button secondary", "data-shot": shot.id, disabled: busy || job.status === "cancelled" },
        "Redo",
      );
      button.addEventListener("click", () => redoShot(job.id, shot.id, note.value, button));
      return el(
        "article",
        { class: "shot", "data-shot": shot.id },
        shot.keyframe
          ? el("img", { src: `${shot.keyframe}?v=${version}`, alt: `keyframe of shot ${shot.id}`, loading: "lazy" })
          : el("img", { alt: "" }),
        el(
          "div",
          { class: "body" },
          el("h4", {}, `Shot ${shot.id} · ${shot.location}`),
          el("p", { class: "meta" }, `${shot.time_of_day.replaceAll("_", " ")}, ${shot.weather} · ${shot.camera.replaceAll("_", " ")} · ${shot.duration_s.toFixed(1)} s`),
          el("p", { class: "meta" }, shot.action),
          shot.monologue ? el("p", { class: "line" }, `“${shot.monologue}”`) : null,
          critiqueList(shot.critiques),
          el("div", { class: "redo" }, note, button),
        ),
      );
    }),
  );
  const whole = job.critiques || [];
  $("vlog-critiques").replaceChildren(...(whole.length ? [el("h3", {}, "Checks on the whole vlog"), critiqueList(whole)] : []));
}

async function redoShot(id, shot, note, button) {
  button.disabled = true;
  setError($("job-error"), "");
  try {
    await api(`/api/jobs/${id}/redo`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shot, note: note.trim() || null }),
    });
    follow();
    await refresh();
  } catch (error) {
    setError($("job-error"), error.message);
    button.disabled = false;
  }
}

function setupJobActions() {
  $("cancel").addEventListener("click", async () => {
    try {
      await api(`/api/jobs/${current}/cancel`, { method: "POST" });
    } catch (error) {
      setError($("job-error"), error.message);
    }
    refresh();
    loadJobs();
  });
  $("delete").addEventListener("click", async () => {
    if (!window.confirm("Delete this vlog and all its files?")) return;
    try {
      await api(`/api/jobs/${current}`, { method: "DELETE" });
    } catch (error) {
      setError($("job-error"), error.message);
      return;
    }
    location.hash = "";
    loadJobs();
  });
}

window.addEventListener("hashchange", openFromHash);
document.addEventListener("DOMContentLoaded", () => {
  setupForm();
  setupJobActions();
  loadJobs();
  openFromHash();
});
