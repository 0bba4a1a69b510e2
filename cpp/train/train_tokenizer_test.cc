// Tokenizer-format test: the engine's Tokenizer (models/tokenizer.bin) must segment validation
// lines exactly as sentencepiece does (spm_encode's ids in runs/data/val.ids) on >= 99.5 % of
// lines. Usage: train_tokenizer_test <tokenizer.bin> <val.txt> <val.ids> [max lines] Exits 77
// (skipped) when the pipeline's files are absent, as on CI machines that never trained.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: train_tokenizer_test <tokenizer.bin> <val.txt> <val.ids> [max]\n");
    return 2;
  }
  if (!std::filesystem::exists(argv[2]) || !std::filesystem::exists(argv[3])) {
    std::printf("skipped: no validation passages from cpp/train/pipeline.sh here (%s)\n", argv[2]);
    return 77;
  }
  const long max_lines = argc > 4 ? std::atol(argv[4]) : 1L << 40;
  auto tok = circulant::Tokenizer::load(argv[1], 2048);
  if (!tok.ok()) {
    std::fprintf(stderr, "FAIL: %s\n", tok.error().c_str());
    return 1;
  }
  std::ifstream text(argv[2]), ids(argv[3]);
  std::string line, id_line;
  long lines = 0, same = 0;
  while (lines < max_lines && std::getline(text, line)) {
    if (!std::getline(ids, id_line)) {
      std::fprintf(stderr, "FAIL: %s has fewer lines than %s (re-run spm_encode)\n", argv[3],
                   argv[2]);
      return 1;
    }
    std::vector<int> expected;
    std::istringstream parse(id_line);
    for (int id; parse >> id;) expected.push_back(id);
    const bool match = tok.value().encode(line, /*bos=*/false) == expected;
    if (!match && lines - same < 5) std::printf("differs: %s\n", line.c_str());
    same += match;
    lines++;
  }
  const double percent = lines ? 100.0 * same / lines : 0;
  std::printf("tokenizer agreement: %ld of %ld lines (%.2f %%)\n", same, lines, percent);
  if (lines == 0 || percent < 99.5) {
    std::fprintf(stderr, "FAIL: agreement below 99.5 %%\n");
    return 1;
  }
  return 0;
}
