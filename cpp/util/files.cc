// Regular files and whole-file replacement over POSIX calls (Emscripten provides them too).
#include "util/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace circulant {
namespace {

// The folder of `path` ("." for a bare name).
std::string folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Why a file could not be created, with the fix.
std::string create_failure(int error_number) {
  switch (error_number) {
    case ENOENT:
      return "the folder does not exist; check the path or create the folder";
    case ENOTDIR:
      return "a part of the path is not a folder; check the path";
    case EACCES:
    case EPERM:
      return "permission denied; choose a folder you may write to";
    case EROFS:
      return "the file system is read-only; choose another folder";
    case ENAMETOOLONG:
      return "the name is too long; choose a shorter one";
    default:
      return write_failure(error_number);
  }
}

// The file a write to `path` replaces: the target of a symbolic link, so that the link stays one.
std::string write_target(const std::string& path) {
  struct stat link;
  if (::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) ? std::string(resolved) : path;
}

struct TemporaryFile {
  std::string path;
  int fd = -1;
};

// A new empty file in the folder of `target`, named after it. An existing target that is not a
// regular file is refused: the rename would replace a folder's entry or a device node.
Result<TemporaryFile> create_beside(const std::string& target) {
  struct stat info;
  if (::stat(target.c_str(), &info) == 0 && !S_ISREG(info.st_mode))
    return Error{target + ": is " +
                 (S_ISDIR(info.st_mode) ? std::string("a directory")
                                        : std::string("not a regular file (a device, pipe or "
                                                      "socket)")) +
                 "; give the path of a file to write"};
  std::string name = target + ".tmp-XXXXXX";
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = ::mkstemp(buffer.data());
  if (fd < 0)
    return Error{target + ": cannot create a file in the folder " + folder_of(target) + ": " +
                 create_failure(errno)};
  return TemporaryFile{buffer.data(), fd};
}

// The permissions the file would have had if written in place: the old file's, or the umask's.
mode_t mode_for(const std::string& target) {
  struct stat info;
  if (::stat(target.c_str(), &info) == 0) return info.st_mode & 07777;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

Result<uint64_t> regular_file_size(const std::string& path, const std::string& kind) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return Error{path + ": cannot open the file; check the path"};
  if (S_ISDIR(info.st_mode))
    return Error{path + ": is a directory, not " + kind + "; give the path of " + kind};
  if (!S_ISREG(info.st_mode))
    return Error{path + ": is not a regular file but a device, pipe or socket; give the path of " +
                 kind};
  return uint64_t(info.st_size);
}

bool is_folder(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

Result<std::vector<std::string>> files_in_folder(const std::string& folder,
                                                 const std::string& suffix) {
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return Error{folder + ": cannot open the folder; check the path"};
  std::vector<std::string> paths;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.size() > suffix.size() && name[0] != '.' &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      paths.push_back(folder + (folder.back() == '/' ? "" : "/") + name);
  }
  ::closedir(dir);
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string write_failure(int error_number) {
  switch (error_number) {
    case ENOSPC:
      return "no space left on the device; free some space and run again";
#ifdef EDQUOT
    case EDQUOT:
      return "the disk quota is used up; free some space and run again";
#endif
    case EFBIG:
      return "the file would be larger than this process may write (see ulimit -f)";
    case EIO:
      return "an input/output error (the device may be failing or gone)";
    case EROFS:
      return "the file system is read-only; choose another folder";
    case EBADF:
      return "it is closed";
    default:
      return std::strerror(error_number);
  }
}

Status write_all(int fd, const uint8_t* bytes, size_t size, const std::string& name) {
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{name + ": cannot write: " + write_failure(n < 0 ? errno : EIO)};
    bytes += n;
    size -= size_t(n);
  }
  return ok_status();
}

Status check_writable(const std::string& path) {
  auto temporary = create_beside(write_target(path));
  RETURN_IF_ERROR(temporary);
  ::close(temporary->fd);
  ::unlink(temporary->path.c_str());
  return ok_status();
}

Status write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string target = write_target(path);
  const bool existed = ::access(target.c_str(), F_OK) == 0;
  const mode_t mode = mode_for(target);
  auto temporary = create_beside(target);
  RETURN_IF_ERROR(temporary);
  const int fd = temporary->fd;
  // mkstemp makes the file private (0600). A file system without permissions (vfat) refuses the
  // change, which costs nothing: the file is still whole.
  (void)::fchmod(fd, mode);
  const std::string kept = existed ? "; " + path + " is unchanged" : "";
  Status written = write_all(fd, bytes.data(), bytes.size(), path);
  if (written.ok() && ::fsync(fd) != 0)
    written = Error{path + ": cannot write: " + write_failure(errno)};
  if (::close(fd) != 0 && written.ok())
    written = Error{path + ": cannot write: " + write_failure(errno)};
  if (written.ok() && ::rename(temporary->path.c_str(), target.c_str()) != 0)
    written = Error{path + ": cannot replace the file: " + create_failure(errno)};
  if (!written.ok()) {
    ::unlink(temporary->path.c_str());
    return Error{written.error() + kept};
  }
  // The rename lasts through a power cut once the folder is synced; not every file system can
  // sync a folder, and the file is complete either way, so a failure here is not an error.
  const int folder = ::open(folder_of(target).c_str(), O_RDONLY);
  if (folder >= 0) {
    (void)::fsync(folder);
    ::close(folder);
  }
  return ok_status();
}

}  // namespace circulant
