#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

// Where deliveries may go: loopback hosts always, others only when allowed by name
// (--allow-http-target HOST or HOST:PORT), so that a job cannot make QueueLab reach into a network.
class TargetPolicy
{
public:
    TargetPolicy() = default;
    explicit TargetPolicy(QStringList allowed);

    // Why `allowed` holds an entry that is not HOST or HOST:PORT; empty when all are good.
    static QString checkAllowList(const QStringList& allowed);
    // Empty when `url` may be delivered to; otherwise a message naming the flag that allows it.
    QString refusal(const QUrl& url) const;
    QStringList allowed() const { return m_allowed; }

private:
    struct Entry
    {
        QString host; // lower case, without brackets
        int port = -1; // -1: any
    };
    static bool parse(const QString& text, Entry* entry);

    QStringList m_allowed;
    QList<Entry> m_entries;
};
