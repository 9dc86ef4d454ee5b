#include "sleephandler.h"

#include "defaultlimits.h"
#include "handlers/payloadfields.h"

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
    // The engine's clock, not the wall's: with a virtual clock, the sleep ends when it is advanced past it.
    const EngineClock& clock = context.clock();
    const qint64 start = clock.now();
    for (qint64 elapsed = 0; elapsed < total; elapsed = clock.now() - start) {
        // Short steps keep the progress bar moving; the token wakes us early on cancel/timeout.
        if (!context.token().waitFor(std::min(progressStepMs, total - elapsed)))
            return JobOutcome::failure(QStringLiteral("stopped"), QStringLiteral("stopped while sleeping"));
        context.setProgress(std::min(1.0, double(clock.now() - start) / double(total)));
    }
    return JobOutcome::success(QJsonObject { { QStringLiteral("slept_ms"), total } });
}
