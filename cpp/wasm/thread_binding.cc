// The engine's thread count for the page's worker (util/thread_pool.h), apart from bindings.cc.
// The pool is process-wide, so these are module functions, not Engine methods.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "util/thread_pool.h"

namespace circulant {
namespace {

using emscripten::val;

// → {value: the count now} or {error}. set_threads would abort on a bad count in this build (no
// exceptions), so the count is checked first; the worker also keeps it within the pthreads it
// started (web/threads.js), since a thread beyond them would wait for the event loop forever.
val setThreads(int n) {
  val out = val::object();
  const Status ok = check_threads(n);
  if (!ok.ok()) {
    out.set("error", ok.error());
    return out;
  }
  set_threads(n);
  out.set("value", threads());
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(threads) {
  emscripten::function("setThreads", &setThreads);
  emscripten::function("threads", &threads);
  emscripten::function("hardwareThreads", &hardware_threads);
}

}  // namespace circulant
