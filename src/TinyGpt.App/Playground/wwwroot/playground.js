// The playground page: sends the form to /api/generate, streams the server-sent events into Output,
// then draws the attention of the text with /api/attention. Plain script, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("generate-form");
const output = $("output");
const errorBox = $("error");
const statusLine = $("status");
const image = $("attention");
const caption = $("attention-caption");
const fields = { prompt: $("prompt"), temperature: $("temperature"), topK: $("top-k"), tokens: $("length"), seed: $("seed") };
let model = null;
let lastText = null;
let imageUrl = null;
let drawing = 0;   // the latest heat-map request; an answer to an earlier one is dropped, not drawn over it

function showError(message, field) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  if (field && fields[field]) {
    fields[field].setAttribute("aria-invalid", "true");
    fields[field].focus();
  }
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = "";
  for (const input of Object.values(fields)) input.removeAttribute("aria-invalid");
}

// Numbers go to the server as typed; it checks them and names the field that is wrong.
function number(input) {
  const raw = input.value.trim();
  if (raw === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : raw;
}

function request() {
  const body = { prompt: fields.prompt.value };
  for (const name of ["temperature", "tokens", "seed"]) {
    const value = number(fields[name]);
    if (value !== null) body[name] = value;
  }
  body.topK = number(fields.topK);
  return body;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return { message: body.error ?? `The server answered ${response.status}.`, field: body.field };
  } catch {
    return { message: `The server answered ${response.status} ${response.statusText}.` };
  }
}

// Reads "event: x\ndata: {...}\n\n" blocks from a fetch body as they arrive.
async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      yield { name, data: JSON.parse(data) };
    }
  }
}

async function generate(event) {
  event.preventDefault();
  clearError();
  const body = request();
  const button = $("generate");
  button.disabled = true;
  output.setAttribute("aria-busy", "true");
  statusLine.textContent = "Generating…";
  let count = 0;
  try {
    const response = await fetch("api/generate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const { message, field } = await errorOf(response);
      showError(message, field);
      statusLine.textContent = "";
      return;
    }
    output.replaceChildren();
    const promptSpan = document.createElement("span");
    promptSpan.className = "prompt";
    promptSpan.textContent = body.prompt;
    const generated = document.createTextNode("");
    output.append(promptSpan, generated);
    const started = performance.now();
    for await (const { name, data } of serverEvents(response)) {
      if (name === "token") {
        generated.appendData(data.text);
        count += Array.from(data.text).length;
        statusLine.textContent = `Generating… ${count} characters`;
      } else if (name === "done") {
        const seconds = (performance.now() - started) / 1000;
        statusLine.textContent = `${count} characters in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)}/s).`;
        lastText = data.text;
        await drawAttention();
      } else if (name === "error") {
        showError(data.error);
      }
    }
  } catch (error) {
    showError(`The playground server cannot be reached (${error.message}). Is tinygpt serve still running?`);
    statusLine.textContent = "";
  } finally {
    button.disabled = false;
    output.setAttribute("aria-busy", "false");
  }
}

async function drawAttention() {
  if (lastText === null || model === null) return;
  // The model reads only the last BlockSize characters; send just those.
  const window = Array.from(lastText).slice(-model.blockSize).join("");
  const layer = $("layer").value, head = $("head").value;
  const url = `api/attention?text=${encodeURIComponent(window)}&layer=${layer}&head=${head}`;
  caption.textContent = "Drawing the attention…";
  const request = ++drawing;
  const response = await fetch(url);
  if (request !== drawing) return;
  if (!response.ok) {
    const { message } = await errorOf(response);
    showError(message);
    caption.textContent = "";
    return;
  }
  const blob = await response.blob();
  if (request !== drawing) return;
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = URL.createObjectURL(blob);
  const which = layer === "all" && head === "all" ? "all layers × heads"
    : [layer === "all" ? "all layers" : `layer ${layer}`, head === "all" ? "all heads" : `head ${head}`].join(", ");
  const length = Array.from(window).length;
  image.alt = `Attention weights, ${which}, over the last ${length} characters of the output`;
  image.src = imageUrl;
  image.hidden = false;
  caption.textContent = `${which}; axes: the last ${length} characters (␣ is a space, ⏎ a newline).`;
}

function fillSelect(select, count, noun) {
  for (let i = 0; i < count; i++) {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = `${noun} ${i}`;
    select.append(option);
  }
}

async function start() {
  form.addEventListener("submit", generate);
  for (const id of ["layer", "head"]) $(id).addEventListener("change", () => drawAttention().catch((e) => showError(e.message)));
  try {
    const response = await fetch("api/model");
    model = await response.json();
  } catch (error) {
    showError(`Cannot read the model from the server (${error.message}).`);
    return;
  }
  $("model-description").textContent =
    `${model.description}: ${model.layers} layers × ${model.heads} heads, context ${model.blockSize} characters, ` +
    `vocabulary ${model.vocabSize}. At most ${model.maxTokens} new characters per generation.`;
  fillSelect($("layer"), model.layers, "layer");
  fillSelect($("head"), model.heads, "head");
  fields.tokens.max = String(model.maxTokens);
}

start();
