#pragma once

#include <QByteArray>

namespace HttpDate {

// The current time as an HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 5.6.7), which
// an origin server with a clock must send. Formatted once a second per thread.
QByteArray now();

} // namespace HttpDate
