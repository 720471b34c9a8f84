// io/file.cpp — atomic writes, non-blocking reads of regular files, and folder locks (POSIX).
#include "io/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ag::io {

namespace {

[[noreturn]] void fail(std::string_view function, const std::string& path,
                       const std::string& what) {
    throw FileError(std::string(function) + ": " + path + ": " + what);
}

std::string errno_text(int error) { return std::strerror(error); }

const char* kind_of(mode_t mode) {
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISFIFO(mode)) return "a named pipe";
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Closes a file descriptor on scope exit.
struct Descriptor {
    int fd = -1;
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

bool write_all(int fd, const void* data, size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd, bytes, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (written == 0) {  // no progress and no error: give up rather than spin
            errno = EIO;
            return false;
        }
        bytes += written;
        size -= static_cast<size_t>(written);
    }
    return true;
}

std::string folder_of(const std::string& path) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    return folder.empty() ? "." : folder;
}

// Forces the folder's entries (the rename) to disk too; best effort, as some file systems
// cannot sync a folder.
void sync_folder(const std::string& folder) {
    Descriptor dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd >= 0) ::fsync(dir.fd);
}

// Removes the temporaries of earlier saves of `path` whose writer has died (killed mid-save):
// "<path>.tmp.<pid>.<n>" with no process <pid>. A live writer's are left alone. Best effort:
// the save itself has succeeded, so nothing here may throw (the iterator is advanced with an
// error_code, and allocation failures are swallowed).
void remove_dead_writers_temporaries(const std::string& path) noexcept {
    try {
        const std::string prefix = std::filesystem::path(path).filename().string() + ".tmp.";
        std::error_code error;
        std::filesystem::directory_iterator entry(folder_of(path), error), end;
        for (; !error && entry != end; entry.increment(error)) {
            const std::string name = entry->path().filename().string();
            if (!name.starts_with(prefix)) continue;
            const std::string rest = name.substr(prefix.size());
            const size_t dot = rest.find('.');
            // A pid of 1 to 9 digits: within pid_t, so kill() never sees 0 or a negative
            // number (which would address a process group, or every process).
            if (dot == 0 || dot == std::string::npos || dot > 9 ||
                rest.find_first_not_of("0123456789.") != std::string::npos) {
                continue;
            }
            const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
            if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
                std::error_code ignored;
                std::filesystem::remove(entry->path(), ignored);
            }
        }
    } catch (...) {  // std::bad_alloc from a name: leave the temporaries for the next save
    }
}

}  // namespace

std::string describe_if_not_regular(const std::string& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) return "";  // absent (or unreadable: open says why)
    return S_ISREG(info.st_mode) ? "" : kind_of(info.st_mode);
}

void require_regular_or_absent(std::string_view function, const std::string& path) {
    const std::string kind = describe_if_not_regular(path);
    if (!kind.empty()) {
        fail(function, path,
             "is " + kind + ", not a regular file (refusing to write through or over it)");
    }
}

