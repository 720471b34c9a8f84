/** \file
io/metadata.h — numbers out of a safetensors file's metadata, read strictly.

\verbatim
Metadata maps strings to strings, and a file is untrusted: "2.5", "1e30", "nan", " 7" or
"7abc" where a step count belongs must be refused by name, never rounded, wrapped or passed
on as undefined behaviour. Each function reads the whole text or nothing (std::from_chars,
no locale, no leading spaces or '+').
\endverbatim
*/
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ag::io {

/// `text` as a whole number in [min, max], or nullopt: "12" -> 12; "1.0", "1e2", "", " 1",
/// "99999999999999999999" -> nullopt.
std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max);

/// `text` as a finite number, or nullopt: "0.25", "-3e-2" -> the value; "nan", "inf", "1e999",
/// "", "1,5" -> nullopt.
std::optional<double> parse_finite(std::string_view text);

/// The metadata value of `key`. Throws CheckpointError "<function>: <path>: metadata '<key>'
/// is missing" if there is none.
const std::string& metadata_text(const std::map<std::string, std::string>& metadata,
                                 const std::string& key, std::string_view function,
                                 const std::string& path);

/// The metadata value of `key` as a whole number in [min, max]. Throws CheckpointError naming
/// the function, the path, the key and the text if it is missing or not such a number.
int64_t metadata_integer(const std::map<std::string, std::string>& metadata, const std::string& key,
                         int64_t min, int64_t max, std::string_view function,
                         const std::string& path);

/// The metadata value of `key` as a whole number in [0, 2^64 - 1], such as a seed. Throws
/// CheckpointError as metadata_integer() does ("-1" is refused, not wrapped).
uint64_t metadata_unsigned(const std::map<std::string, std::string>& metadata,
                           const std::string& key, std::string_view function,
                           const std::string& path);

/// The metadata value of `key` as a finite number. Throws CheckpointError as
/// metadata_integer() does.
double metadata_finite(const std::map<std::string, std::string>& metadata, const std::string& key,
                       std::string_view function, const std::string& path);

/// The metadata value of `key`, "true" or "false". Throws CheckpointError as
/// metadata_integer() does.
bool metadata_bool(const std::map<std::string, std::string>& metadata, const std::string& key,
                   std::string_view function, const std::string& path);

}  // namespace ag::io
