/** \file
core/error.h — the exceptions attograd throws.

\verbatim
Every error names the function that rejected its input and the offending shapes or values,
e.g. "matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ". Catch ag::Error to catch them
all; the subclasses let a caller (or a test) tell the kinds apart.
\endverbatim
*/
#pragma once

#include <stdexcept>
#include <string>

namespace ag {

/// Base of every exception attograd throws on bad input or misuse. The message starts with the
/// name of the function that rejected the input.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Shapes that do not fit together: mismatched dimensions, wrong rank, non-broadcastable.
class ShapeError : public Error {
public:
    using Error::Error;
};

/// An index (element, dimension, token id) outside the range it must lie in.
class IndexError : public Error {
public:
    using Error::Error;
};

/// A value outside its domain: a negative size, a probability above 1, a bad argument.
class ValueError : public Error {
public:
    using Error::Error;
};

/// Memory that cannot be had: the message names the function and the size asked for.
class MemoryError : public Error {
public:
    using Error::Error;
};

}  // namespace ag
