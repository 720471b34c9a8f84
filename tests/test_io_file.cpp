// tests/test_io_file.cpp — atomic writes, regular-file reads and folder locks (io/file.h).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "file_helpers.h"
#include "io/file.h"

using namespace ag::io;
using namespace test;

namespace {

// The message of the FileError that `action` throws.
template <typename Action>
std::string file_error(Action&& action) {
    try {
        action();
    } catch (const FileError& e) {
        return e.what();
    }
    FAIL("expected a FileError");
    return "";
}

}  // namespace

TEST_CASE("a second lock on a folder is refused, naming the holder's process id", "[io][file]") {
    TempDir dir;
    const std::string folder = dir.file("out");
    {
        const DirectoryLock first(folder);  // creates the folder
        REQUIRE(fs::is_directory(folder));
        CHECK_THAT(file_error([&] { DirectoryLock second(folder); }),
                   Contains("DirectoryLock: " + folder + ": in use by another run (process " +
                            std::to_string(getpid()) + ")"));
    }
    const DirectoryLock again(folder);  // released with the first
}

TEST_CASE("a lock dies with its holder, even by SIGKILL", "[io][file]") {
    TempDir dir;
    const std::string folder = dir.file("out");
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the holder: lock, say so, wait to be killed
        const DirectoryLock lock(folder);
        const char byte = 1;
        (void)!write(ready[1], &byte, 1);
        pause();
        _exit(0);
    }
    char byte = 0;
    REQUIRE(read(ready[0], &byte, 1) == 1);
    CHECK_THAT(file_error([&] { DirectoryLock second(folder); }),
               Contains("(process " + std::to_string(child) + ")"));
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    const DirectoryLock after(folder);  // no stale lock to clear by hand
    close(ready[0]);
    close(ready[1]);
}

TEST_CASE("a lock refuses what is not a folder", "[io][file]") {
    TempDir dir;
    const std::string file = dir.file("afile.txt");
    write_bytes(file, "x");
    CHECK_THAT(file_error([&] { DirectoryLock lock(file); }),
               Contains("exists and is not a folder"));
    CHECK_THAT(file_error([&] { DirectoryLock lock(""); }), Contains("empty folder name"));
    CHECK_THAT(file_error([&] { DirectoryLock lock(file + "/below"); }),
               Contains("cannot create the folder"));
}

TEST_CASE("concurrent atomic writes of one file never leave a torn file", "[io][file]") {
    TempDir dir;
    const std::string path = dir.file("shared.bin");
    // Each writer writes 64 KiB of its own byte; a reader must only ever see one whole file.
    const auto writer = [&](char fill) {
        const std::string bytes(1 << 16, fill);
        for (int i = 0; i < 40; ++i) write_file_atomically(path, {{bytes.data(), bytes.size()}});
    };
    std::atomic<int> writing{2};
    const auto write_then_finish = [&](char fill) {
        writer(fill);
        --writing;
    };
    std::thread a(write_then_finish, 'a'), b(write_then_finish, 'b');
    int torn = 0, reads = 0;
    while (writing > 0) {  // read for as long as anyone writes
        const std::string seen = read_bytes(path);
        if (seen.empty()) continue;  // not written yet
        ++reads;
        torn += seen.size() != (1u << 16) || seen.find_first_not_of(seen[0]) != std::string::npos;
    }
    a.join();
    b.join();
    CHECK(reads > 0);
    CHECK(torn == 0);
    int entries = 0;  // no temporary left behind
    for (const auto& entry : fs::directory_iterator(dir.root)) entries += !entry.path().empty();
    CHECK(entries == 1);
}

TEST_CASE("open_regular_file opens regular files and links to them only", "[io][file]") {
    TempDir dir;
    const std::string file = dir.file("data.bin");
    write_bytes(file, "12345");
    const std::string link = dir.file("link.bin");
    fs::create_symlink(file, link);
    REQUIRE(open_regular_file(link).size == 5);  // reading through a link harms nothing
    const std::string pipe = dir.file("pipe");
    REQUIRE(mkfifo(pipe.c_str(), 0600) == 0);
    CHECK_THAT(file_error([&] { open_regular_file(pipe); }),  // returns at once
               Contains("open_regular_file: " + pipe + ": is a named pipe, not a regular file"));
    CHECK_THAT(file_error([&] { open_regular_file(dir.file("absent")); }),
               Contains("cannot open: No such file or directory"));
}
