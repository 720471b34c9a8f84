/** \file
io/file.h — files written so that nothing else is touched and nothing is lost, and read so
that nothing blocks.

\verbatim
Three promises, each kept by the operating system rather than by hope:
  - A save never writes through a link and never replaces anything but a regular file. The
    new contents go to a temporary file of a unique name beside the target, created
    exclusively (O_CREAT | O_EXCL | O_NOFOLLOW: never an existing file, never through a
    symlink), flushed to disk, and renamed over the target: a crash at any point leaves the
    old file or the new one, never half of one, and two writers never share a temporary.
  - A read opens regular files only: a named pipe, a device or a folder is refused by name
    instead of blocking or being read as data.
  - A DirectoryLock gives one process at a time a folder (a run's --out). It is an flock(2)
    lock, which the kernel drops when its holder dies, so a run killed by SIGKILL never
    blocks its own resume.

POSIX (Linux, macOS, WSL). Depends on core alone, for ag::Error.
\endverbatim
*/
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ag::io {

/// A file that cannot be written, read or locked. The message names the function, the path
/// and the problem, e.g. "write_file_atomically: out/model.safetensors: is a symbolic link
/// (refusing to write through it)".
class FileError : public Error {
public:
    using Error::Error;
};

/// A run of bytes to write.
struct Bytes {
    const void* data;  ///< the first byte
    size_t size;       ///< how many
};

/// Replaces `path` with the concatenation of `pieces`, atomically (see the description of
/// io/file.h). `path` must not exist or be a regular file; its folder must exist. Throws FileError
/// when `path` is a symbolic link, a named pipe, a device, a socket or a folder, or on any I/O
/// error (with strerror); the temporary file is then removed and `path` is left as it was. After
/// the rename, temporaries that earlier saves of `path` left when their process was killed are
/// removed (never a live writer's). Messages start with `caller`.
void write_file_atomically(const std::string& path, const std::vector<Bytes>& pieces,
                           std::string_view caller = "write_file_atomically");

/// What `path` is, in words, if it exists and is not a regular file ("a symbolic link", "a
/// named pipe", "a folder", ...); empty if it is a regular file or does not exist.
std::string describe_if_not_regular(const std::string& path);

/// Throws FileError, prefixed by `function`, unless `path` is a regular file or does not
/// exist (the check a save makes, for callers that want it before any work).
void require_regular_or_absent(std::string_view function, const std::string& path);

/// Closes a FILE* on destruction.
struct FileCloser {
    /// fclose(file).
    void operator()(std::FILE* file) const { std::fclose(file); }
};
/// An open file, closed when the handle goes away.
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/// An opened regular file and its size when it was opened.
struct OpenFile {
    FilePtr file;       ///< open for reading, at the start
    uint64_t size = 0;  ///< in bytes, when it was opened
};

/// Opens `path` for reading, refusing anything but a regular file (following symbolic links,
/// since reading through one harms nothing). Never blocks, even on a named pipe.
/// Throws FileError naming the path: it cannot be opened (with strerror), or is not a regular
/// file ("is a named pipe, not a regular file"). Messages start with `caller`.
OpenFile open_regular_file(const std::string& path, std::string_view caller = "open_regular_file");

/// The whole contents of the regular file `path`, opened as open_regular_file opens it.
/// Throws FileError naming the path if it cannot be opened or read, or is not a regular file.
/// Messages start with `caller`.
std::string read_file(const std::string& path, std::string_view caller = "read_file");

/// An exclusive lock on a folder, held for the lifetime of the object: the folder a run
/// writes its checkpoints and pictures into. The lock is an flock(2) on `<folder>/.lock`,
/// which holds the holder's process id for the message another run gets.
class DirectoryLock {
public:
    /// Creates `folder` (and its parents) if missing, then locks it.
    /// Throws FileError if `folder` is empty, exists but is not a folder, cannot be created,
    /// or is locked by another process ("out: in use by another run (process 1234)").
    explicit DirectoryLock(const std::string& folder);
    /// Releases the lock.
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

    /// The folder this lock holds.
    const std::string& folder() const { return folder_; }

private:
    std::string folder_;
    int fd_ = -1;
};

}  // namespace ag::io
