#include "sleephandler.h"

#include "defaultlimits.h"
#include "handlers/payloadfields.h"

#include <QElapsedTimer>

#include <algorithm>

namespace {
constexpr qint64 progressStepMs = 50;

IntegerField sleepMs(const QJsonValue& payload)
{
    return integerField(payload, QLatin1StringView("ms"), 0, Limits::maxTimeoutMs, std::nullopt);
}
} // namespace

QString SleepHandler::validatePayload(const QJsonValue& payload) const
{
    return sleepMs(payload).problem;
}

QJsonValue SleepHandler::examplePayload() const
{
    return QJsonObject { { QStringLiteral("ms"), 2000 } };
}

JobOutcome SleepHandler::run(const JobContext& context) const
{
    const qint64 total = sleepMs(context.payload()).value.value_or(0);
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < total) {
        // Short steps keep the progress bar moving; the token wakes us early on cancel/timeout.
        if (!context.token().waitFor(std::min(progressStepMs, total - elapsed.elapsed())))
            return JobOutcome::failure(QStringLiteral("stopped"), QStringLiteral("stopped while sleeping"));
        context.setProgress(double(elapsed.elapsed()) / double(total));
    }
    return JobOutcome::success(QJsonObject { { QStringLiteral("slept_ms"), total } });
}
