// Table rendering. JSON numbers are numbers; intervals ride along as *_low/*_high keys.
#include "cli/table.h"

#include <cstdio>

#include "cli/common.h"

namespace circulant {
namespace {

struct Cell {
  std::string key;   // JSON key / CSV header
  std::string text;  // as printed in markdown and CSV
  bool number;       // JSON: bare number rather than string
};

std::string fixed(double v, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string with_interval(const Interval& i, int digits) {
  return fixed(i.mean, digits) + " ± " + fixed((i.high - i.low) / 2, digits);
}

std::vector<Cell> cells(const ExperimentRow& r, const Config& c) {
  const bool t = r.teacher;
  std::vector<Cell> out = {
      {"model", t ? "teacher" : "student", false},
      {"layers", t ? "-" : layers_spec(r.plan.layers, c.n_layers), false},
      {"block", t ? "null" : std::to_string(r.plan.block), true},
      {"matrices", t ? "-" : matrix_names(r.plan.matrices), false},
      {"structure", t ? "dense" : structure_name(r.plan.structure), false},
      {"projection", t ? "dense" : projection_name(r.plan.projection), false},
      {"cosine", json_number(r.metrics.cosine.mean), true},
      {"kl", json_number(r.metrics.kl.mean), true},
      {"top1", json_number(r.metrics.top1.mean), true},
      {"top5", json_number(r.metrics.top5.mean), true},
      {"params_mlp", std::to_string(r.params_mlp), true},
      {"params_total", std::to_string(r.params_total), true},
      {"prefill_tps", json_number(r.throughput.prefill_tokens_per_second), true},
      {"decode_tps", json_number(r.throughput.decode_tokens_per_second), true},
      {"mlp_share_decode", json_number(r.throughput.decode_mlp_share), true},
  };
  for (const auto& [name, interval] : {std::pair<const char*, Interval>{"cosine", r.metrics.cosine},
                                       {"kl", r.metrics.kl},
                                       {"top1", r.metrics.top1},
                                       {"top5", r.metrics.top5}}) {
    out.push_back({std::string(name) + "_low", json_number(interval.low), true});
    out.push_back({std::string(name) + "_high", json_number(interval.high), true});
  }
  return out;
}

std::string json_string(const std::string& s) {
  return "\"" + s + "\"";
}  // our values need no escaping

std::string markdown(const std::vector<ExperimentRow>& rows, const Config& c) {
  std::string out =
      "| model | layers | B | matrices | structure | projection | cosine | KL (nats) | top-1 | "
      "top-5 | MLP params "
      "| total params | prefill tok/s | decode tok/s | MLP share of decode |\n"
      "|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const ExperimentRow& r : rows) {
    const auto v = cells(r, c);
    const auto text = [&v](const char* key) {
      for (const Cell& cell : v)
        if (cell.key == key) return cell.text;
      return std::string();
    };
    const Throughput& s = r.throughput;
    out += "| " + text("model") + " | " + text("layers") + " | " +
           (r.teacher ? "-" : text("block")) + " | " + text("matrices") + " | " +
           text("structure") + " | " + text("projection") + " | " +
           with_interval(r.metrics.cosine, 3) + " | " + with_interval(r.metrics.kl, 3) + " | " +
           fixed(100 * r.metrics.top1.mean, 0) + " % | " + fixed(100 * r.metrics.top5.mean, 0) +
           " % | " + text("params_mlp") + " | " + text("params_total") + " | " +
           fixed(s.prefill_tokens_per_second, 0) + " | " + fixed(s.decode_tokens_per_second, 0) +
           " | " + fixed(100 * s.decode_mlp_share, 0) + " % |\n";
  }
  return out;
}

}  // namespace

std::string render_table(const std::vector<ExperimentRow>& rows, const Config& config,
                         TableFormat format) {
  if (format == TableFormat::kMarkdown) return markdown(rows, config);
  std::string out;
  if (format == TableFormat::kCsv) {
    for (const Cell& cell : cells(rows.front(), config)) out += (out.empty() ? "" : ",") + cell.key;
    out += "\n";
    for (const ExperimentRow& r : rows) {
      std::string line;
      for (const Cell& cell : cells(r, config))
        line += (line.empty() ? "" : ",") + (cell.text == "null" ? "" : cell.text);
      out += line + "\n";
    }
    return out;
  }
  out = "{\"rows\": [";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string object;
    for (const Cell& cell : cells(rows[i], config))
      object += (object.empty() ? "" : ", ") + json_string(cell.key) + ": " +
                (cell.number ? cell.text : json_string(cell.text));
    out += (i ? ",\n  {" : "\n  {") + object + "}";
  }
  return out + "\n]}\n";
}

}  // namespace circulant
