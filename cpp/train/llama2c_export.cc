// llama2.c legacy export: header, then every tensor in run.c's TransformerWeights order.
#include "llama2c_export.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <stdexcept>

namespace train {

static void write_tensor(std::ofstream& out, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kFloat32).contiguous();
  out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * sizeof(float));
}

void export_llama2c(Llama& model, const std::string& path) {
  const ModelShape& s = model->shape;
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  if (!out) throw std::runtime_error(tmp + ": cannot write (does its folder exist?)");
  const int32_t header[7] = {s.dim,     s.hidden_dim, s.n_layers, s.n_heads,
                             s.n_heads, s.vocab_size, s.seq_len};
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  // One field for all layers at a time: rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3.
  const std::vector<std::function<torch::Tensor(Block&)>> fields = {
      [](Block& b) { return b->attention_norm->weight; },
      [](Block& b) { return b->wq->weight; },
      [](Block& b) { return b->wk->weight; },
      [](Block& b) { return b->wv->weight; },
      [](Block& b) { return b->wo->weight; },
      [](Block& b) { return b->ffn_norm->weight; },
      [](Block& b) { return b->w1->weight; },
      [](Block& b) { return b->w2->weight; },
      [](Block& b) { return b->w3->weight; }};
  write_tensor(out, model->tok_embeddings->weight);  // (vocab_size, dim)
  for (auto& field : fields) {
    for (auto& block : model->blocks) write_tensor(out, field(block));
  }
  write_tensor(out, model->norm->weight);  // (dim)
  write_tensor(out, model->rope_cos);      // (seq_len, head_size/2) freq_cis_real
  write_tensor(out, model->rope_sin);      // (seq_len, head_size/2) freq_cis_imag
  out.close();
  if (!out) throw std::runtime_error(tmp + ": write failed (disk full?)");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

}  // namespace train
