// Chat templates in the page: a prompt wrapped as one user message with the loaded model's own
// template (tokenizer.chat_template of a GGUF file), rendered by @huggingface/jinja, so any
// template renders as Hugging Face's tokenizers render it. The worker wraps the prompts of a
// request that asks for it (its args' `chat`), and the engine then reads the text of BOS and EOS
// in them as those tokens. No DOM here. The renderer is imported with the first template it
// renders: the default model has none, and the worker's script, which every visit waits for, is a
// half the size without it (docs/loading.md).
const compiled = new Map();  // template source → Template
let jinja;

/** One user message and the generation prompt, as the template renders them. */
export async function renderChat(chat, message) {
  const { Template } = await (jinja ??= import('@huggingface/jinja'));
  let template = compiled.get(chat.source);
  if (!template) compiled.set(chat.source, (template = new Template(chat.source)));
  return template.render({ messages: [{ role: 'user', content: message }], add_generation_prompt: true,
    bos_token: chat.bosText, eos_token: chat.eosText });
}

/**
 * The worker's side: a request whose args say `chat: true` has its `prompt` and `prompts` wrapped
 * with the loaded model's template and the engine parsing special tokens; any other request has
 * the engine reading prompts as plain text.
 */
export async function chatArgs(engine, args) {
  const chat = args.chat ? engine?.chatTemplate() : null;
  engine?.setParseSpecials(!!chat);
  if (!args.chat) return args;
  if (!chat) throw new Error('this model has no chat template: turn the chat switch off');
  const wrap = async (prompt) => {
    try {
      return await renderChat(chat, prompt);
    } catch (error) {
      throw new Error(`the model's chat template could not be rendered: ${error.message}`);
    }
  };
  const out = { ...args };
  if (typeof args.prompt === 'string') out.prompt = await wrap(args.prompt);
  if (Array.isArray(args.prompts)) out.prompts = await Promise.all(args.prompts.map(wrap));
  return out;
}
