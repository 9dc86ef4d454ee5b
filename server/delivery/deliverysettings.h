#pragma once

#include "delivery/targetpolicy.h"
#include "delivery/webhooksignature.h"

#include <QMutex>
#include <QString>
#include <QStringList>

// Where deliveries may go and the secret that signs them: set from the command line, and changed
// from the dashboard while deliveries run. Any thread; readers take a copy, so a change applies
// to the requests sent after it.
class DeliverySettings
{
public:
    DeliverySettings(const QStringList& allowedTargets, const QString& secret);

    TargetPolicy policy() const;
    WebhookSignature signature() const;
    QStringList allowedTargets() const;
    QString secret() const;

    // Checked by the caller first (TargetPolicy::checkAllowList(), WebhookSignature::checkSecret()).
    void setAllowedTargets(const QStringList& allowed);
    void setSecret(const QString& secret); // empty: deliveries go unsigned

private:
    mutable QMutex m_mutex;
    TargetPolicy m_policy;
    WebhookSignature m_signature;
    QString m_secret;
};
