#include "httpexchange.h"

#include "guardedsocket.h"
#include "httpjson.h"
#include "httplogging.h"
#include "httpmetrics.h"
#include "requestlog.h"

#include <QDateTime>
#include <QThread>
#include <QUrl>

HttpExchange::HttpExchange(HttpRequest request, GuardedSocket* connection, const QString& pathArg, Context context)
    : m_request(std::move(request))
    , m_pathArg(pathArg)
    , m_context(std::move(context))
    , m_connection(connection)
    , m_thread(QThread::currentThread())
{
    m_started.start();
}

HttpExchange::~HttpExchange()
{
    if (m_answered)
        return;
    // Off the HTTP thread only when a commit callback held the last reference after the HTTP
    // side went away (its posted answers are dropped at shutdown): then the connection, the
    // metrics and the log may be gone, and nothing may be touched.
    if (QThread::currentThread() != m_thread) {
        qCDebug(lcHttp) << "dropped an unanswered request off the HTTP thread:" << m_request.head.target;
        return;
    }
    respondError(500, QStringLiteral("internal"), QStringLiteral("the request was dropped without an answer"));
}

const QUrlQuery& HttpExchange::query() const
{
    if (!m_query)
        m_query.emplace(QUrl::fromEncoded(m_request.head.target));
    return *m_query;
}

QByteArrayView HttpExchange::header(QByteArrayView wanted) const
{
    QByteArray joined;
    const QByteArrayView value = m_request.head.header(wanted, &joined);
    if (joined.isNull())
        return value; // a view of the request's own bytes
    m_joinedHeaders.append(joined); // a repeated field: kept for the view's sake
    return m_joinedHeaders.constLast();
}

bool HttpExchange::isConnected() const
{
    return m_connection && m_connection->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::defer()
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::defer", "not on the HTTP thread");
    if (m_answered || m_deferred)
        return;
    m_deferred = true;
    if (m_connection)
        m_connection->hold();
}

void HttpExchange::respond(
    int status, const QByteArray& contentType, const QByteArray& body, const HttpHeaders& headers)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::respond", "not on the HTTP thread");
    if (m_answered)
        return;
    m_answered = true;
    const qint64 latencyUs = m_started.nsecsElapsed() / 1000;

    HttpResponse response { status, contentType, body, headers };
    if (!m_corsOrigin.isEmpty()) {
        response.headers.append({ QByteArrayLiteral("Access-Control-Allow-Origin"), m_corsOrigin });
        response.headers.append(
            { QByteArrayLiteral("Access-Control-Expose-Headers"), QByteArrayLiteral("Location, Retry-After") });
        response.headers.append({ QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") });
    }
    if (m_connection) {
        // It pops the request, frames for it (HEAD, keep-alive), closes if due, sends 100 Continue next
        m_connection->sendResponse(std::move(response));
        if (m_deferred)
            m_connection->release();
    }
    record(status, latencyUs);
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

void HttpExchange::record(int status, qint64 latencyUs)
{
    if (m_context.metrics)
        m_context.metrics->record(m_context.routeName, status);
    if (!m_context.log)
        return;
    m_context.log->append({ QDateTime::currentMSecsSinceEpoch(), m_request.head.method, m_request.head.target, status,
        latencyUs, m_request.body });
}
