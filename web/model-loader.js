// "Load your own model": file picker and drag-and-drop. Only picks files; the worker validates them.

const $ = (selector) => document.querySelector(selector);

// A dropped file whose name mentions "tok" is the tokenizer; any other is the model.
const isTokenizer = (file) => /tok/i.test(file.name);

export function setupModelLoader({ defaults, load, onError }) {
  const panel = $('#loader');
  let model = null;
  let tokenizer = null;

  const tryLoad = async () => {
    if (!model) return onError('Choose a model first: a llama2.c checkpoint (.bin) or a GGUF file (.gguf).');
    const files = {
      model, modelName: model.name,
      // Without a tokenizer of its own the model borrows the default one (the worker checks the
      // vocabulary; a GGUF file's own tokenizer wins): a copy, since the load moves its bytes to
      // the worker and a failed one keeps them.
      tokenizer: tokenizer || defaults.tokenizer.slice(0), tokenizerName: tokenizer ? tokenizer.name : defaults.tokenizerName,
    };
    try {
      await load(files);
      panel.hidden = true;
    } catch (error) {
      onError(`Could not load ${model.name}: ${error.message}`, error);
    }
  };

  $('#open-loader').addEventListener('click', () => { panel.hidden = !panel.hidden; });
  $('#model-file').addEventListener('change', (e) => { model = e.target.files[0] || null; });
  $('#tokenizer-file').addEventListener('change', (e) => { tokenizer = e.target.files[0] || null; });
  $('#load-files').addEventListener('click', tryLoad);
  $('#load-default').addEventListener('click', async () => {
    try {
      await load(defaults);
      panel.hidden = true;
    } catch (error) {
      onError(error.message);
    }
  });

  // Dropping anywhere on the page opens the panel and loads what was dropped.
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    panel.hidden = false;
    $('#drop').classList.add('over');
  });
  document.addEventListener('dragleave', () => $('#drop').classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    $('#drop').classList.remove('over');
    for (const file of e.dataTransfer.files) {
      if (isTokenizer(file)) tokenizer = file;
      else model = file;
    }
    tryLoad();
  });
}
