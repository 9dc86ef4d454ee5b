#include "requesthead.h"

#include "asciicase.h"

QByteArrayView RequestHead::header(QByteArrayView wanted, QByteArray* joined) const
{
    QByteArrayView first;
    bool found = false;
    bool repeated = false;
    for (const Field& field : fields) {
        if (!AsciiCase::equal(name(field), wanted))
            continue;
        if (!found) {
            first = value(field);
            found = true;
            continue;
        }
        if (!repeated) {
            *joined = first.toByteArray();
            repeated = true;
        }
        *joined += ", ";
        *joined += value(field);
    }
    return repeated ? QByteArrayView(*joined) : first;
}
