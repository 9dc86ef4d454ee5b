#include "httpexchange.h"

#include "httpguard/asciicase.h"
#include "httpguard/guardedsocket.h"
#include "httpguard/httpchannel.h"
#include "httpguard/httpdate.h"
#include "httpguard/httpjson.h"
#include "httpguard/httplogging.h"
#include "httpguard/httpmetrics.h"
#include "httpguard/httpresponse.h"
#include "requestlog.h"

#include <QDateTime>
#include <QThread>
#include <QTimer>

#include <utility>

using StatusCode = QHttpServerResponder::StatusCode;

HttpExchange::HttpExchange(
    const QHttpServerRequest& request, QHttpServerResponder&& responder, const QString& pathArg, Context context)
    : m_method(request.method())
    , m_url(request.url())
    , m_path(m_url.path())
    , m_body(request.body())
    , m_pathArg(pathArg)
    , m_context(std::move(context))
    , m_channel(qobject_cast<HttpChannel*>(responder.socket()))
    , m_thread(QThread::currentThread())
    , m_request(&request)
    , m_responder(std::move(responder))
{
    m_started.start();
    if (m_channel && m_channel->connection()) {
        const RequestHead& head = m_channel->connection()->currentHead();
        m_logMethod = head.method;
        m_logTarget = head.target;
    }
}

HttpExchange::~HttpExchange()
{
    if (m_answered)
        return;
    // Off the HTTP thread only when a commit callback held the last reference after the HTTP
    // side went away (its posted answers are dropped at shutdown): then the connection, the
    // metrics and the log may be gone, and nothing may be touched.
    if (QThread::currentThread() != m_thread) {
        qCDebug(lcHttp) << "dropped an unanswered request off the HTTP thread:" << m_logTarget;
        return;
    }
    respondError(500, QStringLiteral("internal"), QStringLiteral("the request was dropped without an answer"));
}

const QUrlQuery& HttpExchange::query() const
{
    if (!m_query)
        m_query.emplace(m_url);
    return *m_query;
}

QByteArray HttpExchange::header(const QByteArray& name) const
{
    Q_ASSERT_X(m_request, "HttpExchange::header", "read after the handler returned or deferred");
    return m_request ? m_request->value(name) : QByteArray();
}

QByteArrayView HttpExchange::guardedHeader(QByteArrayView name, QByteArray* joined) const
{
    Q_ASSERT_X(m_request, "HttpExchange::guardedHeader", "read after the handler returned or deferred");
    if (!m_request || !isConnected())
        return {};
    return m_channel->connection()->currentHead().header(name, joined);
}

QList<QPair<QByteArray, QByteArray>> HttpExchange::headers() const
{
    Q_ASSERT_X(m_request, "HttpExchange::headers", "read after the handler returned or deferred");
    return m_request ? m_request->headers() : QList<QPair<QByteArray, QByteArray>>();
}

bool HttpExchange::isConnected() const
{
    return m_channel && m_channel->connection();
}

void HttpExchange::defer()
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::defer", "not on the HTTP thread");
    if (m_answered || m_deferred)
        return;
    m_deferred = true;
    m_request = nullptr;
    if (isConnected())
        m_channel->connection()->hold();
}

void HttpExchange::respond(
    int status, const QByteArray& contentType, const QByteArray& body, const HttpHeaders& headers)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::respond", "not on the HTTP thread");
    if (m_answered)
        return;
    if (m_answerDelayMs > 0 && isConnected()) {
        // Held like a deferred answer, so that the connection's later answers stay behind it.
        const qint64 delay = std::exchange(m_answerDelayMs, 0);
        if (!m_deferred) {
            m_deferred = true;
            m_channel->connection()->hold();
        }
        m_answered = true; // no other answer meanwhile
        m_request = nullptr;
        QTimer::singleShot(
            int(delay), m_channel.data(), [self = shared_from_this(), status, contentType, body, headers] {
                self->m_answered = false;
                self->respond(status, contentType, body, headers);
            });
        return;
    }
    m_answered = true;
    m_request = nullptr;
    const qint64 latencyUs = m_started.nsecsElapsed() / 1000;
    // Checked first: 6.4.2's responder would write through a dangling socket pointer.
    if (isConnected()) {
        GuardedSocket* connection = m_channel->connection();
        writeAnswer(status, contentType, body, headers);
        if (m_deferred)
            connection->release();
    }
    record(status, latencyUs, body);
}

