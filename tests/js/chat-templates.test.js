// Chat templates rendered the same in C++ and JS: for every template of tests/chat/templates.json
// (ChatML, SmolLM2's, Qwen2's and Qwen2.5's with their default system messages, Llama 3, Llama 2,
// Zephyr, Gemma), the engine's renderer (the CLI's --chat, cpp/model/chat_template.h) and
// @huggingface/jinja (the page's, web/chat.js) write the same bytes for each of the 20 lecture
// prompts; and the page's chat path gives the tokens the CLI's --chat gives.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChat } from '../../web/chat.js';
import { createEngineHost } from '../../web/engine-host.js';
import { callHost, lines, loadEngineModule, rootPath } from './load-engine.js';

const { templates } = JSON.parse(readFileSync(rootPath('tests/chat/templates.json'), 'utf8'));
const lecture = lines('models/prompts/lecture-20.txt');
// Beyond the lecture prompts: spaces and newlines around the text (the families that trim it)
// and the characters a Jinja string could choke on.
const extra = [' Why FFT?\n', 'Quotes \' and " and {{ braces }} and {% tags %}', 'Ünïcödé — 漢字 ✓'];

describe('chat templates: the engine renders as Jinja does', () => {
  let module;
  beforeAll(async () => { module = await loadEngineModule(); });

  it('has the 20 lecture prompts and the templates of the test models', () => {
    expect(lecture).toHaveLength(20);
    expect(templates.map((t) => t.name)).toEqual(
      expect.arrayContaining(['chatml', 'smollm2', 'qwen2', 'llama3', 'llama2', 'zephyr', 'gemma']));
  });

  for (const t of templates)
    it(`${t.name} (${t.family}): byte-identical on every lecture prompt`, async () => {
      for (const message of [...lecture, ...extra]) {
        const jinja = await renderChat({ source: t.template, bosText: t.bos, eosText: t.eos }, message);
        const engine = module.renderChat(t.template, t.bos, t.eos, message);
        expect(engine.error).toBeUndefined();
        expect(engine.value).toBe(jinja);
        expect(jinja).toContain(message.trim());
      }
    });

  it('refuses a template of no known family, naming the page as the way to render it', async () => {
    const alpaca = "{% for message in messages %}### Instruction:\n{{ message['content'] }}\n\n### Response:\n{% endfor %}";
    expect(module.renderChat(alpaca, '<s>', '</s>', 'Hi').error).toMatch(/the page renders any Jinja template/);
    expect(await renderChat({ source: alpaca, bosText: '<s>', eosText: '</s>' }, 'Hi')).toBe('### Instruction:\nHi\n\n### Response:\n');
  });
});

// The shipped model with the ChatML template (circulant convert --chat-template; needs build/native).
const cli = rootPath('build/native/circulant');
describe.skipIf(!existsSync(cli))('the page\'s chat path (needs build/native)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-'));
  const gguf = join(dir, 'chatml.gguf');
  const chatml = templates.find((t) => t.name === 'chatml');
  let host;
  beforeAll(async () => {
    writeFileSync(join(dir, 'chatml.jinja'), chatml.template);
    execFileSync(cli, ['convert', '--model', rootPath('models/default.bin'), '--tokenizer', rootPath('models/tokenizer.bin'),
      '--out', gguf, '--chat-template', join(dir, 'chatml.jinja')]);
    host = createEngineHost(loadEngineModule);
    const loaded = await callHost(host, 'load', { model: new Uint8Array(readFileSync(gguf)), modelName: 'chatml.gguf',
      tokenizer: new Uint8Array(0), tokenizerName: '' });
    expect(loaded.error).toBeUndefined();
    expect(loaded.result.chat).toEqual({ source: chatml.template, bosText: '<s>', eosText: '</s>' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('analyze with chat gives the tokens of the CLI\'s --chat, and plain text without it', async () => {
    const prompt = lecture[0];
    const plan = { block: 1, layers: 'all', matrices: 'gate,up,down', projection: 'frobenius', lambda: 0.01 };
    const chat = (await callHost(host, 'analyze', { plan, prompt, chat: true })).result.analysis;
    const plain = (await callHost(host, 'analyze', { plan, prompt })).result.analysis;
    const logits = (extraArgs) => JSON.parse(execFileSync(cli, ['logits', '--model', gguf, '--prompt', prompt,
      ...extraArgs]).toString()).tokens;
    expect(chat.tokens).toEqual(logits(['--chat']));
    expect(plain.tokens).toEqual(logits([]));
    expect(chat.pieces.join('')).toContain(`<|im_start|>user\n${prompt}<|im_end|>`);
    expect(plain.pieces.join('')).not.toContain('<|im_start|>');
  });

  it('refuses chat for a model without a template, in a sentence', async () => {
    const plain = await callHost(host, 'load', { model: new Uint8Array(readFileSync(rootPath('models/default.bin'))),
      modelName: 'default.bin', tokenizer: new Uint8Array(readFileSync(rootPath('models/tokenizer.bin'))),
      tokenizerName: 'tokenizer.bin' });
    expect(plain.result.chat).toBeNull();
    const refused = await callHost(host, 'analyze', { plan: { block: 1, layers: 'all', matrices: 'gate,up,down',
      projection: 'frobenius', lambda: 0.01 }, prompt: 'Hi', chat: true });
    expect(refused.error).toMatch(/no chat template: turn the chat switch off/);
  });
});
