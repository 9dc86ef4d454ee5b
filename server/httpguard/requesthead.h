#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>
#include <QVarLengthArray>

// One complete, validated request head, as RequestFramer parsed it. GuardedSocket keeps it per
// unanswered request, so that the answer is framed for it (HEAD, keep-alive).
struct RequestHead
{
    QByteArray method;
    QByteArray target;
    int versionMinor = 1; // HTTP/1.x
    bool keepAlive = true; // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
    bool isHead = false;
    qint64 contentLength = 0;
    bool expectContinue = false; // cleared once "100 Continue" has been sent

    // Every header field in the order it came, Host and Origin included: name as spelled, value
    // without surrounding blanks. Names and values are spans of one buffer, which the framer
    // fills with one copy per request; a QByteArray for each was 7 of a POST's allocations.
    struct Field
    {
        qsizetype nameAt = 0;
        qsizetype nameSize = 0;
        qsizetype valueAt = 0;
        qsizetype valueSize = 0;
    };
    QByteArray fieldBytes;
    QVarLengthArray<Field, 8> fields; // what clients usually send fits without an allocation

    QByteArrayView name(const Field& field) const
    {
        return QByteArrayView(fieldBytes).sliced(field.nameAt, field.nameSize);
    }
    QByteArrayView value(const Field& field) const
    {
        return QByteArrayView(fieldBytes).sliced(field.valueAt, field.valueSize);
    }
    // The value of the field called `wanted` (in any case); empty if none. A name that comes
    // more than once has its values joined by ", " into `*joined`, which the view then shows.
    QByteArrayView header(QByteArrayView wanted, QByteArray* joined) const;
};
