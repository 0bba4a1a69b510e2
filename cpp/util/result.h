// Result<T>: a value or an error message that says what was wrong and how to fix it.
// Every layer returns these instead of throwing or exiting (wasm builds have no exceptions);
// only the CLI's main and the page's worker turn them into exit codes or messages.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace circulant {

struct Error {
  std::string message;
};

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}              // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error.message)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const std::string& error() const { return error_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

// For functions that return nothing but may fail: empty message means success.
using Status = Result<bool>;
inline Status ok_status() { return Status(true); }

// Passes the error of a failed Result or Status up, unchanged, from the enclosing function.
#define RETURN_IF_ERROR(result)                                      \
  do {                                                               \
    if (!(result).ok()) return ::circulant::Error{(result).error()}; \
  } while (0)

}  // namespace circulant
