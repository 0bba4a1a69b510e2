// Table rendering. JSON goes through nlohmann-json (it escapes), CSV follows RFC 4180 (fields with
// a comma, quote or line break are quoted: "gate,up,down" and layer lists such as "1,3" are one
// field). Numbers are numbers; intervals ride along as *_low/*_high keys.
#include "cli/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/common.h"

namespace circulant {
namespace {

struct Cell {
  enum Kind { kText, kInteger, kNumber, kNull };
  std::string key;  // JSON key / CSV header
  Kind kind = kText;
  std::string text;     // kText
  int64_t integer = 0;  // kInteger
  double number = 0;    // kNumber
};

Cell text(const std::string& key, const std::string& value) {
  return {key, Cell::kText, value, 0, 0};
}
Cell integer(const std::string& key, int64_t value) { return {key, Cell::kInteger, "", value}; }
Cell number(const std::string& key, double value) { return {key, Cell::kNumber, "", 0, value}; }
Cell null(const std::string& key) { return {key, Cell::kNull, "", 0, 0}; }

std::string fixed(double v, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

std::string with_interval(const Interval& i, int digits) {
  if (!i.undefined.empty()) return "undefined";
  return fixed(i.mean, digits) + " ± " + fixed((i.high - i.low) / 2, digits);
}

std::string percent(const Interval& i) {
  return i.undefined.empty() ? fixed(100 * i.mean, 0) + " %" : "undefined";
}

// "cosine: why; kl, top1: why" for the metrics of a row that have no value (those with the same
// reason together), or "".
std::string undefined_metrics(const Comparison& m) {
  std::vector<std::pair<std::string, std::string>> reasons;  // (reason, metric names)
  for (const auto& [name, interval] : {std::pair<const char*, const Interval*>{"cosine", &m.cosine},
                                       {"kl", &m.kl},
                                       {"top1", &m.top1},
                                       {"top5", &m.top5}}) {
    const std::string& why = interval->undefined;
    if (why.empty()) continue;
    auto same = std::find_if(reasons.begin(), reasons.end(),
                             [&why](const auto& r) { return r.first == why; });
    if (same == reasons.end())
      reasons.push_back({why, name});
    else
      same->second += std::string(", ") + name;
  }
  std::string out;
  for (const auto& [reason, names] : reasons)
    out += (out.empty() ? "" : "; ") + names + ": " + reason;
  return out;
}

std::vector<Cell> cells(const ExperimentRow& r, const Config& c) {
  const bool t = r.teacher;
  std::vector<Cell> out = {
      text("model", t ? "teacher" : "student"),
      text("layers", t ? "-" : layers_spec(r.plan.layers, c.n_layers)),
      t ? null("block") : integer("block", r.plan.block),
      text("matrices", t ? "-" : matrix_names(r.plan.matrices)),
      text("structure", t ? "dense" : structure_name(r.plan.structure)),
      text("projection", t ? "dense" : method_name(r.plan)),
      number("cosine", r.metrics.cosine.mean),
      number("kl", r.metrics.kl.mean),
      number("top1", r.metrics.top1.mean),
      number("top5", r.metrics.top5.mean),
      integer("params_mlp", r.params_mlp),
      integer("params_total", r.params_total),
  };
  // Untimed (--runs 0): no speed columns, rather than speeds of 0.
  if (r.timed)
    out.insert(out.end(), {number("prefill_tps", r.throughput.prefill_tokens_per_second),
                           number("decode_tps", r.throughput.decode_tokens_per_second),
                           number("mlp_share_decode", r.throughput.decode_mlp_share)});
  for (const auto& [name, interval] : {std::pair<const char*, Interval>{"cosine", r.metrics.cosine},
                                       {"kl", r.metrics.kl},
                                       {"top1", r.metrics.top1},
                                       {"top5", r.metrics.top5}}) {
    out.push_back(number(std::string(name) + "_low", interval.low));
    out.push_back(number(std::string(name) + "_high", interval.high));
  }
  out.push_back(text("undefined", undefined_metrics(r.metrics)));
  return out;
}

nlohmann::ordered_json json_value(const Cell& cell) {
  switch (cell.kind) {
    case Cell::kText:
      return cell.text;
    case Cell::kInteger:
      return cell.integer;
    case Cell::kNumber:
      if (std::isfinite(cell.number)) return nine_digits(cell.number);
      return nullptr;
    case Cell::kNull:
      return nullptr;
  }
  return nullptr;
}

// RFC 4180: a field holding a comma, a double quote or a line break is quoted, its quotes doubled.
std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char ch : value) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string csv_value(const Cell& cell) {
  switch (cell.kind) {
    case Cell::kText:
      return csv_field(cell.text);
    case Cell::kInteger:
      return std::to_string(cell.integer);
    case Cell::kNumber:
      return std::isfinite(cell.number) ? json_number(cell.number) : "";
    case Cell::kNull:
      return "";
  }
  return "";
}

std::string csv(const std::vector<ExperimentRow>& rows, const Config& c) {
  std::string out;
  for (const Cell& cell : cells(rows.front(), c))
    out += (out.empty() ? "" : ",") + csv_field(cell.key);
  out += "\r\n";  // RFC 4180 ends records with CRLF
  for (const ExperimentRow& r : rows) {
    std::string line;
    for (const Cell& cell : cells(r, c)) line += (line.empty() ? "" : ",") + csv_value(cell);
    out += line + "\r\n";
  }
  return out;
}

std::string json(const std::vector<ExperimentRow>& rows, const Config& c) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ExperimentRow& r : rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const Cell& cell : cells(r, c)) object[cell.key] = json_value(cell);
    list.push_back(std::move(object));
  }
  nlohmann::ordered_json document = {{"rows", std::move(list)}};
  // Invalid UTF-8 is replaced rather than refused: the build has no exceptions to refuse it with.
  return document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string markdown(const std::vector<ExperimentRow>& rows, const Config& c) {
  const bool timed = rows.front().timed;
  std::string out =
      "| model | layers | B | matrices | structure | projection | cosine | KL (nats) | top-1 | "
      "top-5 | MLP params | total params |" +
      std::string(timed ? " prefill tok/s | decode tok/s | MLP share of decode |" : "") +
      "\n|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|" +
      std::string(timed ? "---:|---:|---:|" : "") + "\n";
  for (const ExperimentRow& r : rows) {
    const Throughput& s = r.throughput;
    const bool t = r.teacher;
    out += "| " + std::string(t ? "teacher" : "student") + " | " +
           (t ? "-" : layers_spec(r.plan.layers, c.n_layers)) + " | " +
           (t ? "-" : std::to_string(r.plan.block)) + " | " +
           (t ? "-" : matrix_names(r.plan.matrices)) + " | " +
           (t ? "dense" : structure_name(r.plan.structure)) + " | " +
           (t ? "dense" : method_name(r.plan)) + " | " + with_interval(r.metrics.cosine, 3) +
           " | " + with_interval(r.metrics.kl, 3) + " | " + percent(r.metrics.top1) + " | " +
           percent(r.metrics.top5) + " | " + std::to_string(r.params_mlp) + " | " +
           std::to_string(r.params_total) + " |";
    if (timed)
      out += " " + fixed(s.prefill_tokens_per_second, 0) + " | " +
             fixed(s.decode_tokens_per_second, 0) + " | " + fixed(100 * s.decode_mlp_share, 0) +
             " % |";
    out += "\n";
  }
  // A metric without a value says why, under the table.
  std::string notes;
  for (const ExperimentRow& r : rows) {
    const std::string why = undefined_metrics(r.metrics);
    const std::string row = r.teacher ? "teacher" : "student B = " + std::to_string(r.plan.block);
    if (!why.empty()) notes += row + ", undefined " + why + "\n";
  }
  return notes.empty() ? out : out + "\n" + notes;
}

}  // namespace

std::string render_table(const std::vector<ExperimentRow>& rows, const Config& config,
                         TableFormat format) {
  switch (format) {
    case TableFormat::kMarkdown:
      return markdown(rows, config);
    case TableFormat::kCsv:
      return csv(rows, config);
    case TableFormat::kJson:
      return json(rows, config);
  }
  return "";
}

}  // namespace circulant
