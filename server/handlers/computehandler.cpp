#include "computehandler.h"

#include "handlers/payloadfields.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace {
constexpr qint64 maxIterations = 1000000000;
constexpr qint64 checkEvery = 1024; // ~0.5 ms of hashing between cancel checks

IntegerField iterations(const QJsonValue& payload)
{
    return integerField(payload, QLatin1StringView("iterations"), 1, maxIterations, std::nullopt);
}
} // namespace

QString ComputeHandler::validatePayload(const QJsonValue& payload) const
{
    return iterations(payload).problem;
}

QJsonValue ComputeHandler::examplePayload() const
{
    return QJsonObject { { QStringLiteral("iterations"), 1000000 } };
}

JobOutcome ComputeHandler::run(const JobContext& context) const
{
    const qint64 rounds = iterations(context.payload()).value.value_or(0);
    QByteArray digest = QJsonDocument(context.payload().toObject()).toJson(QJsonDocument::Compact);
    const qint64 progressEvery = std::max<qint64>(checkEvery, rounds / 100);
    for (qint64 i = 0; i < rounds; ++i) {
        digest = QCryptographicHash::hash(digest, QCryptographicHash::Sha256);
        if (i % checkEvery == 0 && context.isStopped())
            return JobOutcome::failure(QStringLiteral("stopped"), QStringLiteral("stopped while computing"));
        if (i % progressEvery == 0)
            context.setProgress(double(i) / double(rounds));
    }
    return JobOutcome::success(QJsonObject { { QStringLiteral("sha256"), QString::fromLatin1(digest.toHex()) } });
}
