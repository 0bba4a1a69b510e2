// The CLI's subcommands; each returns an error message instead of exiting.
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"

namespace circulant {

Status run_generate(const Args& args);
Status run_logits(const Args& args);
Status run_info(const Args& args);
Status run_bench(const Args& args);
Status run_compare(const Args& args);
Status run_sweep(const Args& args);
Status run_perplexity(const Args& args);
Status run_distill(const Args& args);
Status run_convert(const Args& args);

// "1,2,4" → block sizes, each checked.
Result<std::vector<int>> parse_blocks(const std::string& list);

}  // namespace circulant
