#include "httpexchange.h"

#include "guardedsocket.h"
#include "httpjson.h"
#include "httpmetrics.h"
#include "requestlog.h"

#include <QDateTime>
#include <QThread>

namespace {

QString methodName(QHttpServerRequest::Method method)
{
    using Method = QHttpServerRequest::Method;
    switch (method) {
    case Method::Get:
        return QStringLiteral("GET");
    case Method::Put:
        return QStringLiteral("PUT");
    case Method::Delete:
        return QStringLiteral("DELETE");
    case Method::Post:
        return QStringLiteral("POST");
    case Method::Head:
        return QStringLiteral("HEAD");
    case Method::Options:
        return QStringLiteral("OPTIONS");
    case Method::Patch:
        return QStringLiteral("PATCH");
    case Method::Connect:
        return QStringLiteral("CONNECT");
    case Method::Trace:
        return QStringLiteral("TRACE");
    default:
        return QStringLiteral("?");
    }
}

} // namespace

HttpExchange::HttpExchange(
    const QHttpServerRequest& request, QTcpSocket* socket, const QString& pathArg, Context context)
    : m_method(request.method())
    , m_url(request.url())
    , m_path(m_url.path())
    , m_headers(request.headers())
    , m_body(request.body())
    , m_pathArg(pathArg)
    , m_context(std::move(context))
    , m_socket(socket)
    , m_guard(qobject_cast<GuardedSocket*>(socket))
    , m_thread(QThread::currentThread())
{
    m_started.start();
}

HttpExchange::~HttpExchange()
{
    if (!m_answered)
        respondError(500, QStringLiteral("internal"), QStringLiteral("the request was dropped without an answer"));
}

const QUrlQuery& HttpExchange::query() const
{
    if (!m_query)
        m_query.emplace(m_url);
    return *m_query;
}

QByteArray HttpExchange::header(const QByteArray& lowercaseName) const
{
    QByteArray value;
    bool found = false;
    for (const auto& [name, fieldValue] : m_headers) {
        if (name.compare(lowercaseName, Qt::CaseInsensitive) != 0)
            continue;
        if (found)
            value += ", ";
        value += fieldValue;
        found = true;
    }
    return value;
}

bool HttpExchange::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::defer()
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HttpExchange::defer", "not on the HTTP thread");
    if (m_answered || m_deferred)
        return;
    m_deferred = true;
    if (m_socket && m_guard)
        m_guard->hold();
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
    QByteArray target; // as the client sent it: cheaper for the log than formatting m_url
    if (m_socket && m_guard) {
        if (const RequestHead* head = m_guard->currentRequest())
            target = head->target;
        // It pops the request, frames for it (HEAD, keep-alive), closes if due, sends 100 Continue next
        m_guard->sendResponse(std::move(response));
        if (m_deferred)
            m_guard->release();
    } else if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        // Not behind a GuardedTcpServer: no framing knowledge beyond this request.
        response.headOnly = m_method == QHttpServerRequest::Method::Head;
        m_socket->write(response.serialize());
    }
    record(status, latencyUs, target);
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

void HttpExchange::record(int status, qint64 latencyUs, const QByteArray& target)
{
    if (m_context.metrics)
        m_context.metrics->record(m_context.routeName, status);
    if (!m_context.log)
        return;
    RequestLogEntry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    entry.method = methodName(m_method);
    entry.target = target.isEmpty() ? m_url.toString(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment)
                                    : QString::fromLatin1(target); // the framer let only visible ASCII through
    entry.status = status;
    entry.latencyUs = latencyUs;
    if (!m_body.isEmpty())
        entry.bodyPreview = RequestLog::bodyPreview(m_body);
    m_context.log->append(std::move(entry));
}
