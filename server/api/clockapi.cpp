#include "clockapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "defaultlimits.h"
#include "job.h"

#include <cmath>

namespace {

QJsonObject clockJson(const EngineClock::State& state)
{
    return {
        { QStringLiteral("virtual"), state.isVirtual },
        { QStringLiteral("now"), state.now },
        { QStringLiteral("now_iso"), formatTimestamp(state.now) },
        { QStringLiteral("real_now"), state.realNow },
        { QStringLiteral("offset_ms"), state.offsetMs },
    };
}

} // namespace

ClockApi::ClockApi(Engine* engine)
    : m_engine(engine)
{ }

void ClockApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(Method::Get, QStringLiteral("/clock"), QStringLiteral("/clock"), [this](auto& e) { get(e); });
    routes.add(Method::Post, QStringLiteral("/clock"), QStringLiteral("/clock"), [this](auto& e) { post(e); });
}

void ClockApi::get(const HttpExchangePtr& exchange)
{
    exchange->respondJson(ApiReply::ok, clockJson(m_engine->clockState()));
}

void ClockApi::post(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    // One action per request: which one ran is never in doubt.
    static const QStringList actions
        = { QStringLiteral("mode"), QStringLiteral("advance_ms"), QStringLiteral("advance") };
    QStringList given;
    for (auto it = body->constBegin(); it != body->constEnd(); ++it) {
        if (!actions.contains(it.key()))
            return ApiReply::invalid(exchange, it.key(),
                QStringLiteral("unknown field; the body is one of {\"mode\":\"virtual\"|\"real\"}, {\"advance_ms\":N} "
                               "or {\"advance\":\"next_due\"}"));
        given.append(it.key());
    }
    if (given.size() != 1)
        return ApiReply::invalid(exchange, given.value(1, QStringLiteral("mode")),
            QStringLiteral("give exactly one of mode, advance_ms and advance"));

    const QJsonValue value = body->value(given.first());
    if (given.first() == QLatin1StringView("mode")) {
        const QString mode = value.toString();
        if (mode != QLatin1StringView("virtual") && mode != QLatin1StringView("real"))
            return ApiReply::invalid(
                exchange, QStringLiteral("mode"), QStringLiteral("must be \"virtual\" or \"real\""));
        return answer(exchange, m_engine->setVirtualClock(mode == QLatin1StringView("virtual")));
    }
    if (given.first() == QLatin1StringView("advance")) {
        if (value.toString() != QLatin1StringView("next_due"))
            return ApiReply::invalid(exchange, QStringLiteral("advance"), QStringLiteral("must be \"next_due\""));
        return answer(exchange, m_engine->advanceClockToNextDue());
    }
    const double ms = value.toDouble(-1);
    if (!value.isDouble() || std::floor(ms) != ms || ms < 1 || ms > double(Limits::maxClockAdvanceMs))
        return ApiReply::invalid(exchange, QStringLiteral("advance_ms"),
            QStringLiteral("must be an integer from 1 to %1; time never goes back").arg(Limits::maxClockAdvanceMs));
    answer(exchange, m_engine->advanceClock(qint64(ms)));
}

void ClockApi::answer(const HttpExchangePtr& exchange, const EngineResult<EngineClock::State>& result)
{
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    exchange->respondJson(ApiReply::ok, clockJson(std::get<EngineClock::State>(result)));
}
