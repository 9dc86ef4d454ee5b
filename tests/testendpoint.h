#pragma once

#include <QHostAddress>
#include <QList>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <memory>

// A scriptable HTTP endpoint on 127.0.0.1, port 0, for delivery tests: it records every request
// and answers each with the next step of its script (the last step repeats). Written on
// QTcpServer rather than QHttpServer so that it can also hold an answer back for ever.
class TestEndpoint : public QObject
{
public:
    struct Step
    {
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body = "ok";
        bool never = false; // hold the answer back until release()
    };
    struct Received
    {
        QByteArray method;
        QByteArray path;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        QByteArray header(const QByteArray& name) const
        {
            for (const auto& [key, value] : headers) {
                if (key.compare(name, Qt::CaseInsensitive) == 0)
                    return value;
            }
            return {};
        }
    };

    TestEndpoint()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            }
        });
    }
    QUrl url(const QString& path = QStringLiteral("/hook")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }
    void setScript(QList<Step> steps) { m_script = std::move(steps); }
    const QList<Received>& received() const { return m_received; }
    int held() const { return int(m_held.size()); }
    // Answers the held requests with 200.
    void release()
    {
        const auto held = std::exchange(m_held, {});
        for (const QPointer<QTcpSocket>& socket : held) {
            if (socket)
                answer(socket, Step {});
        }
    }

private:
    void read(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            Received request;
            const QList<QByteArray> lines = buffer.left(end).split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            request.method = first.value(0);
            request.path = first.value(1);
            qsizetype length = 0;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                const QByteArray name = lines[i].left(colon).trimmed();
                const QByteArray value = lines[i].mid(colon + 1).trimmed();
                request.headers.append({ name, value });
                if (name.compare("content-length", Qt::CaseInsensitive) == 0)
                    length = value.toLongLong();
            }
            if (buffer.size() < end + 4 + length)
                return;
            request.body = buffer.mid(end + 4, length);
            buffer.remove(0, end + 4 + length);
            const Step step = m_script.isEmpty() ? Step {} : m_script.value(std::min(m_next++, m_script.size() - 1));
            m_received.append(request);
            if (step.never)
                m_held.append(socket);
            else
                answer(socket, step);
        }
    }
    static void answer(QTcpSocket* socket, const Step& step)
    {
        QByteArray out = "HTTP/1.1 " + QByteArray::number(step.status)
            + " Scripted\r\nContent-Length: " + QByteArray::number(step.body.size()) + "\r\n";
        for (const auto& [name, value] : step.headers)
            out += name + ": " + value + "\r\n";
        socket->write(out + "\r\n" + step.body);
    }

    QTcpServer m_server;
    QList<Step> m_script;
    qsizetype m_next = 0;
    QList<Received> m_received;
    QList<QPointer<QTcpSocket>> m_held;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};
