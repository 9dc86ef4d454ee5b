#pragma once

#include "engine.h"
#include "store/memoryjobstore.h"

#include <QTest>

#include <memory>

// Readable QCOMPARE failures for the engine's enums.
namespace QTest {
template <> inline char* toString(const JobStatus& status)
{
    return qstrdup(statusName(status).data());
}
template <> inline char* toString(const EngineState& state)
{
    return qstrdup(stateName(state).data());
}
} // namespace QTest

// Shared by the engine-level tests: an opened, running engine on the in-memory store.
inline std::unique_ptr<Engine> startedEngine(EngineConfig config = {})
{
    auto engine = std::make_unique<Engine>(config, std::make_unique<MemoryJobStore>(100000));
    QString error;
    if (!engine->open(&error))
        qFatal("engine failed to open: %s", qPrintable(error));
    engine->start();
    return engine;
}

inline JobSpec spec(const QString& type, const QJsonValue& payload = {}, int priority = 0)
{
    JobSpec spec;
    spec.type = type;
    spec.payload = payload;
    spec.priority = priority;
    return spec;
}

inline Job submitOne(Engine& engine, const JobSpec& jobSpec)
{
    auto result = engine.submit({ jobSpec });
    if (auto* error = std::get_if<EngineError>(&result))
        qFatal("submit failed: %s", qPrintable(error->message));
    return std::get<QList<Job>>(result).constFirst();
}

inline JobStatus statusOf(const Engine& engine, JobId id)
{
    return engine.job(id).value().status;
}

inline QJsonObject sleepMs(int ms)
{
    return { { QStringLiteral("ms"), ms } };
}