void write_file_atomically(const std::string& path, const std::vector<Bytes>& pieces,
                           std::string_view caller) {
    if (path.empty()) fail(caller, "\"\"", "empty path");
    require_regular_or_absent(caller, path);

    // A name no other writer uses: this process's id and a counter, created exclusively.
    static std::atomic<uint64_t> counter{0};
    std::string temp_path;
    Descriptor temp;
    for (int attempt = 0; attempt < 100 && temp.fd < 0; ++attempt) {
        temp_path = path + ".tmp." + std::to_string(::getpid()) + "." +
                    std::to_string(counter.fetch_add(1));
        temp.fd =
            ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (temp.fd < 0 && errno != EEXIST) {
            fail(caller, path, "cannot create " + temp_path + ": " + errno_text(errno));
        }
    }
    if (temp.fd < 0) fail(caller, path, "cannot find a free temporary name beside it");

    const auto give_up = [&](const std::string& what, int error) {
        ::close(temp.fd);
        temp.fd = -1;
        ::unlink(temp_path.c_str());
        fail(caller, path, what + ": " + errno_text(error));
    };
    for (const Bytes& piece : pieces) {
        if (piece.size > 0 && !write_all(temp.fd, piece.data, piece.size)) {
            give_up("cannot write " + temp_path, errno);
        }
    }
    // Data on disk before the rename, so a power cut cannot leave a renamed but empty file.
    if (::fsync(temp.fd) != 0) give_up("cannot flush " + temp_path, errno);
    const int fd = temp.fd;
    temp.fd = -1;
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temp_path.c_str());
        fail(caller, path, "cannot close " + temp_path + ": " + errno_text(error));
    }
    // Checked again just before the rename: something may have appeared at `path` meanwhile.
    const std::string kind = describe_if_not_regular(path);
    if (!kind.empty() || ::rename(temp_path.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp_path.c_str());
        if (!kind.empty()) fail(caller, path, "became " + kind + " during the save");
        fail(caller, path, "cannot rename " + temp_path + " to it: " + errno_text(error));
    }
    sync_folder(folder_of(path));
    remove_dead_writers_temporaries(path);
}

OpenFile open_regular_file(const std::string& path, std::string_view caller) {
    // O_NONBLOCK: opening a named pipe with no writer would otherwise wait forever.
    Descriptor in{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
    if (in.fd < 0) fail(caller, path, "cannot open: " + errno_text(errno));
    struct stat info {};
    if (::fstat(in.fd, &info) != 0) fail(caller, path, "cannot read: " + errno_text(errno));
    if (!S_ISREG(info.st_mode)) {
        fail(caller, path, std::string("is ") + kind_of(info.st_mode) + ", not a regular file");
    }
    const int flags = ::fcntl(in.fd, F_GETFL);  // a regular file: ordinary blocking reads
    if (flags >= 0) ::fcntl(in.fd, F_SETFL, flags & ~O_NONBLOCK);
    OpenFile opened;
    opened.file.reset(::fdopen(in.fd, "rb"));
    if (!opened.file) fail(caller, path, "cannot open: " + errno_text(errno));
    in.fd = -1;  // the FILE owns it now
    opened.size = static_cast<uint64_t>(info.st_size);
    return opened;
}

std::string read_file(const std::string& path, std::string_view caller) {
    const OpenFile opened = open_regular_file(path, caller);
    std::string contents;
    char buffer[1 << 16];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, opened.file.get())) > 0) {
        contents.append(buffer, got);
    }
    if (std::ferror(opened.file.get())) fail(caller, path, "cannot read: " + errno_text(errno));
    return contents;
}

DirectoryLock::DirectoryLock(const std::string& folder) : folder_(folder) {
    constexpr const char* caller = "DirectoryLock";
    if (folder.empty()) fail(caller, "\"\"", "empty folder name");
    std::error_code error;
    if (std::filesystem::exists(folder, error) && !std::filesystem::is_directory(folder, error)) {
        fail(caller, folder, "exists and is not a folder");
    }
    std::filesystem::create_directories(folder, error);
    if (!std::filesystem::is_directory(folder)) {
        fail(caller, folder, "cannot create the folder: " + error.message());
    }
    const std::string lock_path = folder + "/.lock";
    require_regular_or_absent(caller, lock_path);
    fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(caller, lock_path, "cannot open: " + errno_text(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int lock_error = errno;
        char holder[32] = {};
        const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (lock_error != EWOULDBLOCK) {
            fail(caller, lock_path, "cannot lock: " + errno_text(lock_error));
        }
        const std::string pid = got > 0 ? std::string(holder, std::strcspn(holder, "\n")) : "";
        fail(caller, folder,
             "in use by another run" + (pid.empty() ? std::string() : " (process " + pid + ")") +
                 "; wait for it to finish, or choose another folder");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The lock holds without the note; only another run's message loses the process id.
    }
}

DirectoryLock::~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace ag::io
