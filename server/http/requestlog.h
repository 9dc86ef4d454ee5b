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
};
Q_DECLARE_METATYPE(RequestLogEntry)

// The newest requests for the dashboard: written on the HTTP thread, polled from the GUI
// thread a few times per second with since(lastSeenSeq).
class RequestLog
{
public:
    RequestLog();

    quint64 append(RequestLogEntry entry); // sets and returns entry.seq
    QList<RequestLogEntry> since(quint64 seq) const; // entries after seq, oldest first
    quint64 lastSeq() const;

    static QString bodyPreview(const QByteArray& body);

private:
    mutable QMutex m_mutex;
    std::vector<RequestLogEntry> m_ring; // guarded by m_mutex
    quint64 m_lastSeq = 0; // guarded by m_mutex
};
