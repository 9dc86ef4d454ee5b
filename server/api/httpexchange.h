#pragma once

#include "httpguard/httpheaders.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <memory>
#include <optional>

class HttpChannel;
class HttpMetrics;
class QThread;
class RequestLog;

// One request as QHttpServer routed it, and its single answer, written through its
// QHttpServerResponder. The answer may come later, on the HTTP thread: the channel is held by
// QPointer, because 6.4.2's responder keeps a raw socket pointer that dangles once the client
// left. Exactly one answer counts; later ones are ignored. Answer, defer and drop the last
// HttpExchangePtr on the HTTP thread only (hop back with a queued call on a context object).
class HttpExchange : public std::enable_shared_from_this<HttpExchange>
{
public:
    struct Context
    {
        QString routeName; // metrics label, e.g. "/jobs/{id}"
        HttpMetrics* metrics = nullptr;
        RequestLog* log = nullptr;
    };

    HttpExchange(
        const QHttpServerRequest& request, QHttpServerResponder&& responder, const QString& pathArg, Context context);
    // A deferred exchange dropped unanswered on the HTTP thread answers 500: no path leaves a
    // client hanging. Dropped on another thread, it only goes away (see the destructor).
    ~HttpExchange();
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    QHttpServerRequest::Method method() const { return m_method; }
    const QString& path() const { return m_path; } // percent-decoded, without the query
    const QUrlQuery& query() const;
    // Any case; the values of a repeated field joined by ", ". Only until the handler returns or
    // defers: QHttpServer reuses its request object for the connection's next request.
    QByteArray header(const QByteArray& name) const;
    // The same field as the guard framed it, a view into its head (or into `*joined` for a
    // repeated field); empty once the client left. For the checks of every request (Host,
    // Origin, the token, Content-Type): QHttpServerRequest::value() allocates per lookup.
    QByteArrayView guardedHeader(QByteArrayView name, QByteArray* joined) const;
    // Every header field as received, in order; the same lifetime as header().
    QList<QPair<QByteArray, QByteArray>> headers() const;
    // The request target's query, as received (empty without one).
    QByteArray rawQuery() const { return m_url.query(QUrl::FullyEncoded).toLatin1(); }
    const QByteArray& body() const { return m_body; }
    const QString& pathArg() const { return m_pathArg; }
    const QString& routeName() const { return m_context.routeName; }

    void respond(int status, const QByteArray& contentType, const QByteArray& body, const HttpHeaders& headers = {});
    void respondJson(int status, const QJsonObject& object, const HttpHeaders& headers = {});
    void respondJson(int status, const QJsonArray& array, const HttpHeaders& headers = {});
    void respondError(int status, const QString& code, const QString& message, const HttpHeaders& headers = {});

    // The handler answers later (on the HTTP thread). The connection reads nothing more meanwhile.
    void defer();
    bool isDeferred() const { return m_deferred; }
    bool isAnswered() const { return m_answered; }
    bool isConnected() const;

    // The handler returned: QHttpServer reuses its request object for the next request.
    void handlerReturned() { m_request = nullptr; }
    // Injected faults (http_drop, http_latency): the connection closes without an answer; or
    // the answer, whenever it comes, goes out `ms` later (later requests of the connection wait).
    void dropConnection();
    void delayAnswer(qint64 ms) { m_answerDelayMs = ms; }

    // Set once the Origin passed HttpPolicy: answers carry the CORS headers.
    void setCorsOrigin(const QByteArray& origin) { m_corsOrigin = origin; }

private:
    void writeAnswer(int status, const QByteArray& contentType, const QByteArray& body, const HttpHeaders& headers);
    void record(int status, qint64 latencyUs, const QByteArray& answer);

    // set at construction, immutable
    const QHttpServerRequest::Method m_method;
    const QUrl m_url;
    const QString m_path;
    const QByteArray m_body;
    const QString m_pathArg;
    const Context m_context;
    const QPointer<HttpChannel> m_channel;
    QThread* const m_thread; // the HTTP thread, the only one that may answer
    QByteArray m_logMethod; // the request line's, for the request log
    QByteArray m_logTarget;
    QElapsedTimer m_started;

    const QHttpServerRequest* m_request; // null once the handler returned or deferred
    QHttpServerResponder m_responder;
    mutable std::optional<QUrlQuery> m_query; // parsed on first use
    QByteArray m_corsOrigin;
    bool m_deferred = false;
    bool m_answered = false;
    qint64 m_answerDelayMs = 0;
};

using HttpExchangePtr = std::shared_ptr<HttpExchange>;
