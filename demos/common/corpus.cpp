// demos/common/corpus.cpp — reading and splitting a corpus (corpus.h).
#include "demos/common/corpus.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "io/file.h"

namespace demo {
namespace {

// The three fortune files whose text the docs should not print.
bool left_out(const std::string& name) {
    return name == "ethnic" || name == "men-women" || name == "ascii-art";
}

// The lines of `text`, each without its newline.
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace

size_t Corpus::bytes(bool held_out_part) const {
    size_t total = 0;
    for (const Document& d : held_out_part ? held_out : train) total += d.text.size();
    return total;
}

std::string joined_text(const std::vector<Document>& documents) {
    std::string text;
    for (const Document& d : documents) text += d.text + "\n";
    return text;
}

std::vector<std::string> split_documents(const std::string& text) {
    const std::vector<std::string> lines = lines_of(text);
    const bool fortunes = std::find(lines.begin(), lines.end(), "%") != lines.end();
    std::vector<std::string> documents;
    std::string current;
    const auto finish = [&] {
        if (!current.empty() && current.back() == '\n') current.pop_back();
        if (!current.empty()) documents.push_back(current);
        current.clear();
    };
    for (const std::string& line : lines) {
        if (fortunes ? line == "%" : line.empty()) {
            finish();
        } else {
            current += line + "\n";
        }
    }
    finish();
    return documents;
}

Corpus read_corpus(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) {
        throw ag::io::FileError("read_corpus: " + path + ": does not exist" +
                                (path == kFortunesFolder
                                     ? " (install Debian's fortunes package, or give --data)"
                                     : ""));
    }
    Corpus corpus;
    if (fs::is_directory(status)) {
        fs::directory_iterator entries(path, error);
        if (error) throw ag::io::FileError("read_corpus: " + path + ": " + error.message());
        for (const fs::directory_entry& entry : entries) {
            const std::string name = entry.path().filename().string();
            if (name.ends_with(".dat") || name.ends_with(".u8") || left_out(name)) continue;
            if (!fs::is_regular_file(fs::symlink_status(entry.path()))) continue;
            corpus.files.push_back(entry.path().string());
        }
        std::sort(corpus.files.begin(), corpus.files.end());
    } else {
        corpus.files.push_back(path);  // read_file refuses anything but a regular file
    }
    size_t index = 0;
    for (const std::string& file : corpus.files) {
        const std::string topic = fs::path(file).filename().string();
        for (std::string& text : split_documents(ag::io::read_file(file, "read_corpus"))) {
            ++index;
            (index % 10 == 0 ? corpus.held_out : corpus.train).push_back({std::move(text), topic});
        }
    }
    if (index < 10) {
        throw ag::ValueError("read_corpus: " + path + ": " + std::to_string(index) +
                             " documents; at least 10 are needed to hold every 10th out");
    }
    return corpus;
}

}  // namespace demo
