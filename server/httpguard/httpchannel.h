#pragma once

#include <QByteArray>
#include <QTcpSocket>

class GuardedSocket;

// The socket QHttpServer reads requests from and writes answers to, for one client connection.
// It has no descriptor of its own: GuardedSocket reads the client's bytes, frames and checks
// each request, and delivers it here whole, one at a time, rewritten in a plain form that
// QHttpServer 6.4.2's parser cannot read differently (no Connection, Expect or
// Transfer-Encoding; one Content-Length). What QHttpServerResponder writes goes back to
// GuardedSocket, which sends each event-loop pass's answers with one send().
class HttpChannel : public QTcpSocket
{
    Q_OBJECT
public:
    // `connection` may be null for a channel that only feeds QHttpServer (its answers are dropped).
    HttpChannel(GuardedSocket* connection, QObject* parent);
    ~HttpChannel() override;

    // The guard of this channel; null once the client's connection is gone.
    GuardedSocket* connection() const { return m_connection; }

    // GuardedSocket's side: a whole request for QHttpServer, then readyRead().
    void deliver(QByteArray head, QByteArray body);
    // The client's connection closed: QHttpServer sees this channel disconnect.
    void connectionGone();

    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override { return 0; } // written through at once
    bool canReadLine() const override { return false; } // QHttpServer reads bytes, not lines
    // QHttpServer calls it when it cannot parse a request; the guard's framing makes that a bug.
    void disconnectFromHost() override;
    void close() override;

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 readLineData(char* data, qint64 maxSize) override;
    qint64 skipData(qint64 maxSize) override;
    qint64 writeData(const char* data, qint64 size) override;

private:
    // HTTP thread only
    GuardedSocket* m_connection;
    QByteArray m_head; // the delivered request not read yet: head, then body
    QByteArray m_body;
    qsizetype m_offset = 0; // bytes of m_head + m_body read so far
};
