// Generation loop: batched prefill of the prompt, then one token at a time through the KV cache.
#include "model/generate.h"

#include <utility>

namespace circulant {

std::vector<int> encode_text(const Tokenizer& tokenizer, std::string_view text,
                             bool parse_specials) {
  if (!parse_specials) return tokenizer.encode(text);
  std::vector<int> tokens = tokenizer.encode_with_specials(text, false);
  // The model was trained with BOS first; a template that writes bos_token has given it already.
  if (tokens.empty() || tokens.front() != kBos) tokens.insert(tokens.begin(), kBos);
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
  for (int i = 1; i < g.prompt_tokens && i <= steps; ++i)
    if (!emit(g.tokens[i - 1], g.tokens[i])) break;
  if (int(g.pieces.size()) + 1 < g.prompt_tokens || g.prompt_tokens > steps) {
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
    if (next == kBos) break;  // run.c: BOS delimits sequences
    const int previous = g.tokens.back();
    g.tokens.push_back(next);
    if (!emit(previous, next) || int(g.tokens.size()) > steps) break;
    out = forward(model, state, &g.tokens.back(), 1);
  }
  g.pieces = whole_characters(g.pieces);
  return g;
}

}  // namespace circulant
