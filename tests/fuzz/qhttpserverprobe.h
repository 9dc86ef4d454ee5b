#pragma once

// Hands requests to a real QHttpServer 6.4.2 the way the guard does (plain head and body,
// through an HttpChannel) and tells what its parser made of them. The framer's unit test and
// fuzzer use it to check that every request the guard lets through reaches QHttpServer as
// the guard framed it: same method, target, header fields and body, and no byte left over.

#include "httpguard/httpchannel.h"
#include "httpguard/plainrequest.h"
#include "httpguard/requesthead.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QTcpServer>
#include <QUrl>

#include <optional>

class QHttpServerProbe
{
public:
    struct Parsed
    {
        QHttpServerRequest::Method method = QHttpServerRequest::Method::Unknown;
        QUrl url;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
    };

    QHttpServerProbe()
    {
        m_listener = new Listener;
        m_listener->listen(QHostAddress::LocalHost, 0); // bind() warns about a listener that is not
        m_server.bind(m_listener);
        m_server.setMissingHandler([this](const QHttpServerRequest& request, QHttpServerResponder&&) {
            m_parsed = Parsed { request.method(), request.url(), request.headers(), request.body() };
        });
        m_channel = new HttpChannel(nullptr, m_listener);
        m_listener->hand(m_channel);
    }

    // What QHttpServer parsed from these bytes, given as the guard gives them; nullopt when it
    // called no handler (it could not parse them). `leftOver`: the bytes it did not read.
    std::optional<Parsed> parse(const QByteArray& head, const QByteArray& body, qint64* leftOver = nullptr)
    {
        m_parsed.reset();
        m_channel->deliver(head, body);
        const qint64 left = m_channel->bytesAvailable();
        if (leftOver)
            *leftOver = left;
        if (left > 0) // start the next test on a clean channel
            m_channel->skip(left);
        return m_parsed;
    }

    // Empty when QHttpServer parses the guard's plain form of `head` and `body` into the same request.
    QByteArray disagreement(const RequestHead& head, const QByteArray& body)
    {
        qint64 leftOver = 0;
        const std::optional<Parsed> parsed = parse(plainRequestHead(head, body.size()), body, &leftOver);
        if (!parsed)
            return "QHttpServer called no handler";
        if (leftOver != 0)
            return "QHttpServer left " + QByteArray::number(leftOver) + " bytes unread";
        if (parsed->method != expectedMethod(head.method))
            return "the method differs";
        const QUrl target = QUrl::fromEncoded(head.target);
        if (parsed->url.path() != target.path() || parsed->url.query() != target.query())
            return "the target differs: " + parsed->url.toEncoded();
        if (parsed->body != body)
            return "the body differs";
        QList<QPair<QByteArray, QByteArray>> fields;
        for (const RequestHead::Field& field : head.fields) {
            const QByteArray name = head.name(field).toByteArray().toLower();
            if (name != "connection" && name != "keep-alive" && name != "expect" && name != "content-length")
                fields.append({ name, head.value(field).toByteArray() });
        }
        if (!body.isEmpty())
            fields.append({ "content-length", QByteArray::number(body.size()) });
        QList<QPair<QByteArray, QByteArray>> seen = parsed->headers;
        for (auto& field : seen)
            field.first = field.first.toLower();
        if (seen != fields)
            return "the header fields differ";
        return {};
    }

    static QHttpServerRequest::Method expectedMethod(const QByteArray& method)
    {
        using Method = QHttpServerRequest::Method;
        static const std::pair<const char*, Method> known[] = { { "GET", Method::Get }, { "PUT", Method::Put },
            { "DELETE", Method::Delete }, { "POST", Method::Post }, { "HEAD", Method::Head },
            { "OPTIONS", Method::Options }, { "PATCH", Method::Patch }, { "CONNECT", Method::Connect } };
        for (const auto& [name, value] : known) {
            if (method == name)
                return value;
        }
        return Method::Unknown;
    }

private:
    class Listener : public QTcpServer
    {
    public:
        void hand(QTcpSocket* socket) { addPendingConnection(socket); }
    };

    QHttpServer m_server;
    Listener* m_listener; // owned by m_server
    HttpChannel* m_channel; // owned by m_listener
    std::optional<Parsed> m_parsed;
};
