#include "plainrequest.h"

#include "asciicase.h"

QByteArray plainRequestHead(const RequestHead& head, qsizetype bodySize)
{
    QByteArray out;
    out.reserve(head.method.size() + head.target.size() + head.fieldBytes.size() + 4 * head.fields.size() + 64);
    out += head.method;
    out += ' ';
    out += head.target;
    out += " HTTP/1.1\r\n";
    for (const RequestHead::Field& field : head.fields) {
        const QByteArrayView name = head.name(field);
        if (AsciiCase::equal(name, "connection") || AsciiCase::equal(name, "keep-alive")
            || AsciiCase::equal(name, "expect") || AsciiCase::equal(name, "content-length"))
            continue;
        out += name;
        out += ": ";
        out += head.value(field);
        out += "\r\n";
    }
    if (bodySize > 0) {
        out += "Content-Length: ";
        out += QByteArray::number(bodySize);
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}
