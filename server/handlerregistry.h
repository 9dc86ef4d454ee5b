#pragma once

#include "jobhandler.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>

// Job type name -> handler. Filled before the engine starts, read-only afterwards.
class HandlerRegistry
{
public:
    template <typename Handler, typename... Args> void add(const QString& type, Args&&... args)
    {
        m_handlers.insert(type, std::make_shared<const Handler>(std::forward<Args>(args)...));
    }
    // Null for an unknown type. `registeredName` gets the registry's own copy of the name
    // (usually static): jobs that hold it keep no string of their own, which a store holding
    // 100,000 of them feels.
    std::shared_ptr<const JobHandler> find(const QString& type, QString* registeredName = nullptr) const
    {
        const auto it = m_handlers.find(type);
        if (it == m_handlers.end())
            return nullptr;
        if (registeredName)
            *registeredName = it.key();
        return it.value();
    }
    QStringList types() const { return m_handlers.keys(); }

private:
    QMap<QString, std::shared_ptr<const JobHandler>> m_handlers;
};

struct HandlerOptions
{
    bool allowExec = false;
    // http jobs and completion callbacks, at start: targets beside loopback ones (HOST or
    // HOST:PORT), and the Standard Webhooks secret (whsec_...) that signs deliveries; empty:
    // unsigned. Engine::setAllowedHttpTargets() and setWebhookSecret() change them later.
    QStringList allowedHttpTargets;
    QString webhookSecret;
};
