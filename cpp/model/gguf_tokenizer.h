// The tokenizer inside a GGUF file, read into our Tokenizer and written from it: GGUF's "llama"
// (SentencePiece BPE with byte fallback, llama2.c's) and "gpt2" (byte-level BPE) tokenizer
// models; every other one is refused by name.
#pragma once

#include "model/gguf_file.h"
#include "model/gguf_writer.h"
#include "model/tokenizer.h"
#include "util/result.h"

namespace circulant {

// tokenizer.ggml.model "llama": its tokens, scores (0 when absent) and token types. Pieces are
// spelled as llama2.c's tokenizer export spells them (U+2581 as a space; BOS and EOS as "\n<s>\n"
// and "\n</s>\n"), so encode and decode match tokenizer.bin's for the same vocabulary. BOS must
// be 1 and EOS 2 and BOS must be added, as this engine's SentencePiece path assumes.
// tokenizer.ggml.model "gpt2": tokens, token types, merges (rank = order), the pre-tokenizer
// tokenizer.ggml.pre names (pretokenizer.h; another name is refused, listing those that load),
// BOS/EOS/padding ids and add_bos_token, with llama.cpp's defaults for absent keys.
Result<Tokenizer> gguf_tokenizer(const GgufFile& file, int vocab_size);

// The inverse. SentencePiece: tokenizer.bin's pieces as SentencePiece spells them, with their
// scores and token types (unknown, control, byte, normal) and the special ids. Byte-level: the
// tokens, types and merges as read, the pre-tokenizer's name, the special ids and add_bos_token.
void add_gguf_tokenizer(GgufWriter& writer, const Tokenizer& tokenizer);

}  // namespace circulant
