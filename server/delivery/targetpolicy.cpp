#include "targetpolicy.h"

#include <QHostAddress>

namespace {

bool isLoopback(const QString& host)
{
    // "localhost" resolves to loopback only (RFC 6761); a literal address says so by itself.
    if (host == QLatin1StringView("localhost") || host.endsWith(QLatin1StringView(".localhost")))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

} // namespace

TargetPolicy::TargetPolicy(QStringList allowed)
    : m_allowed(std::move(allowed))
{
    for (const QString& text : std::as_const(m_allowed)) {
        Entry entry;
        if (parse(text, &entry))
            m_entries.append(entry);
    }
}

bool TargetPolicy::parse(const QString& text, Entry* entry)
{
    // QUrl parses "HOST", "HOST:PORT" and "[v6]:PORT" as an authority, and rejects the rest.
    const QUrl url(QStringLiteral("http://") + text.trimmed());
    if (!url.isValid() || url.host().isEmpty() || !url.path().isEmpty() || !url.userInfo().isEmpty() || url.hasQuery()
        || url.hasFragment())
        return false;
    entry->host = url.host().toLower();
    entry->port = url.port(-1);
    return true;
}

QString TargetPolicy::checkAllowList(const QStringList& allowed)
{
    for (const QString& text : allowed) {
        Entry entry;
        if (!parse(text, &entry))
            return QStringLiteral("--allow-http-target \"%1\" is not HOST or HOST:PORT").arg(text);
    }
    return {};
}

QString TargetPolicy::refusal(const QUrl& url) const
{
    const QString host = url.host().toLower();
    if (isLoopback(host))
        return {};
    const int port = url.port(url.scheme() == QLatin1StringView("https") ? 443 : 80);
    for (const Entry& entry : m_entries) {
        if (entry.host == host && (entry.port < 0 || entry.port == port))
            return {};
    }
    const QString target = QStringLiteral("%1:%2").arg(host.contains(u':') ? u'[' + host + u']' : host).arg(port);
    return QStringLiteral("deliveries go to loopback hosts only; start QueueLab with --allow-http-target %1 (or "
                          "--allow-http-target %2 for any port), or add it to the allowed targets in the window's "
                          "delivery settings, to allow %1")
        .arg(target, host.contains(u':') ? u'[' + host + u']' : host);
}
