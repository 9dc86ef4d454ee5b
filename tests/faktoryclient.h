#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

// A raw Faktory protocol client for tests: sends lines, reads RESP answers as they come.
class FaktoryClient
{
public:
    struct Reply
    {
        char kind = 0; // '+', '-', '$'; 0: none came (closed or timed out)
        QByteArray data; // the simple string, the error, or the bulk string
        bool null = false; // $-1
        QJsonObject json() const { return QJsonDocument::fromJson(data).object(); }
    };

    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return m_socket.waitForConnected(5000);
    }
    void send(const QByteArray& line) { sendRaw(line + "\r\n"); }
    void sendRaw(const QByteArray& bytes)
    {
        m_socket.write(bytes);
        m_socket.waitForBytesWritten(5000);
    }
    Reply command(const QByteArray& line, int timeoutMs = 10000)
    {
        send(line);
        return read(timeoutMs);
    }

    Reply read(int timeoutMs = 10000)
    {
        Reply reply;
        const QByteArray first = line(timeoutMs);
        if (first.isEmpty())
            return reply;
        reply.kind = first[0];
        if (reply.kind != '$') {
            reply.data = first.mid(1);
            return reply;
        }
        const qsizetype length = first.mid(1).toLongLong();
        if (length < 0) {
            reply.null = true;
            return reply;
        }
        while (m_buffer.size() < length + 2) {
            if (!fill(timeoutMs))
                return Reply {};
        }
        reply.data = m_buffer.left(length);
        m_buffer.remove(0, length + 2);
        return reply;
    }

    // Reads the HI greeting and answers HELLO with `hello` (plus the password's hash if asked).
    Reply handshake(QJsonObject hello = {}, const QByteArray& password = {})
    {
        const Reply hi = read();
        if (hi.kind != '+' || !hi.data.startsWith("HI "))
            return hi;
        const QJsonObject greeting = QJsonDocument::fromJson(hi.data.mid(3)).object();
        hello.insert(QStringLiteral("v"), 2);
        if (greeting.contains(QLatin1StringView("s"))) {
            QByteArray salted = password;
            salted += greeting.value(QLatin1StringView("s")).toString().toLatin1();
            QByteArray hash = QCryptographicHash::hash(salted, QCryptographicHash::Sha256);
            for (int i = 1; i < greeting.value(QLatin1StringView("i")).toInt(); ++i)
                hash = QCryptographicHash::hash(hash, QCryptographicHash::Sha256);
            hello.insert(QStringLiteral("pwdhash"), QString::fromLatin1(hash.toHex()));
        }
        return command("HELLO " + QJsonDocument(hello).toJson(QJsonDocument::Compact));
    }

    // True once the server has closed the connection.
    bool waitForClose(int timeoutMs = 10000)
    {
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        return QTest::qWaitFor(
            [&] {
                m_socket.waitForReadyRead(50);
                m_buffer += m_socket.readAll();
                return m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }

private:
    bool fill(int timeoutMs)
    {
        if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(timeoutMs))
            return false;
        m_buffer += m_socket.readAll();
        return true;
    }
    QByteArray line(int timeoutMs)
    {
        qsizetype end;
        while ((end = m_buffer.indexOf("\r\n")) < 0) {
            if (!fill(timeoutMs))
                return {};
        }
        const QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 2);
        return line;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};
