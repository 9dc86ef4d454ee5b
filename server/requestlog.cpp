#include "requestlog.h"

#include "defaultlimits.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

RequestLog::RequestLog()
{
    m_ring.resize(Limits::requestLogSize);
}

quint64 RequestLog::append(Record record)
{
    // Copies at most a few hundred bytes per request, outside the lock; the text and the error's
    // fields are made by the reader (since()), not on the HTTP thread.
    record.body = capped(record.body, Limits::requestLogPreviewBytes);
    record.answer
        = capped(record.answer, record.status >= 400 ? Limits::requestLogErrorBytes : Limits::requestLogPreviewBytes);
    QMutexLocker lock(&m_mutex);
    const quint64 seq = ++m_lastSeq;
    m_ring[seq % m_ring.size()] = Slot { seq, std::move(record) };
    return seq;
}

QList<RequestLogEntry> RequestLog::since(quint64 seq) const
{
    // Copied under the lock (the bytes are shared, not copied), made text after it: the HTTP
    // thread's append() never waits for the conversion.
    std::vector<Slot> slots;
    {
        QMutexLocker lock(&m_mutex);
        const quint64 oldest = m_lastSeq >= m_ring.size() ? m_lastSeq - m_ring.size() + 1 : 1;
        for (quint64 s = qMax(seq + 1, oldest); s <= m_lastSeq; ++s)
            slots.push_back(m_ring[s % m_ring.size()]);
    }
    QList<RequestLogEntry> entries;
    entries.reserve(qsizetype(slots.size()));
    for (const auto& [entrySeq, record] : slots) {
        RequestLogEntry entry { entrySeq, record.timeMs, QString::fromLatin1(record.method),
            QString::fromLatin1(record.target), record.status, record.latencyUs, bodyPreview(record.body),
            bodyPreview(record.answer), {}, {} };
        if (entry.isError()) {
            const QJsonObject error
                = QJsonDocument::fromJson(record.answer).object().value(QLatin1StringView("error")).toObject();
            entry.errorCode = error.value(QLatin1StringView("code")).toString();
            entry.errorMessage = error.value(QLatin1StringView("message")).toString();
        }
        entries.append(std::move(entry));
    }
    return entries;
}

quint64 RequestLog::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastSeq;
}

QByteArray RequestLog::capped(const QByteArray& bytes, qsizetype limit)
{
    return bytes.size() > limit + 1 ? bytes.first(limit + 1) : bytes;
}

QString RequestLog::bodyPreview(const QByteArray& body)
{
    qsizetype size = qMin<qsizetype>(body.size(), Limits::requestLogPreviewBytes);
    if (size < body.size()) {
        // Do not cut a UTF-8 sequence: back off over continuation bytes (10xxxxxx) to its lead byte.
        qsizetype lead = size;
        while (lead > 0 && (uchar(body[lead]) & 0xc0) == 0x80 && size - lead < 4)
            --lead;
        size = lead;
    }
    return QString::fromUtf8(body.constData(), size);
}
