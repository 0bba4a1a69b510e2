// Prompt checking and text generation, shared by the CLI and the page.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/sampler.h"
#include "model/tokenizer.h"
#include "model/transformer.h"
#include "util/result.h"

namespace circulant {

// BOS + tokens of `text`. With `parse_specials` (a prompt wrapped in a chat template) the text of
// BOS and EOS is those tokens, and BOS is not doubled when the text starts with it.
std::vector<int> encode_text(const Tokenizer& tokenizer, std::string_view text,
                             bool parse_specials);

// BOS + tokens of `prompt`; an error for an empty prompt or one longer than the context.
Result<std::vector<int>> encode_prompt(const Tokenizer& tokenizer, const Config& config,
                                       const std::string& prompt, bool parse_specials = false);

struct Generation {
  std::vector<int> tokens;          // BOS, prompt, continuation
  std::string text;                 // prompt and continuation as printed
  std::vector<std::string> pieces;  // (tokens − 1) what each token after BOS printed
  int prompt_tokens = 0;            // including BOS
};

// Counts `steps` as llama2.c's -n does: forward positions in total, BOS and prompt included, each
// printing one piece (0 or more than seq_len means seq_len). The prompt runs as one batch;
// `on_piece` gets each printed piece and may return false to stop early (the page's cancel). Stops
// at BOS like run.c.
Result<Generation> generate(const Transformer& model, const Tokenizer& tokenizer,
                            const std::string& prompt, int steps, const SamplerSettings& settings,
                            const std::function<bool(const std::string&)>& on_piece = nullptr);
// The same from a prompt already encoded (BOS first, within the context).
Result<Generation> generate_from(const Transformer& model, const Tokenizer& tokenizer,
                                 std::vector<int> prompt_tokens, int steps,
                                 const SamplerSettings& settings,
                                 const std::function<bool(const std::string&)>& on_piece = nullptr);

}  // namespace circulant
