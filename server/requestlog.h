#pragma once

#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QString>

#include <vector>

struct RequestLogEntry
{
    quint64 seq = 0; // increases by one per request, never reused
    qint64 timeMs = 0; // when it was answered, ms since the epoch
    QString method;
    QString target; // path and query
    int status = 0;
    qint64 latencyUs = 0;
    QString bodyPreview; // the first Limits::requestLogPreviewBytes of the body, UTF-8-safe
    QString answerPreview; // the same of the answer's body
    // A 4xx or 5xx answer's {"error":{"code","message"}}; empty for others.
    QString errorCode;
    QString errorMessage;

    bool isError() const { return status >= 400; }
};
Q_DECLARE_METATYPE(RequestLogEntry)

// The newest requests for the dashboard: written on the HTTP thread, polled from the GUI
// thread a few times per second with since(lastSeenSeq).
class RequestLog
{
public:
    // A request as the HTTP thread hands it over. It stays bytes until the dashboard reads it:
    // most entries are overwritten unread at high rates, and turning three fields into text
    // is work the HTTP thread need not do.
    struct Record
    {
        qint64 timeMs = 0; // when it was answered, ms since the epoch
        QByteArray method;
        QByteArray target; // path and query, visible ASCII (the framer lets nothing else through)
        int status = 0;
        qint64 latencyUs = 0;
        QByteArray body; // the log keeps only what the preview needs
        // The answer's body: shared, not copied, unless it is longer than the log keeps (the
        // preview's bytes; an error answer's up to Limits::requestLogErrorBytes, for its message).
        QByteArray answer;
    };

    RequestLog();

    quint64 append(Record record); // returns the entry's seq
    QList<RequestLogEntry> since(quint64 seq) const; // entries after seq, oldest first
    quint64 lastSeq() const;

    static QString bodyPreview(const QByteArray& body);
    // A new slot's worth of `bytes`: shared when short enough, else the first `limit` + 1 bytes
    // (one more: bodyPreview() looks at it to cut at a character boundary).
    static QByteArray capped(const QByteArray& bytes, qsizetype limit);

private:
    struct Slot
    {
        quint64 seq = 0;
        Record record;
    };

    mutable QMutex m_mutex;
    std::vector<Slot> m_ring; // guarded by m_mutex
    quint64 m_lastSeq = 0; // guarded by m_mutex
};
