#include "requestlog.h"

#include "defaultlimits.h"

#include <QMutexLocker>

RequestLog::RequestLog()
{
    m_ring.resize(Limits::requestLogSize);
}

quint64 RequestLog::append(Record record)
{
    // One byte past the preview: bodyPreview() looks at it to cut at a character boundary.
    if (record.body.size() > Limits::requestLogPreviewBytes + 1)
        record.body = record.body.first(Limits::requestLogPreviewBytes + 1);
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
        entries.append({ entrySeq, record.timeMs, QString::fromLatin1(record.method),
            QString::fromLatin1(record.target), record.status, record.latencyUs, bodyPreview(record.body) });
    }
    return entries;
}

quint64 RequestLog::lastSeq() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastSeq;
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
