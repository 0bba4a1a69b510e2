// The single-file build carries only the single-threaded engine: it opens from disk (file://),
// which is never cross-origin isolated, and the threaded engine's pthreads are separate files.
export const loadThreadedEngine = null;
