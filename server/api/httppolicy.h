#pragma once

#include "httpguard/httpconfig.h"
#include "httpguard/httpheaders.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

class HttpExchange;

// Who may talk to the API, checked before any handler runs, and by the guard before it asks
// a client for its body (100 Continue).
class HttpPolicy
{
public:
    struct Refusal
    {
        int status = 0;
        QString code;
        QString message;
        HttpHeaders headers;
    };

    explicit HttpPolicy(const HttpConfig& config);

    // DNS-rebinding defence: a browser tricked into calling us sends the attacker's Host.
    std::optional<Refusal> refuseHost(QByteArrayView host) const;
    // Browsers send Origin on cross-origin calls; an allowed one gets the CORS headers.
    std::optional<Refusal> refuseOrigin(QByteArrayView origin, QByteArrayView host) const;
    std::optional<Refusal> refuseToken(QByteArrayView authorization) const;

    // The three on an exchange: false after answering it with the refusal. An allowed Origin
    // is set on the exchange, so that its answer carries the CORS headers.
    bool admit(HttpExchange& exchange, bool preflight) const;

    bool isOriginAllowed(QByteArrayView origin, QByteArrayView host) const;
    static bool isLoopbackHost(QByteArrayView host);
    static bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

private:
    // set at construction, immutable
    bool m_loopbackOnly;
    QList<QByteArray> m_allowedOrigins;
    QByteArray m_token;
};
