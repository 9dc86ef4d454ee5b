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
    std::shared_ptr<const JobHandler> find(const QString& type) const { return m_handlers.value(type); }
    // The registry's own copy of a registered type name (usually static), else `type`: jobs
    // that hold it keep no string of their own, which a store holding 100,000 of them feels.
    QString sharedName(const QString& type) const
    {
        const auto it = m_handlers.find(type);
        return it == m_handlers.end() ? type : it.key();
    }
    QStringList types() const { return m_handlers.keys(); }

private:
    QMap<QString, std::shared_ptr<const JobHandler>> m_handlers;
};

struct HandlerOptions
{
    bool allowExec = false;
};

// The types every QueueLab has: echo, sleep, fail, compute (and exec when allowed).
void registerBuiltinHandlers(HandlerRegistry& registry, const HandlerOptions& options);
