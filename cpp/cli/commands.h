// The CLI's subcommands; each returns an error message instead of exiting.
#pragma once

#include "cli/args.h"

namespace circulant {

Status run_generate(const Args& args);
Status run_logits(const Args& args);
Status run_info(const Args& args);
Status run_bench(const Args& args);
Status run_compare(const Args& args);
Status run_sweep(const Args& args);
Status run_perplexity(const Args& args);

}  // namespace circulant
