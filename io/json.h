/** \file
io/json.h — a small JSON reader and writer, enough for safetensors headers.

\verbatim
A checkpoint's header is a JSON object (see io/safetensors.h), and a file may come from
anywhere, so the reader trusts nothing: it reports the byte offset of the first problem,
rejects duplicate object keys and invalid UTF-8, and refuses to nest deeper than
kMaxDepth (a header of a million '[' must not overflow the stack).

What this is not: a general-purpose JSON library. Objects keep their keys in file order in a
plain vector (headers hold hundreds of keys, not millions), and numbers keep their literal
text, so an integer such as a byte offset of 2^53 + 1 is read back exactly instead of being
rounded through a double.
\endverbatim
*/
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace ag::io::json {

/// Thrown by parse() on malformed text. what() is "json: at byte <offset>: <problem>".
class JsonError : public Error {
public:
    /// A problem found at byte `offset` of the text.
    JsonError(size_t offset, const std::string& problem);
    /// The byte offset of the problem in the parsed text.
    size_t offset() const { return offset_; }
    /// The problem alone, without the "json: at byte <offset>: " prefix.
    const std::string& problem() const { return problem_; }

private:
    size_t offset_;
    std::string problem_;
};

/// The deepest nesting of arrays and objects parse() accepts.
inline constexpr int kMaxDepth = 64;

/// One JSON value: null, a boolean, a number, a string, an array or an object.
class Value {
public:
    /// The six kinds of JSON value.
    enum class Kind { Null, Bool, Number, String, Array, Object };
    /// An object's members, in the order they were added or appeared in the text.
    using Members = std::vector<std::pair<std::string, Value>>;

    /// null.
    Value() = default;
    /// true or false.
    static Value boolean(bool value);
    /// An integer number.
    static Value number(int64_t value);
    /// A string (UTF-8).
    static Value string(std::string value);
    /// An empty array; add elements with push_back().
    static Value array();
    /// An empty object; add members with set().
    static Value object();
    /// A number from its literal text, e.g. "-1.5e3". The text must already be valid JSON
    /// number syntax (parse() checks it).
    static Value number_literal(std::string text);

    /// Which of the six kinds this value is.
    Kind kind() const { return kind_; }
    ///@{
    /// Whether this value is of that kind.
    bool is_null() const { return kind_ == Kind::Null; }
    bool is_bool() const { return kind_ == Kind::Bool; }
    bool is_number() const { return kind_ == Kind::Number; }
    bool is_string() const { return kind_ == Kind::String; }
    bool is_array() const { return kind_ == Kind::Array; }
    bool is_object() const { return kind_ == Kind::Object; }
    ///@}

    /// The boolean. Throws ValueError if this is not a boolean.
    bool as_bool() const;
    /// The string. Throws ValueError if this is not a string.
    const std::string& as_string() const;
    /// The elements. Throws ValueError if this is not an array.
    const std::vector<Value>& as_array() const;
    /// The members, in order. Throws ValueError if this is not an object.
    const Members& as_object() const;
    /// The number as a double. Throws ValueError if this is not a number.
    double as_double() const;
    /// The number as an int64 if it is written as an integer (no fraction, no exponent) and
    /// fits; std::nullopt otherwise (also for non-numbers). "12" -> 12; "1.0", "1e2" -> nullopt.
    std::optional<int64_t> as_int64() const;
    /// The literal text of a number, as written.
    const std::string& number_text() const { return text_; }

    /// The member called `key` of an object, or nullptr (also for non-objects).
    const Value* find(std::string_view key) const;
    /// Appends `element` to an array. Throws ValueError if this is not an array.
    void push_back(Value element);
    /// Appends the member `key` to an object (no check for duplicates; the writer trusts its
    /// caller). Throws ValueError if this is not an object.
    void set(std::string key, Value value);

private:
    Kind kind_ = Kind::Null;
    bool bool_ = false;
    std::string text_;  // a string's value, or a number's literal text
    std::vector<Value> elements_;
    Members members_;
};

/// Parses `text` as one JSON value, optionally surrounded by whitespace.
/// Throws JsonError naming the byte offset of the first problem, e.g.
/// "json: at byte 17: expected ':' after an object key".
Value parse(std::string_view text);

/// `value` as compact JSON text (no spaces or newlines), members in their stored order.
/// Throws ValueError if a string is not valid UTF-8.
std::string write(const Value& value);

/// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
/// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace ag::io::json