void HttpExchange::dropConnection()
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::dropConnection", "not on the HTTP thread");
    if (m_answered)
        return;
    m_answered = true;
    m_request = nullptr;
    if (!isConnected())
        return;
    GuardedSocket* connection = m_channel->connection();
    connection->hold(); // nothing more is read or answered
    // Queued: QHttpServer is still inside this request's dispatch.
    QMetaObject::invokeMethod(connection, &QAbstractSocket::abort, Qt::QueuedConnection);
}

void HttpExchange::writeAnswer(
    int status, const QByteArray& contentType, const QByteArray& body, const HttpHeaders& headers)
{
    GuardedSocket* connection = m_channel->connection();
    const GuardedSocket::Framing framing = connection->framing();
    // No Content-Length and no body for 1xx, 204 and 304 (RFC 9110 8.6, 15.3.5, 15.4.5)
    const bool bodyless = status < 200 || status == 204 || status == 304;

    m_responder.writeStatusLine(StatusCode(status));
    if (!contentType.isEmpty() && !bodyless)
        m_responder.writeHeader(QByteArrayLiteral("Content-Type"), contentType);
    if (!bodyless)
        m_responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(body.size()));
    m_responder.writeHeader(QByteArrayLiteral("Date"), HttpDate::now());
    for (const auto& [name, value] : headers) {
        if (HttpResponse::isFramingHeader(name) || (!contentType.isEmpty() && AsciiCase::equal(name, "content-type")))
            continue;
        if (!HttpResponse::isSafeHeader(name, value)) {
            qCWarning(lcHttp) << "dropping a malformed response header" << name;
            continue;
        }
        m_responder.writeHeader(HttpResponse::canonicalName(name), value);
    }
    if (!m_corsOrigin.isEmpty()) {
        m_responder.writeHeader(QByteArrayLiteral("Access-Control-Allow-Origin"), m_corsOrigin);
        m_responder.writeHeader(
            QByteArrayLiteral("Access-Control-Expose-Headers"), QByteArrayLiteral("Location, Retry-After"));
        m_responder.writeHeader(QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin"));
    }
    if (framing.close)
        m_responder.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
    else if (framing.keepAlive10)
        m_responder.writeHeader(QByteArrayLiteral("Connection"), QByteArrayLiteral("keep-alive"));
    // HEAD gets the GET's headers and no body: 6.4.2 would send the body too.
    if (framing.headOnly || bodyless)
        m_responder.writeBody("", 0);
    else
        m_responder.writeBody(body);
    connection->answered(framing.close, body.size());
}

void HttpExchange::respondJson(int status, const QJsonObject& object, const HttpHeaders& headers)
{
    respond(status, jsonContentType, jsonBody(object), headers);
}

void HttpExchange::respondJson(int status, const QJsonArray& array, const HttpHeaders& headers)
{
    respond(status, jsonContentType, jsonBody(array), headers);
}

void HttpExchange::respondError(int status, const QString& code, const QString& message, const HttpHeaders& headers)
{
    respond(status, jsonContentType, jsonErrorBody(code, message), headers);
}

void HttpExchange::record(int status, qint64 latencyUs, const QByteArray& answer)
{
    if (m_context.metrics)
        m_context.metrics->record(m_context.routeName, status);
    if (!m_context.log)
        return;
    // The answer is shared, not copied, unless the log must cut it (RequestLog::append()).
    m_context.log->append(
        { QDateTime::currentMSecsSinceEpoch(), m_logMethod, m_logTarget, status, latencyUs, m_body, answer });
}
