// Files read and written without surprises: only regular files are read (their size is known
// before reading), and a file is replaced whole or not at all, so a full disk never leaves half a
// file where a good one was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace circulant {

// The size of a regular file. A directory, device, pipe or socket is refused: its size says
// nothing, and reading one (/dev/zero) may never end. `kind` names what was expected in the
// message ("a text file").
Result<uint64_t> regular_file_size(const std::string& path, const std::string& kind = "a file");

// True for a path that names a folder (following links).
bool is_folder(const std::string& path);
// The files of `folder` whose names end in `suffix` (hidden ones left out), as paths, in name
// order.
Result<std::vector<std::string>> files_in_folder(const std::string& folder,
                                                 const std::string& suffix);

// What a failed write, flush or close means for a user, from its errno: "no space left on the
// device" for ENOSPC, and so on.
std::string write_failure(int error_number);

// Writes every byte to `fd` (short writes are continued); the error names `name` and the cause.
Status write_all(int fd, const uint8_t* bytes, size_t size, const std::string& name);

// Finds a bad output path before long work: creates and removes a temporary file beside `path`.
// An existing `path` that is not a regular file (a folder, /dev/full) is refused, since it would
// be replaced.
Status check_writable(const std::string& path);

// Replaces `path` by `bytes` whole or not at all: a temporary file in the same folder, every
// write, the fsync and the close checked, then renamed over `path`. On failure the temporary file
// is removed and `path` is as it was.
Status write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace circulant
