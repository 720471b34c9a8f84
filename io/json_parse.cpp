// io/json_parse.cpp — the JSON reader: a recursive-descent parser, one function per grammar
// rule, and the UTF-8 checks it needs. The grammar is RFC 8259's:
//
//     value  = object | array | string | number | "true" | "false" | "null"
//     object = '{' [ string ':' value { ',' string ':' value } ] '}'
//     array  = '[' [ value { ',' value } ] ']'
//     number = [ '-' ] ( '0' | digit1-9 { digit } ) [ '.' digit { digit } ]
//              [ ( 'e' | 'E' ) [ '+' | '-' ] digit { digit } ]
#include <charconv>
#include <cstdio>
#include <unordered_set>

#include "io/json.h"

namespace ag::io::json {

JsonError::JsonError(size_t offset, const std::string& problem)
    : Error("json: at byte " + std::to_string(offset) + ": " + problem),
      offset_(offset),
      problem_(problem) {}

// ---- UTF-8 ----------------------------------------------------------------------------------

namespace {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at text[i], or 0 if the
// bytes there are not one. A code point of n bytes carries 7, 11, 16 or 21 bits: the lead byte
// says how many continuation bytes (10xxxxxx) follow.
size_t utf8_sequence_length(std::string_view text, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    size_t length = 0;
    uint32_t code_point = 0;
    uint32_t smallest = 0;  // anything below needs fewer bytes: an "overlong" form, rejected
    if ((lead & 0xE0) == 0xC0) {
        length = 2, code_point = lead & 0x1Fu, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, code_point = lead & 0x0Fu, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, code_point = lead & 0x07u, smallest = 0x10000;
    } else {
        return 0;  // a stray continuation byte, or 0xF8..0xFF
    }
    if (i + length > text.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte(i + k) & 0x3Fu);
    }
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (code_point < smallest || code_point > 0x10FFFF || surrogate) return 0;
    return length;
}

// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF) to `out`.
void append_utf8(uint32_t code_point, std::string& out) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_sequence_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

// ---- the parser -----------------------------------------------------------------------------

namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Value parse_document() {
        skip_whitespace();
        Value value = parse_value(0);
        skip_whitespace();
        if (pos_ != text_.size()) fail("unexpected " + describe_next() + " after the JSON value");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& problem) const { throw JsonError(pos_, problem); }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    // "end of text", "'x'" or "byte 0x07", for error messages.
    std::string describe_next() const {
        if (at_end()) return "end of text";
        const auto c = static_cast<unsigned char>(peek());
        if (c >= 0x20 && c < 0x7F) return std::string("'") + peek() + "'";
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        return std::string("byte ") + hex;
    }

