#pragma once

#include "engine.h"
#include "store/memoryjobstore.h"

#include <QTest>

#include <atomic>
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

// As a client sees a submission: answered once the store has committed the job, which is when
// it becomes visible, queued and runnable.
inline Job submitOne(Engine& engine, const JobSpec& jobSpec)
{
    const auto committed = std::make_shared<std::atomic<bool>>(false);
    auto result = engine.submit({ jobSpec }, [committed](const QString&) { committed->store(true); });
    if (auto* error = std::get_if<EngineError>(&result))
        qFatal("submit failed: %s", qPrintable(error->message));
    if (!QTest::qWaitFor([&] { return committed->load(); }, 10000))
        qFatal("the job was not committed");
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
