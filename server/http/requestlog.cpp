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
    QMutexLocker lock(&m_mutex);
    const quint64 oldest = m_lastSeq >= m_ring.size() ? m_lastSeq - m_ring.size() + 1 : 1;
    const quint64 first = qMax(seq + 1, oldest);
    QList<RequestLogEntry> entries;
    if (first > m_lastSeq)
        return entries;
    entries.reserve(qsizetype(m_lastSeq - first + 1));
    for (quint64 s = first; s <= m_lastSeq; ++s) {
        const Slot& slot = m_ring[s % m_ring.size()];
        const Record& record = slot.record;
        entries.append({ slot.seq, record.timeMs, QString::fromLatin1(record.method),
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
