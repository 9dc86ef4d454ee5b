#include "respanswer.h"

namespace Resp {

QByteArray simple(QByteArrayView text)
{
    QByteArray out;
    out.reserve(text.size() + 3);
    out += '+';
    out += text;
    out += "\r\n";
    return out;
}

QByteArray error(QByteArrayView text)
{
    QByteArray out = "-ERR ";
    out += text;
    for (qsizetype i = 5; i < out.size(); ++i) {
        if (out[i] == '\r' || out[i] == '\n')
            out[i] = ' ';
    }
    out += "\r\n";
    return out;
}

QByteArray bulk(QByteArrayView data)
{
    QByteArray out;
    out.reserve(data.size() + 16);
    out += '$';
    out += QByteArray::number(data.size());
    out += "\r\n";
    out += data;
    out += "\r\n";
    return out;
}

QByteArray nullBulk()
{
    return QByteArrayLiteral("$-1\r\n");
}

} // namespace Resp
