#pragma once

#include "httpguard/httpconfig.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

class HttpExchange;

// Who may talk to the API, checked before any handler runs. Each check answers the exchange
// itself and returns false when the request must not go on.
class HttpPolicy
{
public:
    explicit HttpPolicy(const HttpConfig& config);

    // DNS-rebinding defence: a browser tricked into calling us sends the attacker's Host.
    bool checkHost(HttpExchange& exchange) const;
    // Browsers send Origin on cross-origin calls; an allowed one gets the CORS headers.
    bool checkOrigin(HttpExchange& exchange) const;
    bool checkToken(HttpExchange& exchange) const;

    bool isOriginAllowed(QByteArrayView origin, QByteArrayView host) const;
    static bool isLoopbackHost(QByteArrayView host);
    static bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

private:
    // set at construction, immutable
    bool m_loopbackOnly;
    QList<QByteArray> m_allowedOrigins;
    QByteArray m_token;
};
