// io/json.cpp — JSON values and the writer (the reader is io/json_parse.cpp).
#include "io/json.h"

#include <charconv>
#include <cstdio>

namespace ag::io::json {

// ---- Value ----------------------------------------------------------------------------------

namespace {

const char* kind_name(Value::Kind kind) {
    switch (kind) {
        case Value::Kind::Null:
            return "null";
        case Value::Kind::Bool:
            return "a boolean";
        case Value::Kind::Number:
            return "a number";
        case Value::Kind::String:
            return "a string";
        case Value::Kind::Array:
            return "an array";
        case Value::Kind::Object:
            return "an object";
    }
    return "?";
}

void require_kind(const Value& value, Value::Kind expected) {
    if (value.kind() != expected) {
        throw ValueError(std::string("json: expected ") + kind_name(expected) + ", found " +
                         kind_name(value.kind()));
    }
}

}  // namespace

Value Value::boolean(bool value) {
    Value v;
    v.kind_ = Kind::Bool;
    v.bool_ = value;
    return v;
}

Value Value::number(int64_t value) { return number_literal(std::to_string(value)); }

Value Value::number_literal(std::string text) {
    Value v;
    v.kind_ = Kind::Number;
    v.text_ = std::move(text);
    return v;
}

Value Value::string(std::string value) {
    Value v;
    v.kind_ = Kind::String;
    v.text_ = std::move(value);
    return v;
}

Value Value::array() {
    Value v;
    v.kind_ = Kind::Array;
    return v;
}

Value Value::object() {
    Value v;
    v.kind_ = Kind::Object;
    return v;
}

bool Value::as_bool() const { return require_kind(*this, Kind::Bool), bool_; }
const std::string& Value::as_string() const { return require_kind(*this, Kind::String), text_; }
const std::vector<Value>& Value::as_array() const {
    return require_kind(*this, Kind::Array), elements_;
}
const Value::Members& Value::as_object() const {
    return require_kind(*this, Kind::Object), members_;
}

double Value::as_double() const {
    require_kind(*this, Kind::Number);
    double result = 0;
    std::from_chars(text_.data(), text_.data() + text_.size(), result);
    return result;
}

std::optional<int64_t> Value::as_int64() const {
    if (kind_ != Kind::Number || text_.find_first_of(".eE") != std::string::npos) {
        return std::nullopt;
    }
    int64_t result = 0;
    const char* end = text_.data() + text_.size();
    const auto [stop, error] = std::from_chars(text_.data(), end, result);
    if (error != std::errc() || stop != end) return std::nullopt;  // out of int64's range
    return result;
}

const Value* Value::find(std::string_view key) const {
    if (kind_ != Kind::Object) return nullptr;
    for (const auto& [name, value] : members_) {
        if (name == key) return &value;
    }
    return nullptr;
}

void Value::push_back(Value element) {
    require_kind(*this, Kind::Array);
    elements_.push_back(std::move(element));
}

void Value::set(std::string key, Value value) {
    require_kind(*this, Kind::Object);
    members_.emplace_back(std::move(key), std::move(value));
}

// ---- the writer -----------------------------------------------------------------------------

namespace {

void write_string(const std::string& text, std::string& out) {
    if (!is_valid_utf8(text)) throw ValueError("json::write: a string is not valid UTF-8");
    out += '"';
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escape[8];
                    std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
                    out += escape;
                } else {
                    out += c;  // including the bytes of multi-byte UTF-8 sequences, as they are
                }
        }
    }
    out += '"';
}

void write_value(const Value& value, std::string& out) {
    switch (value.kind()) {
        case Value::Kind::Null:
            out += "null";
            break;
        case Value::Kind::Bool:
            out += value.as_bool() ? "true" : "false";
            break;
        case Value::Kind::Number:
            out += value.number_text();
            break;
        case Value::Kind::String:
            write_string(value.as_string(), out);
            break;
        case Value::Kind::Array: {
            out += '[';
            const char* separator = "";
            for (const Value& element : value.as_array()) {
                out += separator;
                write_value(element, out);
                separator = ",";
            }
            out += ']';
            break;
        }
        case Value::Kind::Object: {
            out += '{';
            const char* separator = "";
            for (const auto& [key, member] : value.as_object()) {
                out += separator;
                write_string(key, out);
                out += ':';
                write_value(member, out);
                separator = ",";
            }
            out += '}';
            break;
        }
    }
}

}  // namespace

std::string write(const Value& value) {
    std::string out;
    write_value(value, out);
    return out;
}

}  // namespace ag::io::json
