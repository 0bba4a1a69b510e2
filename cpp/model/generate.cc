// Generation loop: batched prefill of the prompt, then one token at a time through the KV cache.
#include "model/generate.h"

#include <utility>

namespace circulant {

std::vector<int> encode_text(const Tokenizer& tokenizer, std::string_view text,
                             bool parse_specials) {
  if (!parse_specials) return tokenizer.encode(text, tokenizer.add_bos());
  std::vector<int> tokens = tokenizer.encode_with_specials(text, false);
  // A template that writes bos_token has given it already; otherwise BOS where the model wants it.
  if (tokenizer.add_bos() && (tokens.empty() || tokens.front() != tokenizer.bos_id()))
    tokens.insert(tokens.begin(), tokenizer.bos_id());
  return tokens;
}

Result<std::vector<int>> encode_prompt(const Tokenizer& tokenizer, const Config& config,
                                       const std::string& prompt, bool parse_specials) {
  if (prompt.empty()) return Error{"the prompt is empty; type some text to start from"};
  // Each token spells at most max_token_length bytes: a longer text cannot fit, so say so before
  // spending time on encoding it.
  if (prompt.size() > size_t(config.seq_len) * size_t(tokenizer.max_token_length()))
    return Error{"the prompt is " + std::to_string(prompt.size()) +
                 " bytes, more than the model's context of " + std::to_string(config.seq_len) +
                 " tokens can hold; shorten it"};
  std::vector<int> tokens = encode_text(tokenizer, prompt, parse_specials);
  if (int(tokens.size()) > config.seq_len)
    return Error{"the prompt is " + std::to_string(tokens.size()) +
                 " tokens, longer than the model's context of " + std::to_string(config.seq_len) +
                 " tokens; shorten it"};
  return tokens;
}

Result<Generation> generate(const Transformer& model, const Tokenizer& tokenizer,
                            const std::string& prompt, int steps, const SamplerSettings& settings,
                            const std::function<bool(const std::string&)>& on_piece) {
  auto encoded = encode_prompt(tokenizer, model.config(), prompt);
  RETURN_IF_ERROR(encoded);
  return generate_from(model, tokenizer, std::move(encoded.value()), steps, settings, on_piece);
}

Result<Generation> generate_from(const Transformer& model, const Tokenizer& tokenizer,
                                 std::vector<int> prompt_tokens, int steps,
                                 const SamplerSettings& settings,
                                 const std::function<bool(const std::string&)>& on_piece) {
  const Config& c = model.config();
  if (steps <= 0 || steps > c.seq_len) steps = c.seq_len;
  Generation g;
  g.tokens = std::move(prompt_tokens);
  g.prompt_tokens = int(g.tokens.size());
  auto emit = [&](int previous, int token) {
    const std::string piece = printable_piece(tokenizer.decode(previous, token));
    g.text += piece;
    g.pieces.push_back(piece);
    return !on_piece || on_piece(piece);
  };
  // BOS prints nothing; a vocabulary that adds none prints every prompt token.
  const int first = tokenizer.add_bos() ? 1 : 0;
  for (int i = first; i < g.prompt_tokens && i <= steps; ++i)
    if (!emit(i ? g.tokens[i - 1] : tokenizer.bos_id(), g.tokens[i])) break;
  if (int(g.pieces.size()) + first < g.prompt_tokens || g.prompt_tokens > steps) {
    g.pieces = whole_characters(g.pieces);
    return g;
  }

  RunState state(c);
  Sampler sampler(c.vocab_size, settings);
  std::vector<float> logits(c.vocab_size);
  const float* out = forward(model, state, g.tokens.data(), g.prompt_tokens);
  while (true) {
    logits.assign(out, out + c.vocab_size);
    const auto sampled = sampler.sample(logits.data(), g.tokens);
    RETURN_IF_ERROR(sampled);
    const int next = sampled.value();
    if (tokenizer.ends_generation(next)) break;  // llama2.c: BOS; byte-level vocabularies: EOS
    const int previous = g.tokens.back();
    g.tokens.push_back(next);
    if (!emit(previous, next) || int(g.tokens.size()) > steps) break;
    out = forward(model, state, &g.tokens.back(), 1);
  }
  g.pieces = whole_characters(g.pieces);
  return g;
}

}  // namespace circulant
