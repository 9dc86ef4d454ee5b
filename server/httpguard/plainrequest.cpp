#include "plainrequest.h"

#include "asciicase.h"
#include "wire/bytewriter.h"

QByteArray plainRequestHead(const RequestHead& head, qsizetype bodySize)
{
    QByteArray out;
    out.reserve(head.method.size() + head.target.size() + head.fieldBytes.size() + 4 * head.fields.size() + 64);
    {
        ByteWriter writer(out); // a QByteArray's += is an out-of-line insert() per piece in Qt 6.4
        writer.put(head.method);
        writer.put(' ');
        writer.put(head.target);
        writer.put(" HTTP/1.1\r\n");
        for (const RequestHead::Field& field : head.fields) {
            const QByteArrayView name = head.name(field);
            if (AsciiCase::equal(name, "connection") || AsciiCase::equal(name, "keep-alive")
                || AsciiCase::equal(name, "expect") || AsciiCase::equal(name, "content-length"))
                continue;
            writer.put(name);
            writer.put(": ");
            writer.put(head.value(field));
            writer.put("\r\n");
        }
        if (bodySize > 0) {
            writer.put("Content-Length: ");
            writer.putDecimal(bodySize);
            writer.put("\r\n");
        }
        writer.put("\r\n");
    } // the writer cuts `out` to what it wrote
    return out;
}