    void skip_whitespace() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            ++pos_;
        }
    }

    void expect(char c, const char* where) {
        if (at_end() || peek() != c) {
            fail(std::string("expected '") + c + "' " + where + ", found " + describe_next());
        }
        ++pos_;
    }

    Value parse_value(int depth) {
        if (at_end()) fail("unexpected end of text, expected a value");
        switch (peek()) {
            case '{':
                return parse_object(depth + 1);
            case '[':
                return parse_array(depth + 1);
            case '"':
                return Value::string(parse_string());
            case 't':
                return parse_word("true", Value::boolean(true));
            case 'f':
                return parse_word("false", Value::boolean(false));
            case 'n':
                return parse_word("null", Value());
            default:
                if (peek() == '-' || is_digit(peek())) return parse_number();
                fail("unexpected " + describe_next() + ", expected a value");
        }
    }

    Value parse_word(std::string_view word, Value value) {
        if (text_.substr(pos_, word.size()) != word) fail("unexpected " + describe_next());
        pos_ += word.size();
        return value;
    }

    void check_depth(int depth) const {
        if (depth > kMaxDepth) {
            fail("arrays and objects nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
    }

    Value parse_object(int depth) {
        check_depth(depth);
        ++pos_;  // '{'
        Value object = Value::object();
        std::unordered_set<std::string> keys;  // a hash set: a huge object must not cost n^2
        skip_whitespace();
        if (!at_end() && peek() == '}') return ++pos_, object;
        while (true) {
            skip_whitespace();
            if (at_end() || peek() != '"') {
                fail("expected a string key in an object, found " + describe_next());
            }
            const size_t key_offset = pos_;
            std::string key = parse_string();
            if (!keys.insert(key).second)
                throw JsonError(key_offset, "duplicate key '" + key + "'");
            skip_whitespace();
            expect(':', "after an object key");
            skip_whitespace();
            object.set(std::move(key), parse_value(depth));
            skip_whitespace();
            if (!at_end() && peek() == ',') {
                ++pos_;
                continue;
            }
            expect('}', "or ',' in an object");
            return object;
        }
    }

    Value parse_array(int depth) {
        check_depth(depth);
        ++pos_;  // '['
        Value array = Value::array();
        skip_whitespace();
        if (!at_end() && peek() == ']') return ++pos_, array;
        while (true) {
            skip_whitespace();
            array.push_back(parse_value(depth));
            skip_whitespace();
            if (!at_end() && peek() == ',') {
                ++pos_;
                continue;
            }
            expect(']', "or ',' in an array");
            return array;
        }
    }

    // The four hex digits of a \uXXXX escape (pos_ is just past the 'u').
    uint32_t parse_hex4() {
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            if (at_end()) fail("unterminated \\u escape");
            const char c = peek();
            const int digit = is_digit(c)              ? c - '0'
                              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                       : -1;
            if (digit < 0) fail("expected a hex digit in a \\u escape, found " + describe_next());
            value = value * 16 + static_cast<uint32_t>(digit);
        }
        return value;
    }

    // A \uXXXX escape; characters outside the Basic Multilingual Plane come as a UTF-16
    // surrogate pair, "\uD83D\uDE00" for U+1F600.
    void parse_unicode_escape(std::string& out) {
        uint32_t code_point = parse_hex4();
        if (code_point >= 0xDC00 && code_point <= 0xDFFF) fail("lone low surrogate in \\u escape");
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail("high surrogate not followed by a \\u escape");
            pos_ += 2;
            const uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("high surrogate not followed by a low one");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(code_point, out);
    }

    std::string parse_string() {
        ++pos_;  // the opening '"'
        std::string out;
        while (true) {
            if (at_end()) fail("unterminated string");
            const char c = peek();
            if (c == '"') return ++pos_, out;
            if (c == '\\') {
                ++pos_;
                if (at_end()) fail("unterminated string");
                const char escaped = text_[pos_++];
                switch (escaped) {
                    case '"':
                        out += '"';
                        break;
                    case '\\':
                        out += '\\';
                        break;
                    case '/':
                        out += '/';
                        break;
                    case 'b':
                        out += '\b';
                        break;
                    case 'f':
                        out += '\f';
                        break;
                    case 'n':
                        out += '\n';
                        break;
                    case 'r':
                        out += '\r';
                        break;
                    case 't':
                        out += '\t';
                        break;
                    case 'u':
                        parse_unicode_escape(out);
                        break;
                    default:
                        --pos_;
                        fail("unknown escape \\" + describe_next());
                }
            } else if (static_cast<unsigned char>(c) < 0x20) {
                fail("unescaped control character " + describe_next() + " in a string");
            } else {
                const size_t length = utf8_sequence_length(text_, pos_);
                if (length == 0) fail("invalid UTF-8 in a string");
                out.append(text_.substr(pos_, length));
                pos_ += length;
            }
        }
    }

    Value parse_number() {
        const size_t start = pos_;
        const auto digits = [&] {
            if (at_end() || !is_digit(peek())) fail("expected a digit, found " + describe_next());
            while (!at_end() && is_digit(peek())) ++pos_;
        };
        if (peek() == '-') ++pos_;
        if (!at_end() && peek() == '0') {
            ++pos_;  // a leading zero stands alone: "01" is not JSON
        } else {
            digits();
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            digits();
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            digits();
        }
        return Value::number_literal(std::string(text_.substr(start, pos_ - start)));
    }

    std::string_view text_;
    size_t pos_ = 0;
};

}  // namespace

Value parse(std::string_view text) { return Parser(text).parse_document(); }

}  // namespace ag::io::json
