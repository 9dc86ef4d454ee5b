#pragma once

#include <QByteArray>
#include <QByteArrayView>

// The server's side of RESP (the Redis serialization protocol), the only part Faktory uses:
// simple strings, errors and bulk strings. Written by hand: three one-line encodings.
namespace Resp {

QByteArray simple(QByteArrayView text); // "+text\r\n"; text must hold no CR or LF
QByteArray error(QByteArrayView text); // "-ERR text\r\n"; CR and LF become spaces
QByteArray bulk(QByteArrayView data); // "$len\r\ndata\r\n"
QByteArray nullBulk(); // "$-1\r\n"
inline QByteArray ok()
{
    return simple("OK");
}

} // namespace Resp
