// circulant-train: trains the default teacher and exports it in llama2.c format.
// Example: circulant-train --train runs/data/train.ids --val runs/data/val.ids
//            --run-dir runs/ckpt --export models/default.bin --minutes 85
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "llama2c_export.h"
#include "train_loop.h"

namespace {

// Each flag once: where its value goes, and the usage's word for it (none: the usage shows the
// default, read from a default TrainOptions).
using Target = std::variant<std::string*, double*, int*, int64_t*, uint64_t*>;
struct Flag {
  const char* name;
  Target target;
  const char* word = nullptr;
  bool required = false;
};

std::vector<Flag> flags(train::TrainOptions& o) {
  return {{"train", &o.train_ids, "IDS", true},
          {"val", &o.val_ids, "IDS", true},
          {"run-dir", &o.run_dir, "DIR", true},
          {"export", &o.export_path, "FILE"},
          {"minutes", &o.minutes, "M"},
          {"steps", &o.max_steps, "N"},
          {"batch", &o.batch},
          {"lr", &o.lr},
          {"dim", &o.shape.dim},
          {"hidden", &o.shape.hidden_dim},
          {"layers", &o.shape.n_layers},
          {"heads", &o.shape.n_heads},
          {"vocab", &o.shape.vocab_size},
          {"seq-len", &o.shape.seq_len},
          {"eval-minutes", &o.eval_minutes},
          {"checkpoint-minutes", &o.checkpoint_minutes},
          {"threads", &o.threads},
          {"seed", &o.seed},
          {"log-every", &o.log_every}};
}

std::string shown(const Target& t) {
  return std::visit(
      [](auto* p) {
        if constexpr (std::is_same_v<decltype(p), std::string*>)
          return *p;
        else {
          std::ostringstream s;
          s << *p;
          return s.str();
        }
      },
      t);
}

void usage() {
  train::TrainOptions defaults;
  std::string line = "usage: circulant-train", text;
  for (const Flag& f : flags(defaults)) {
    const std::string name = f.name;
    std::string item = "--" + name + " " + (f.word ? f.word : shown(f.target));
    if (name == "minutes") continue;  // with --steps, as the choice it is
    if (name == "steps")
      item = "(--minutes M | --steps N)";
    else if (!f.required)
      item = "[" + item + "]";
    if (line.size() + 1 + item.size() > 100) text += line + "\n", line = "        ";
    line += " " + item;
  }
  std::fprintf(stderr, "%s%s [--no-resume]\n%s", text.c_str(), line.c_str(),
               "IDS files come from spm_encode --output_format=id; see cpp/train/README.md.\n");
}

// The whole text as the target's type; false for text that is not a number of that type.
bool read(const char* v, const Target& t) {
  return std::visit(
      [v](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *p = v;
          return true;
        } else {
          std::istringstream s(v);
          T x;
          if (!(s >> x) || !s.eof()) return false;
          *p = x;
          return true;
        }
      },
      t);
}

bool parse(int argc, char** argv, train::TrainOptions& o) {
  const std::vector<Flag> table = flags(o);
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--no-resume") {
      o.resume = false;
      continue;
    }
    auto f = std::find_if(table.begin(), table.end(),
                          [&](const Flag& f) { return a == std::string("--") + f.name; });
    if (f == table.end() || i + 1 >= argc || !read(argv[++i], f->target)) return false;
  }
  return !o.train_ids.empty() && !o.val_ids.empty() && !o.run_dir.empty() &&
         (o.minutes > 0 || o.max_steps > 0) && o.shape.dim % o.shape.n_heads == 0;
}

}  // namespace

int main(int argc, char** argv) {
  train::TrainOptions options;
  if (!parse(argc, argv, options)) {
    usage();
    return 2;
  }
  try {
    torch::manual_seed(options.seed);
    train::Llama model(options.shape);
    auto result = train::run_training(model, options);
    std::printf("done: %lld steps, val loss %.4f, %.0f tok/s\n", (long long)result.steps,
                result.last_val_loss, result.tokens_per_second);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "circulant-train: %s\n", e.what());
    return 1;
  }
  return 0;
}
