// The card of a model of one's own (cpp/wasm/engine.d.ts ModelCard), under the status bar: one
// summary line, and what the model is and takes in this page when opened. The default model's
// card is models/MODEL_CARD.md, linked from the README; it is not repeated on the lesson's screen.
import { compact } from './format.js';
import { amount as mb } from './model-intake.js';

const $ = (selector) => document.querySelector(selector);
const thousands = (n) => n.toLocaleString('en-US');

/** The summary line: "SmolLM2 135M: llama, 134.52 M parameters, Q8_0, context 8,192, chat template". */
export function cardSummary(card) {
  const main = card.tensorTypes[0]?.type ?? '';
  return `${card.name}: ${card.architecture}, ${compact(card.parameters)} parameters, ${main}, ` +
    `context ${thousands(card.config.seqLen)}${card.chatTemplate ? ', chat template' : ''}`;
}

/** Shows `card` (hidden when null: the default model); `used`: {context, total} as the page holds it. */
export function showModelCard(card, used) {
  const box = $('#model-card');
  box.hidden = !card;
  if (!card) return;
  const c = card.config;
  const rows = [
    ['File', `${card.format}, ${mb(card.fileBytes)}`],
    ['Architecture', `${card.architecture}: ${c.nLayers} layers, dim ${c.dim}, MLP hidden ${c.hiddenDim}, ` +
      `${c.nHeads} heads, ${c.nKvHeads} key/value heads, vocabulary ${thousands(c.vocabSize)}`],
    ['Parameters', `${thousands(card.parameters)} (MLPs: ${thousands(card.mlpParameters)}, what a student replaces)`],
    ['Tensor types', card.tensorTypes.map((t) => (t.tensors ? `${t.type} ×${t.tensors}` : t.type)).join(', ') +
      ', dequantized to float32 at load'],
    ['Context', used.context < c.seqLen ? `${thousands(c.seqLen)} tokens; this page runs up to ${thousands(used.context)}`
      : `${thousands(c.seqLen)} tokens`],
    ['Tokenizer', card.tokenizer],
    ['Chat template', card.chatTemplate ? 'yes' : 'none'],
    ['Memory here', `about ${mb(used.total)} of the engine's 4 GB`],
  ];
  $('#model-card-summary').textContent = cardSummary(card);
  const list = $('#model-card-rows');
  list.replaceChildren(...rows.flatMap(([name, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
}
