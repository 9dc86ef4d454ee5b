#include "httpchannel.h"

#include "guardedsocket.h"
#include "httplogging.h"

#include <cstring>

HttpChannel::HttpChannel(GuardedSocket* connection, QObject* parent)
    : QTcpSocket(parent)
    , m_connection(connection)
{
    if (connection) {
        setPeerAddress(connection->peerAddress());
        setPeerPort(connection->peerPort());
        setLocalAddress(connection->localAddress());
        setLocalPort(connection->localPort());
    }
    QIODevice::open(QIODevice::ReadWrite);
    setSocketState(QAbstractSocket::ConnectedState);
}

HttpChannel::~HttpChannel()
{
    // QAbstractSocket's destructor would abort() a socket it believes connected.
    setSocketState(QAbstractSocket::UnconnectedState);
}

void HttpChannel::deliver(QByteArray head, QByteArray body)
{
    Q_ASSERT(m_offset >= m_head.size() + m_body.size()); // one request at a time
    m_head = std::move(head);
    m_body = std::move(body);
    m_offset = 0;
    Q_EMIT readyRead(); // QHttpServer parses and routes it now, on this thread
}

void HttpChannel::connectionGone()
{
    m_connection = nullptr;
    if (state() == QAbstractSocket::UnconnectedState)
        return;
    setSocketState(QAbstractSocket::UnconnectedState);
    QIODevice::close();
    Q_EMIT disconnected(); // QHttpServer deletes us (later, if it is handling a request)
}

qint64 HttpChannel::bytesAvailable() const
{
    return QIODevice::bytesAvailable() + (m_head.size() + m_body.size() - m_offset);
}

void HttpChannel::disconnectFromHost()
{
    qCWarning(lcHttp) << "QHttpServer could not parse a request the guard let through";
    if (m_connection)
        m_connection->channelFailed();
}

void HttpChannel::close()
{
    disconnectFromHost();
}

qint64 HttpChannel::readData(char* data, qint64 maxSize)
{
    qint64 copied = 0;
    while (copied < maxSize) {
        const bool inHead = m_offset < m_head.size();
        const QByteArray& part = inHead ? m_head : m_body;
        const qsizetype at = inHead ? m_offset : m_offset - m_head.size();
        const qint64 n = qMin<qint64>(maxSize - copied, part.size() - at);
        if (n <= 0)
            break;
        std::memcpy(data + copied, part.constData() + at, size_t(n));
        copied += n;
        m_offset += n;
    }
    return copied;
}

qint64 HttpChannel::readLineData(char* data, qint64 maxSize)
{
    return QIODevice::readLineData(data, maxSize);
}

qint64 HttpChannel::skipData(qint64 maxSize)
{
    return QIODevice::skipData(maxSize);
}

qint64 HttpChannel::writeData(const char* data, qint64 size)
{
    if (!m_connection)
        return -1;
    m_connection->appendAnswerBytes(data, size);
    return size;
}
