// The settings a user makes while QueueLab runs, kept in the store so that a restart keeps them:
// each queue's pause and concurrency limit, the pause of all processing, and the worker count.
#include "defaultlimits.h"
#include "enginecore.h"

#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

void EngineCore::restoreSettingsLocked(const QJsonObject& settings)
{
    const QJsonObject queues = settings.value("queues"_L1).toObject();
    for (auto it = queues.begin(); it != queues.end(); ++it) {
        if (!isValidQueueName(it.key()))
            continue;
        const QJsonObject queue = it.value().toObject();
        m_queue.setPaused(it.key(), queue.value("paused"_L1).toBool());
        m_queue.setConcurrency(it.key(), std::max(0, queue.value("concurrency"_L1).toInt()));
    }
    m_queue.setAllPaused(settings.value("processing_paused"_L1).toBool());
    // --workers wins over the remembered count; without it the count set last comes back.
    const int workers = settings.value("workers"_L1).toInt();
    if (workers > 0)
        m_chosenWorkers = std::clamp(workers, 1, Limits::maxWorkers);
    if (m_config.workers <= 0 && m_chosenWorkers > 0)
        m_workerCount = m_chosenWorkers;
}

void EngineCore::storeSettingsLocked()
{
    QJsonObject queues;
    for (const QString& name : m_queue.names()) {
        const bool paused = m_queue.isPaused(name);
        const int concurrency = m_queue.concurrency(name);
        if (paused || concurrency > 0)
            queues.insert(name, QJsonObject { { u"paused"_s, paused }, { u"concurrency"_s, concurrency } });
    }
    QJsonObject settings { { u"queues"_s, queues } };
    if (m_queue.isAllPaused())
        settings.insert(u"processing_paused"_s, true);
    if (m_chosenWorkers > 0) // set in the window, not a default that depends on the machine
        settings.insert(u"workers"_s, m_chosenWorkers);
    m_store->setSettings(settings);
}
