// sagitta review: the page's script. It shows what the server computed and
// sends the clinician's edit back whole; no measurement, decision or
// routine is worked out here (the server re-measures and plans).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
// The edit's camera fields, each a form input of the same name.
const CAMERA = ["camera_roll_deg", "camera_pitch_deg", "focal_length_35mm_mm"];
const $ = (id) => document.getElementById(id);

const state = {
  queue: [],
  index: -1,
  id: null,
  edit: null,
  undo: [],
  redo: [],
  view: null,
  savedYes: [],
  mode: null, // "asis" | "psis" while placing
  zoom: 1,
  pan: { x: 0, y: 0 },
  pending: null,
  busy: false,
};

function message(text, isError) {
  const line = $("message");
  line.textContent = text;
  line.className = isError ? "error" : "";
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

async function loadQueue() {
  state.queue = await api("GET", "/api/queue");
  const list = $("queue");
  list.replaceChildren();
  const compare = $("compare-with");
  compare.replaceChildren();
  state.queue.forEach((item, i) => {
    const entry = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = item.label;
    button.dataset.id = item.id;
    if (item.saved) button.classList.add("saved");
    if (i === state.index) button.classList.add("current");
    button.addEventListener("click", () => openAt(i));
    entry.append(button);
    if (item.saved) {
      const mark = document.createElement("span");
      mark.className = "saved-mark";
      mark.textContent = " ✓ saved";
      entry.append(mark);
      const option = document.createElement("option");
      option.value = item.id;
      option.textContent = item.label;
      compare.append(option);
    }
    list.append(entry);
  });
}

async function openAt(index) {
  if (index < 0 || index >= state.queue.length) return;
  state.index = index;
  const item = state.queue[index];
  $("position").textContent = `${index + 1} / ${state.queue.length}: ${item.label}`;
  message("Opening " + item.label + " …");
  document.body.classList.add("loading");
  try {
    const data = await api("GET", "/api/photo/" + encodeURIComponent(item.id));
    state.id = item.id;
    state.edit = data.edit;
    state.undo = [];
    state.redo = [];
    state.savedYes = data.view.saved_yes;
    cameraPlaceholders(data.edit);
    buildScreening(data.questions);
    const photo = $("photo");
    photo.src = "/photo/" + encodeURIComponent(item.id) + ".jpg";
    await photo.decode().catch(() => {});
    fitZoom(data.view);
    show(data.view);
    fillRecord();
    if (!document.body.dataset.firstDrawnMs) {
      // After the next paint: when the first photo, overlay and table were
      // drawn, in ms since the navigation began (benches/review.rs reads it).
      requestAnimationFrame(() => setTimeout(() => {
        document.body.dataset.firstDrawnMs = String(Math.round(performance.now()));
      }, 0));
    }
    message(data.from_saved ? "Saved analysis: shown as it was saved." : "Analysed: drag a point or place the landmarks.");
  } catch (error) {
    message(item.label + ": " + error.message, true);
  } finally {
    document.body.classList.remove("loading");
  }
  for (const b of $("queue").querySelectorAll("button")) {
    b.classList.toggle("current", b.dataset.id === item.id);
  }
}

function show(view) {
  state.view = view;
  const canvas = $("canvas");
  canvas.style.width = view.width + "px";
  canvas.style.height = view.height + "px";
  $("overlay").innerHTML = view.svg; // built and escaped by the server
  $("panel").innerHTML = view.panel; // built and escaped by the server
  drawHandles();
  document.body.dataset.state = "ready";
}

function drawHandles() {
  const view = state.view;
  const svg = $("handles");
  svg.setAttribute("viewBox", `0 0 ${view.width} ${view.height}`);
  svg.replaceChildren();
  const size = Math.max(view.width, view.height) / 120;
  for (const k of view.keypoints) {
    const moved = state.edit.moves.find((m) => m.keypoint === k.name);
    const circle = document.createElementNS(SVG, "circle");
    circle.setAttribute("cx", moved ? moved.x : k.x);
    circle.setAttribute("cy", moved ? moved.y : k.y);
    circle.setAttribute("r", (k.near ? 1 : 0.7) * size / state.zoom);
    circle.classList.add("handle");
    if (k.low) circle.classList.add("low");
    if (k.moved || moved) circle.classList.add("moved");
    if (!k.near) circle.classList.add("far");
    circle.dataset.keypoint = k.name;
    const title = document.createElementNS(SVG, "title");
    title.textContent = k.name.replace(/_/g, " ") + (k.low ? " (low visibility)" : "");
    circle.append(title);
    circle.addEventListener("pointerdown", (e) => startDrag(e, circle, (x, y) => {
      const moves = state.edit.moves.filter((m) => m.keypoint !== k.name);
      moves.push({ keypoint: k.name, x, y });
      return { ...state.edit, moves };
    }));
    svg.append(circle);
  }
  for (const which of ["asis", "psis"]) {
    const point = state.edit[which];
    if (!point) continue;
    const mark = document.createElementNS(SVG, "g");
    mark.classList.add("landmark", which);
    mark.dataset.landmark = which;
    const r = size * 1.3 / state.zoom;
    const ring = document.createElementNS(SVG, "circle");
    ring.setAttribute("cx", point[0]);
    ring.setAttribute("cy", point[1]);
    ring.setAttribute("r", r);
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", point[0] + r * 1.3);
    label.setAttribute("y", point[1] - r * 1.3);
    label.setAttribute("font-size", r * 2);
    label.textContent = which.toUpperCase();
    mark.append(ring, label);
    mark.addEventListener("pointerdown", (e) => startDrag(e, ring, (x, y) => ({ ...state.edit, [which]: [x, y] })));
    svg.append(mark);
  }
}

// Photo pixels of a pointer event, through every zoom and pan.
function toPhoto(event) {
  const svg = $("handles");
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  const p = point.matrixTransform(svg.getScreenCTM().inverse());
  return [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10];
}

function startDrag(event, shape, editAt) {
  if (state.mode) return; // placing a landmark: the click goes to the photo
  event.preventDefault();
  event.stopPropagation();
  shape.setPointerCapture(event.pointerId);
  const move = (e) => {
    const [x, y] = toPhoto(e);
    shape.setAttribute("cx", x);
    shape.setAttribute("cy", y);
  };
  const up = (e) => {
    shape.removeEventListener("pointermove", move);
    shape.removeEventListener("pointerup", up);
    const [x, y] = toPhoto(e);
    change(editAt(x, y));
  };
  shape.addEventListener("pointermove", move);
  shape.addEventListener("pointerup", up);
}

// A new edit: kept for undo, sent whole, the answer shown.
function change(edit) {
  state.undo.push(state.edit);
  state.redo = [];
  state.edit = edit;
  refresh();
}

async function refresh() {
  // One request at a time; the latest edit wins.
  state.pending = state.edit;
  if (state.busy) return;
  state.busy = true;
  document.body.dataset.state = "busy";
  try {
    while (state.pending) {
      const edit = state.pending;
      state.pending = null;
      try {
        const data = await api("POST", `/api/photo/${encodeURIComponent(state.id)}/view`, edit);
        if (!state.pending) {
          show(data.view);
          message("Updated.");
        }
      } catch (error) {
        message(error.message, true);
        drawHandles();
      }
    }
  } finally {
    state.busy = false;
    document.body.dataset.state = "ready";
  }
}

function undo() {
  if (!state.undo.length) return;
  state.redo.push(state.edit);
  state.edit = state.undo.pop();
  fillRecord();
  refresh();
}

function redo() {
  if (!state.redo.length) return;
  state.undo.push(state.edit);
  state.edit = state.redo.pop();
  fillRecord();
  refresh();
}

async function save() {
  if (!state.id) return;
  message("Saving …");
  try {
    const data = await api("POST", `/api/photo/${encodeURIComponent(state.id)}/save`, state.edit);
    show(data.view);
    message("Saved: " + data.files.join(", "));
    document.body.dataset.saved = state.id;
    // What is saved now is what a reopening shows; yes answers are recorded.
    state.savedYes = data.view.saved_yes;
    state.edit = { ...state.edit, moves: [], reset: false, cleared: [] };
    state.undo = [];
    state.redo = [];
    await loadQueue();
  } catch (error) {
    message("Not saved: " + error.message, true);
  }
}

function buildScreening(questions) {
  const table = $("screening");
  table.replaceChildren();
  for (const [flag, question] of questions) {
    const row = table.insertRow();
    const ask = row.insertCell();
    ask.textContent = question;
    const answers = row.insertCell();
    for (const answer of ["yes", "no", "not_asked"]) {
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "flag-" + flag;
      radio.value = answer;
      radio.dataset.flag = flag;
      radio.addEventListener("change", () => answerFlag(flag, answer));
      label.append(radio, " " + answer.replace("_", " "));
      answers.append(label);
    }
  }
}

function answerFlag(flag, answer) {
  const cleared = state.edit.cleared.filter((f) => f !== flag);
  if (state.savedYes.includes(flag) && answer !== "yes") {
    // A recorded yes is changed only on purpose, and the document says so.
    if (!window.confirm(`"${flag.replace(/_/g, " ")}" was recorded as yes. Change this recorded answer?`)) {
      fillRecord();
      return;
    }
    cleared.push(flag);
  }
  change({ ...state.edit, screening: { ...state.edit.screening, [flag]: answer }, cleared });
}

// What an emptied camera field stands for: the opened analysis's own value
// (the lens: its own or the photo's EXIF one), or else level and 26 mm.
function cameraPlaceholders(opened) {
  const form = $("record");
  for (const name of CAMERA) {
    const value = opened[name];
    const otherwise = name === "focal_length_35mm_mm" ? "26 (a phone's, assumed)" : "level";
    form.elements[name].placeholder = value === null || value === undefined ? otherwise : `as measured: ${value}`;
  }
}

function fillRecord() {
  const form = $("record");
  const record = state.edit.record;
  for (const name of ["client", "date", "clinician", "side", "note"]) {
    form.elements[name].value = record[name] || "";
  }
  form.elements.protocol.value = state.edit.protocol || "";
  for (const name of CAMERA) {
    const value = state.edit[name];
    form.elements[name].value = value === null || value === undefined ? "" : String(value);
  }
  for (const radio of form.querySelectorAll("input[type=radio]")) {
    radio.checked = (state.edit.screening[radio.dataset.flag] || "not_asked") === radio.value;
  }
}

function recordChanged(event) {
  const form = $("record");
  const target = event.target;
  if (target.type === "radio") return;
  if (target.name === "protocol") {
    change({ ...state.edit, protocol: target.value || null });
    return;
  }
  if (CAMERA.includes(target.name)) {
    // Text the browser cannot read as a number also has an empty value:
    // said so, not sent as "as measured".
    if (target.validity.badInput) {
      message(`${target.closest("label").firstChild.textContent.trim()}: not a number`, true);
      return;
    }
    const text = target.value.trim();
    change({ ...state.edit, [target.name]: text === "" ? null : Number(text) });
    return;
  }
  const record = { ...state.edit.record, [target.name]: form.elements[target.name].value };
  change({ ...state.edit, record });
}

function setMode(mode) {
  state.mode = state.mode === mode ? null : mode;
  $("place-asis").classList.toggle("active", state.mode === "asis");
  $("place-psis").classList.toggle("active", state.mode === "psis");
  $("stage").classList.toggle("placing", !!state.mode);
}

// Zoom and pan: a CSS transform on the canvas; handles stay the same size.
function applyTransform() {
  $("canvas").style.transform = `translate(${state.pan.x}px, ${state.pan.y}px) scale(${state.zoom})`;
  if (state.view) drawHandles();
}

function fitZoom(view) {
  const stage = $("stage");
  state.zoom = Math.min(stage.clientWidth / view.width, stage.clientHeight / view.height, 4);
  state.pan = { x: (stage.clientWidth - view.width * state.zoom) / 2, y: (stage.clientHeight - view.height * state.zoom) / 2 };
  applyTransform();
}

function zoomAt(factor, clientX, clientY) {
  const stage = $("stage").getBoundingClientRect();
  const x = clientX - stage.left;
  const y = clientY - stage.top;
  const zoom = Math.min(Math.max(state.zoom * factor, 0.05), 40);
  state.pan.x = x - (x - state.pan.x) * (zoom / state.zoom);
  state.pan.y = y - (y - state.pan.y) * (zoom / state.zoom);
  state.zoom = zoom;
  applyTransform();
}

function zoomCentre(factor) {
  const r = $("stage").getBoundingClientRect();
  zoomAt(factor, r.left + r.width / 2, r.top + r.height / 2);
}

function stagePointerDown(event) {
  if (!state.view || event.button !== 0) return;
  if (state.mode) {
    const which = state.mode;
    setMode(null);
    change({ ...state.edit, [which]: toPhoto(event) });
    return;
  }
  // Pan.
  const stage = $("stage");
  stage.setPointerCapture(event.pointerId);
  const start = { x: event.clientX - state.pan.x, y: event.clientY - state.pan.y };
  const move = (e) => {
    state.pan = { x: e.clientX - start.x, y: e.clientY - start.y };
    $("canvas").style.transform = `translate(${state.pan.x}px, ${state.pan.y}px) scale(${state.zoom})`;
  };
  const up = () => {
    stage.removeEventListener("pointermove", move);
    stage.removeEventListener("pointerup", up);
  };
  stage.addEventListener("pointermove", move);
  stage.addEventListener("pointerup", up);
}

function keydown(event) {
  const inField = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  const ctrl = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (ctrl && key === "s") {
    event.preventDefault();
    save();
  } else if (inField) {
    return;
  } else if (ctrl && key === "z" && !event.shiftKey) {
    event.preventDefault();
    undo();
  } else if (ctrl && (key === "y" || (key === "z" && event.shiftKey))) {
    event.preventDefault();
    redo();
  } else if (event.key === "ArrowRight") {
    openAt(state.index + 1);
  } else if (event.key === "ArrowLeft") {
    openAt(state.index - 1);
  } else if (key === "a") {
    setMode("asis");
  } else if (key === "p") {
    setMode("psis");
  } else if (key === "+" || key === "=") {
    zoomCentre(1.25);
  } else if (key === "-") {
    zoomCentre(0.8);
  } else if (key === "0") {
    if (state.view) fitZoom(state.view);
  } else if (key === "escape") {
    setMode(null);
  }
}

function init() {
  $("prev").addEventListener("click", () => openAt(state.index - 1));
  $("next").addEventListener("click", () => openAt(state.index + 1));
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("reset").addEventListener("click", () => change({ ...state.edit, moves: [], reset: true }));
  $("place-asis").addEventListener("click", () => setMode("asis"));
  $("place-psis").addEventListener("click", () => setMode("psis"));
  $("remove-landmarks").addEventListener("click", () => change({ ...state.edit, asis: null, psis: null }));
  $("zoom-in").addEventListener("click", () => zoomCentre(1.25));
  $("zoom-out").addEventListener("click", () => zoomCentre(0.8));
  $("zoom-fit").addEventListener("click", () => state.view && fitZoom(state.view));
  $("save").addEventListener("click", save);
  $("compare").addEventListener("click", () => {
    const other = $("compare-with").value;
    if (!other || other === state.id) {
      message("Choose another saved photo to compare with (save this one first).", true);
      return;
    }
    window.open(`/compare/${encodeURIComponent(state.id)}/${encodeURIComponent(other)}`, "_blank", "noopener");
  });
  $("record").addEventListener("change", recordChanged);
  $("record").addEventListener("submit", (e) => e.preventDefault());
  $("stage").addEventListener("pointerdown", stagePointerDown);
  $("stage").addEventListener("wheel", (e) => {
    e.preventDefault();
    zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX, e.clientY);
  }, { passive: false });
  document.addEventListener("keydown", keydown);
  loadQueue()
    .then(() => openAt(0))
    .catch((error) => message(error.message, true));
}

init();
