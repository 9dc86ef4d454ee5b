#pragma once

#include "httprequest.h"
#include "httpresponse.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>
#include <QString>
#include <QUrlQuery>

#include <memory>
#include <optional>

class GuardedSocket;
class HttpMetrics;
class QThread;
class RequestLog;

// One request and its single answer. The connection is held by QPointer, so an answer may
// come later, on the HTTP thread, after the client left. Exactly one answer counts; later ones
// are ignored. Answer, defer and drop the last HttpExchangePtr on the HTTP thread only (hop
// back with a queued call on a context object).
class HttpExchange
{
public:
    struct Context
    {
        QString routeName; // metrics label, e.g. "/jobs/{id}"
        HttpMetrics* metrics = nullptr;
        RequestLog* log = nullptr;
    };

    HttpExchange(HttpRequest request, GuardedSocket* connection, const QString& pathArg, Context context);
    // A deferred exchange dropped unanswered on the HTTP thread answers 500: no path leaves a
    // client hanging. Dropped on another thread, it only goes away (see the destructor).
    ~HttpExchange();
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    QHttpServerRequest::Method method() const { return m_request.method; }
    const QString& path() const { return m_request.path; }
    const QUrlQuery& query() const;
    // Any case; the values of a repeated field joined by ", ". Valid as long as the exchange.
    QByteArrayView header(QByteArrayView wanted) const;
    const QByteArray& body() const { return m_request.body; }
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

    // Set by HttpRouter once the Origin passed its policy: answers carry the CORS headers.
    void setCorsOrigin(const QByteArray& origin) { m_corsOrigin = origin; }

private:
    void record(int status, qint64 latencyUs);

    // set at construction, immutable
    const HttpRequest m_request;
    const QString m_pathArg;
    const Context m_context;
    const QPointer<GuardedSocket> m_connection;
    QThread* const m_thread; // the HTTP thread, the only one that may answer
    QElapsedTimer m_started;

    mutable std::optional<QUrlQuery> m_query; // parsed on first use
    mutable QByteArrayList m_joinedHeaders; // what header() returned for repeated fields
    QByteArray m_corsOrigin;
    bool m_deferred = false;
    bool m_answered = false;
};

using HttpExchangePtr = std::shared_ptr<HttpExchange>;
