#include "callbackjob.h"

#include "defaultlimits.h"

namespace CallbackJob {

QJsonObject payload(const Job& finished)
{
    return QJsonObject {
        { QStringLiteral("url"), finished.callbackUrl },
        { QStringLiteral("method"), QStringLiteral("POST") },
        { QStringLiteral("body"), finished.toJson() },
        { QStringLiteral("timeout_ms"), Limits::callbackTimeoutMs },
    };
}

} // namespace CallbackJob
